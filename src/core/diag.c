/* Error detail objects. */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

void sy_diag_clear(struct sy_diag *d)
{
    memset(d, 0, sizeof *d);
}

void sy_diag_setf(struct sy_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

void sy_diag_param(struct sy_diag *d, const char *param)
{
    snprintf(d->param, sizeof d->param, "%s", param ? param : "");
}

void sy_diag_code(struct sy_diag *d, const char *code)
{
    snprintf(d->code, sizeof d->code, "%s", code ? code : "");
}

sy_status sy_diag_fail(struct sy_diag *d, sy_status st, const char *param, const char *fmt, ...)
{
    if (!d)
        return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    sy_diag_param(d, param);
    return st;
}

bool sy_diag_is_set(const struct sy_diag *d)
{
    return d->message[0] != '\0';
}

void sy_diag_list_init(struct sy_diag_list *l)
{
    l->items = NULL;
    l->count = l->cap = 0;
}

void sy_diag_list_add(struct sy_diag_list *l, const char *file, int line, int col, const char *fmt, ...)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = sy_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    struct sy_diag *d = &l->items[l->count++];
    sy_diag_clear(d);
    d->file = file;
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

void sy_diag_list_free(struct sy_diag_list *l)
{
    free(l->items);
    sy_diag_list_init(l);
}
