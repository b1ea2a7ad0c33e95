/* Table-driven validation of the YAML node tree (see config_schema.h). */
#include "config/config_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_env.h"
#include "config/config_values.h"
#include "core/log.h"

#define MAX_FIELDS 64

void sy_cfg_error(struct sy_cfg_ctx *c, int line, int col, const char *fmt, ...)
{
    if (c->nerrors++ >= SY_CFG_MAX_ERRORS)
        return;
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sy_diag_list_add(c->errs, c->file, line, col, "%s", msg);
}

void sy_cfg_finish(struct sy_cfg_ctx *c)
{
    if (c->nerrors > SY_CFG_MAX_ERRORS)
        sy_diag_list_add(c->errs, c->file, 0, 0, "%u more problems not shown", c->nerrors - SY_CFG_MAX_ERRORS);
}

void sy_cfg_join(char *out, size_t n, const char *path, const char *name)
{
    if (path[0])
        snprintf(out, n, "%s.%s", path, name);
    else
        snprintf(out, n, "%s", name);
}

static void mark(struct sy_cfg_val *val, const struct sy_ynode *v)
{
    val->line = v->line;
    val->col = v->col;
    val->node = v;
}

static const char *expected(enum sy_field_type t)
{
    switch (t) {
    case SY_F_UINT:
        return "an integer";
    case SY_F_SIZE:
        return "a size";
    case SY_F_BOOL:
        return "true or false";
    case SY_F_SECONDS:
        return "a number of seconds";
    default:
        return "a string";
    }
}

/* Convert the text of a non-null scalar; false with a message in err. */
static bool convert(const struct sy_field *f, struct sy_cfg_val *val, char *err, size_t n)
{
    switch (f->type) {
    case SY_F_STR:
        if (val->s[0])
            return true;
        snprintf(err, n, "must not be empty");
        return false;
    case SY_F_UINT:
        return sy_cfg_parse_uint(val->s, f->min, f->max, &val->u, err, n);
    case SY_F_SIZE:
        return sy_cfg_parse_size(val->s, f->min, f->max, &val->u, err, n);
    case SY_F_BOOL:
        return sy_cfg_parse_bool(val->s, &val->b, err, n);
    case SY_F_SECONDS:
        return sy_cfg_parse_seconds(val->s, f->min, f->max, &val->u, err, n);
    default:
        return true;
    }
}

void sy_cfg_scalar(struct sy_cfg_ctx *c, const struct sy_field *f, const struct sy_ynode *v, const char *path,
                   struct sy_cfg_val *val)
{
    mark(val, v);
    if (v->type != SY_YSCALAR) {
        sy_cfg_error(c, v->line, v->col, "%s: expected %s, got %s", path, expected(f->type), sy_ynode_kind(v));
        return;
    }
    if (sy_ynode_is_null(v)) {
        if (f->required)
            sy_cfg_error(c, v->line, v->col, "%s: must not be empty", path);
        return; /* an optional null is the same as leaving the key out */
    }
    char err[400];
    val->s = sy_cfg_interpolate(c->a, v->str, err, sizeof err);
    bool ok = val->s && convert(f, val, err, sizeof err) && (!f->check || f->check(c, val, err, sizeof err));
    if (ok)
        val->set = true;
    else
        sy_cfg_error(c, v->line, v->col, "%s: %s", path, err);
}

bool sy_cfg_expect_seq(struct sy_cfg_ctx *c, const struct sy_ynode *node, const char *path)
{
    if (!node || sy_ynode_is_null(node) || node->type == SY_YSEQ)
        return true;
    sy_cfg_error(c, node->line, node->col, "%s: expected a sequence, got %s", path, sy_ynode_kind(node));
    return false;
}

static void warn_once(struct sy_cfg_ctx *c, const struct sy_field *f, const struct sy_ynode *key, const char *path)
{
    for (size_t i = 0; i < c->nwarned; i++) {
        if (c->warned[i] == f->name)
            return;
    }
    if (c->nwarned < sizeof c->warned / sizeof c->warned[0])
        c->warned[c->nwarned++] = f->name;
    sy_warn("%s:%d:%d: ignoring LiteLLM setting '%s' (not supported by switchyard)",
            c->file ? c->file : "config", key->line, key->col, path);
}

static void apply_field(struct sy_cfg_ctx *c, const struct sy_field *f, const struct sy_ynode *key,
                        const struct sy_ynode *v, const char *path, void *base)
{
    struct sy_cfg_val *val = (struct sy_cfg_val *)((char *)base + f->off);
    switch (f->type) {
    case SY_F_MAP:
        sy_cfg_walk_map(c, v, path, f->sub, val);
        return;
    case SY_F_CUSTOM:
        mark(val, v);
        val->set = true;
        f->fn(c, v, path, base);
        return;
    case SY_F_WARN:
        warn_once(c, f, key, path);
        /* fall through */
    case SY_F_ANY:
        mark(val, v);
        val->set = true;
        return;
    default:
        sy_cfg_scalar(c, f, v, path, val);
    }
}

static const struct sy_field *find_field(const struct sy_field *fields, const char *name, size_t *idx)
{
    for (size_t i = 0; i < MAX_FIELDS && fields[i].name; i++) {
        if (strcmp(fields[i].name, name) == 0) {
            *idx = i;
            return &fields[i];
        }
    }
    return NULL;
}

/* Required keys that were not given at all (a given-but-invalid value was already reported). */
static void check_required(struct sy_cfg_ctx *c, const struct sy_ynode *node, const char *path,
                           const struct sy_field *fields, const bool *seen, void *base)
{
    const struct sy_cfg_val *self = base;
    for (size_t i = 0; i < MAX_FIELDS && fields[i].name; i++) {
        if (!fields[i].required || seen[i])
            continue;
        if (path[0])
            sy_cfg_error(c, node ? node->line : self->line, node ? node->col : self->col,
                         "%s: missing required key '%s'", path, fields[i].name);
        else
            sy_cfg_error(c, node ? node->line : 1, node ? node->col : 1, "missing required key '%s' in top level",
                         fields[i].name);
    }
}

static void walk_entry(struct sy_cfg_ctx *c, const struct sy_ynode *k, const char *path,
                       const struct sy_field *fields, bool *seen, void *base)
{
    const char *where = path[0] ? path : "top level";
    if (k->type != SY_YSCALAR) {
        sy_cfg_error(c, k->line, k->col, "%s: mapping keys must be plain strings, got %s", where, sy_ynode_kind(k));
        return;
    }
    size_t idx;
    const struct sy_field *f = find_field(fields, k->str, &idx);
    if (!f) {
        sy_cfg_error(c, k->line, k->col, "unknown key '%s' in %s", k->str, where);
        return;
    }
    if (seen[idx]) {
        sy_cfg_error(c, k->line, k->col, "duplicate key '%s' in %s", k->str, where);
        return;
    }
    seen[idx] = true;
    char fpath[SY_CFG_PATH_MAX];
    sy_cfg_join(fpath, sizeof fpath, path, k->str);
    apply_field(c, f, k, k->next, fpath, base);
}

void sy_cfg_walk_map(struct sy_cfg_ctx *c, const struct sy_ynode *node, const char *path,
                     const struct sy_field *fields, void *base)
{
    struct sy_cfg_val *self = base;
    bool seen[MAX_FIELDS] = { false };
    if (node) {
        mark(self, node);
        if (!sy_ynode_is_null(node) && node->type != SY_YMAP) {
            sy_cfg_error(c, node->line, node->col, "%s: expected a mapping, got %s", path[0] ? path : "top level",
                         sy_ynode_kind(node));
            return;
        }
        self->set = true;
        if (node->type == SY_YMAP) {
            for (const struct sy_ynode *k = node->first; k && k->next; k = k->next->next)
                walk_entry(c, k, path, fields, seen, base);
        }
    }
    check_required(c, node, path, fields, seen, base);
}
