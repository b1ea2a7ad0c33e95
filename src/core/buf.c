/* Capped growable buffers. */
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/xmalloc.h"

#include <stdlib.h>

void sy_buf_init(struct sy_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

static sy_status reserve(struct sy_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return SY_ETOOBIG;
    size_t need = b->len + extra + 1; /* +1 keeps room for the NUL */
    if (need <= b->cap)
        return SY_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SY_BUF_UNCAPPED / 2 ? need : cap * 2;
    b->data = sy_xrealloc(b->data, cap);
    b->cap = cap;
    return SY_OK;
}

sy_status sy_buf_append(struct sy_buf *b, const void *p, size_t n)
{
    sy_status st = reserve(b, n);
    if (st != SY_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SY_OK;
}

sy_status sy_buf_append_slice(struct sy_buf *b, sy_slice s) { return sy_buf_append(b, s.ptr, s.len); }
sy_status sy_buf_append_cstr(struct sy_buf *b, const char *s) { return sy_buf_append(b, s, strlen(s)); }
sy_status sy_buf_append_char(struct sy_buf *b, char c) { return sy_buf_append(b, &c, 1); }

sy_status sy_buf_vprintf(struct sy_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return SY_EINTERNAL;
    sy_status st = reserve(b, (size_t)n);
    if (st != SY_OK)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return SY_OK;
}

sy_status sy_buf_printf(struct sy_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sy_status st = sy_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

void sy_buf_consume(struct sy_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

void sy_buf_reset(struct sy_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sy_buf_free(struct sy_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *sy_buf_detach(struct sy_buf *b, size_t *len)
{
    char *d = b->data ? b->data : sy_xstrdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
