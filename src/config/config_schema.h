/* Declarative validation of a YAML node tree. A table of sy_field describes the keys a mapping
 * may hold; sy_cfg_walk_map() checks the node against it, converts each value, and reports every
 * problem (unknown key, duplicate key, wrong type, bad value, missing required key) with the
 * key path and the line:col of the offending key or value. Internal to src/config.
 *
 * Every struct a table writes into starts with `struct sy_cfg_val self` (where the mapping
 * was, and whether it was given), followed by one sy_cfg_val per scalar key and one nested
 * struct per SY_F_MAP key. */
#ifndef SY_CONFIG_SCHEMA_H
#define SY_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/yaml_tree.h"
#include "core/arena.h"
#include "core/diag.h"

#define SY_CFG_MAX_ERRORS 100
#define SY_CFG_PATH_MAX 256

struct sy_cfg_ctx {
    struct sy_arena *a;          /* every value lives here */
    const char *file;            /* borrowed, for error positions */
    struct sy_diag_list *errs;
    unsigned nerrors;            /* errors reported through sy_cfg_error() */
    const char *warned[32];      /* ignored keys already warned about (by field name) */
    size_t nwarned;
};

/* One converted value. */
struct sy_cfg_val {
    bool set;                    /* given with a valid, non-null value */
    int line, col;               /* where the value was (also set when it was invalid) */
    char *s;                     /* string value, `${NAME}` resolved */
    uint64_t u;                  /* integers, sizes, milliseconds, enum values, ports */
    bool b;                      /* booleans */
    const struct sy_ynode *node; /* the raw node (SY_F_MAP, SY_F_CUSTOM, SY_F_ANY, SY_F_WARN) */
};

enum sy_field_type {
    SY_F_STR,     /* non-empty string */
    SY_F_SECRET,  /* string that may be empty and is never echoed in messages */
    SY_F_UINT,    /* integer in [min, max] */
    SY_F_SIZE,    /* byte size with optional suffix, in [min, max] */
    SY_F_BOOL,
    SY_F_SECONDS, /* decimal seconds → milliseconds in [min, max] */
    SY_F_MAP,     /* nested mapping described by `sub`, stored in the struct at `off` */
    SY_F_CUSTOM,  /* `fn` validates the node itself */
    SY_F_ANY,     /* accepted and ignored, content not validated */
    SY_F_WARN,    /* accepted and ignored with a warning (once per key name per load) */
};

struct sy_cfg_ctx;
/* Extra check after conversion; may rewrite v->s / v->u. False with a message in err. */
typedef bool (*sy_field_check)(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n);
/* Custom handler: base is the struct the table writes into, path the key path of val. */
typedef void (*sy_field_fn)(struct sy_cfg_ctx *c, const struct sy_ynode *val, const char *path, void *base);

struct sy_field {
    const char *name;            /* NULL ends a table */
    enum sy_field_type type;
    size_t off;                  /* offset of the sy_cfg_val (or nested struct) in the target */
    uint64_t min, max;
    bool required;
    sy_field_check check;
    const struct sy_field *sub;  /* SY_F_MAP */
    sy_field_fn fn;              /* SY_F_CUSTOM */
};

/* Append a positioned error (capped at SY_CFG_MAX_ERRORS per load). */
void sy_cfg_error(struct sy_cfg_ctx *c, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Close the load: note when errors were dropped by the cap. */
void sy_cfg_finish(struct sy_cfg_ctx *c);
/* "path.name", or "name" when path is empty (top level). */
void sy_cfg_join(char *out, size_t n, const char *path, const char *name);
/* Check `node` (NULL or null = empty mapping) against fields and fill base. path "" = top level. */
void sy_cfg_walk_map(struct sy_cfg_ctx *c, const struct sy_ynode *node, const char *path,
                     const struct sy_field *fields, void *base);
/* Convert one scalar node as field f would (for sequence items). */
void sy_cfg_scalar(struct sy_cfg_ctx *c, const struct sy_field *f, const struct sy_ynode *v, const char *path,
                   struct sy_cfg_val *val);
/* True when node is a sequence (null counts as an empty one); otherwise reports a type error. */
bool sy_cfg_expect_seq(struct sy_cfg_ctx *c, const struct sy_ynode *node, const char *path);

#endif
