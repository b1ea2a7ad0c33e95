/* A small, position-tagged YAML node tree built with libyaml's event parser. The config loader
 * validates this tree against declarative field tables (config_schema.c), so it can report every
 * problem at once instead of stopping at the first one.
 * Only plain data is supported: anchors, aliases and explicit tags are rejected with an error,
 * files are capped at SY_YAML_MAX_BYTES and nesting at SY_YAML_MAX_DEPTH. Every node and string
 * lives in the arena passed to sy_yaml_parse(). */
#ifndef SY_CONFIG_YAML_TREE_H
#define SY_CONFIG_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/diag.h"

#define SY_YAML_MAX_BYTES ((size_t)1 << 20)  /* 1 MiB */
#define SY_YAML_MAX_DEPTH 64

enum sy_ynode_type { SY_YSCALAR, SY_YSEQ, SY_YMAP };

struct sy_ynode {
    enum sy_ynode_type type;
    int line, col;             /* 1-based start of the node */
    const char *str;           /* scalar text, NUL-terminated (never contains NUL) */
    size_t len;                /* scalar length */
    bool plain;                /* scalar written without quotes or block style */
    struct sy_ynode *first;    /* children; a mapping alternates key, value, key, value... */
    struct sy_ynode *last;
    struct sy_ynode *next;     /* next sibling */
    size_t count;              /* sequence items, or mapping pairs */
};

/* Parse `len` bytes of YAML text. Returns the root node, or NULL when the document is empty or
 * on error. Problems are appended to errs with `file` (borrowed) and 1-based positions; *ok is
 * set to false when at least one was found. */
struct sy_ynode *sy_yaml_parse(struct sy_arena *a, const char *text, size_t len, const char *file,
                               struct sy_diag_list *errs, bool *ok);

/* Read a whole file (at most SY_YAML_MAX_BYTES) into the arena, NUL-terminated. Returns false
 * and appends an error to errs when it cannot be read or is too large. */
bool sy_yaml_read_file(struct sy_arena *a, const char *path, char **text, size_t *len,
                       struct sy_diag_list *errs);

/* A plain `~`, `null` (any case) or empty scalar. */
bool sy_ynode_is_null(const struct sy_ynode *n);
/* "a string", "a sequence", "a mapping" or "null", for error messages. */
const char *sy_ynode_kind(const struct sy_ynode *n);

#endif
