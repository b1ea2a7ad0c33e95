/* YAML text → sy_ynode tree (see yaml_tree.h). libyaml produces events; we build nodes in an
 * arena, tagging each with its 1-based line and column. */
#include "config/yaml_tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/buf.h"

struct yp {
    yaml_parser_t parser;
    struct sy_arena *a;
    const char *file;
    struct sy_diag_list *errs;
    const char *text;
    size_t len;
    bool ok;     /* no problem reported so far */
    bool fatal;  /* parsing cannot continue */
};

static void yp_err(struct yp *p, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void yp_err(struct yp *p, int line, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sy_diag_list_add(p->errs, p->file, line, col, "%s", msg);
    p->ok = false;
}

static int mark_line(yaml_mark_t m) { return (int)m.line + 1; }
static int mark_col(yaml_mark_t m) { return (int)m.column + 1; }

/* Reader errors (bad encoding) only carry a byte offset: turn it into line:col. */
static void offset_pos(const struct yp *p, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < p->len; i++) {
        if (p->text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static void syntax_error(struct yp *p)
{
    const yaml_parser_t *ps = &p->parser;
    const char *problem = ps->problem ? ps->problem : "unknown error";
    int line, col;
    p->fatal = true;
    if (ps->error == YAML_MEMORY_ERROR) {
        yp_err(p, 0, 0, "invalid yaml: out of memory");
        return;
    }
    if (ps->error == YAML_READER_ERROR) {
        offset_pos(p, ps->problem_offset, &line, &col);
        yp_err(p, line, col, "invalid yaml: %s", problem);
        return;
    }
    line = mark_line(ps->problem_mark);
    col = mark_col(ps->problem_mark);
    if (ps->context)
        yp_err(p, line, col, "invalid yaml: %s (%s started at line %d)", problem, ps->context,
               mark_line(ps->context_mark));
    else
        yp_err(p, line, col, "invalid yaml: %s", problem);
}

static bool next_event(struct yp *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->parser, ev))
        return true;
    syntax_error(p);
    return false;
}

static struct sy_ynode *new_node(struct yp *p, enum sy_ynode_type t, yaml_mark_t m)
{
    struct sy_ynode *n = sy_arena_alloc(p->a, sizeof *n);
    n->type = t;
    n->line = mark_line(m);
    n->col = mark_col(m);
    n->str = "";
    return n;
}

static void append(struct sy_ynode *parent, struct sy_ynode *child)
{
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
    parent->count++;
}

/* Anchors and explicit tags are not part of the supported subset. */
static void check_props(struct yp *p, const yaml_char_t *anchor, const yaml_char_t *tag, yaml_mark_t m)
{
    if (anchor)
        yp_err(p, mark_line(m), mark_col(m), "yaml anchors are not supported (&%s)", (const char *)anchor);
    if (tag)
        yp_err(p, mark_line(m), mark_col(m), "yaml tags are not supported (%s)", (const char *)tag);
}

static struct sy_ynode *make_scalar(struct yp *p, const yaml_event_t *ev)
{
    check_props(p, ev->data.scalar.anchor, ev->data.scalar.tag, ev->start_mark);
    struct sy_ynode *n = new_node(p, SY_YSCALAR, ev->start_mark);
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, '\0', len)) {
        yp_err(p, n->line, n->col, "NUL characters are not supported in values");
        len = strlen(v);
    }
    n->str = sy_arena_strndup(p->a, v, len);
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return n;
}

static struct sy_ynode *parse_node(struct yp *p, const yaml_event_t *ev, int depth);

static struct sy_ynode *parse_collection(struct yp *p, const yaml_event_t *start, int depth)
{
    bool is_map = start->type == YAML_MAPPING_START_EVENT;
    yaml_mark_t m = start->start_mark;
    if (depth >= SY_YAML_MAX_DEPTH) {
        yp_err(p, mark_line(m), mark_col(m), "yaml nesting is deeper than %d levels", SY_YAML_MAX_DEPTH);
        p->fatal = true;
        return NULL;
    }
    if (is_map)
        check_props(p, start->data.mapping_start.anchor, start->data.mapping_start.tag, m);
    else
        check_props(p, start->data.sequence_start.anchor, start->data.sequence_start.tag, m);
    struct sy_ynode *n = new_node(p, is_map ? SY_YMAP : SY_YSEQ, m);
    yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(p, &ev))
            return NULL;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        struct sy_ynode *child = parse_node(p, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!child)
            return NULL;
        append(n, child);
    }
    if (is_map)
        n->count /= 2;
    return n;
}

static struct sy_ynode *parse_node(struct yp *p, const yaml_event_t *ev, int depth)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return make_scalar(p, ev);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return parse_collection(p, ev, depth);
    case YAML_ALIAS_EVENT: {
        struct sy_ynode *n = new_node(p, SY_YSCALAR, ev->start_mark);
        n->plain = true; /* stands in as null so validation can go on */
        yp_err(p, n->line, n->col, "yaml aliases are not supported (*%s)", (const char *)ev->data.alias.anchor);
        return n;
    }
    default:
        yp_err(p, mark_line(ev->start_mark), mark_col(ev->start_mark), "invalid yaml: unexpected event");
        p->fatal = true;
        return NULL;
    }
}

/* STREAM-START, then at most one document, then STREAM-END. */
static struct sy_ynode *parse_stream(struct yp *p)
{
    struct sy_ynode *root = NULL;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(p, &ev))
            return NULL;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return root;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            yp_err(p, mark_line(ev.start_mark), mark_col(ev.start_mark),
                   "multiple yaml documents are not supported");
            yaml_event_delete(&ev);
            return NULL;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT) {
            root = parse_node(p, &ev, 0);
            if (!root) {
                yaml_event_delete(&ev);
                return NULL;
            }
        }
        yaml_event_delete(&ev);
    }
}

struct sy_ynode *sy_yaml_parse(struct sy_arena *a, const char *text, size_t len, const char *file,
                               struct sy_diag_list *errs, bool *ok)
{
    struct yp p = { .a = a, .file = file, .errs = errs, .text = text, .len = len, .ok = true };
    if (!yaml_parser_initialize(&p.parser)) {
        yp_err(&p, 0, 0, "invalid yaml: cannot initialize the parser");
        *ok = false;
        return NULL;
    }
    yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
    struct sy_ynode *root = parse_stream(&p);
    yaml_parser_delete(&p.parser);
    *ok = p.ok;
    return p.fatal ? NULL : root;
}

bool sy_yaml_read_file(struct sy_arena *a, const char *path, char **text, size_t *len,
                       struct sy_diag_list *errs)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sy_diag_list_add(errs, path, 0, 0, "cannot open config file: %s", strerror(errno));
        return false;
    }
    struct sy_buf b;
    sy_buf_init(&b, SY_YAML_MAX_BYTES);
    char chunk[16384];
    bool good = true;
    size_t n;
    while (good && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sy_buf_append(&b, chunk, n) != SY_OK) {
            sy_diag_list_add(errs, path, 0, 0, "config file is larger than 1 MiB");
            good = false;
        }
    }
    if (good && ferror(f)) {
        sy_diag_list_add(errs, path, 0, 0, "cannot read config file: %s", strerror(errno));
        good = false;
    }
    fclose(f);
    if (good) {
        *len = b.len;
        *text = sy_arena_strndup(a, b.data ? b.data : "", b.len);
    }
    sy_buf_free(&b);
    return good;
}

bool sy_ynode_is_null(const struct sy_ynode *n)
{
    if (!n || n->type != SY_YSCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->str, "~") == 0 || strcasecmp(n->str, "null") == 0;
}

const char *sy_ynode_kind(const struct sy_ynode *n)
{
    if (!n || sy_ynode_is_null(n))
        return "null";
    switch (n->type) {
    case SY_YSEQ:
        return "a sequence";
    case SY_YMAP:
        return "a mapping";
    default:
        return "a scalar";
    }
}
