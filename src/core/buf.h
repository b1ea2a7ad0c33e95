/* Owned, growable, always-capped byte buffers. All string output goes through sy_buf. */
#ifndef SY_CORE_BUF_H
#define SY_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/slice.h"
#include "core/status.h"

struct sy_buf {
    char  *data;  /* NUL-terminated after every successful append (when data != NULL) */
    size_t len;
    size_t cap;
    size_t max;   /* hard cap on len; appends beyond it fail with SY_ETOOBIG */
};

#define SY_BUF_UNCAPPED ((size_t)-1 / 2)

/* Empty buffer that may hold at most `max` bytes. No allocation until first append. */
void sy_buf_init(struct sy_buf *b, size_t max);
/* Append n bytes. SY_ETOOBIG (buffer unchanged) if len would exceed max. */
sy_status sy_buf_append(struct sy_buf *b, const void *p, size_t n) SY_MUST_CHECK;
sy_status sy_buf_append_slice(struct sy_buf *b, sy_slice s) SY_MUST_CHECK;
sy_status sy_buf_append_cstr(struct sy_buf *b, const char *s) SY_MUST_CHECK;
sy_status sy_buf_append_char(struct sy_buf *b, char c) SY_MUST_CHECK;
sy_status sy_buf_printf(struct sy_buf *b, const char *fmt, ...) SY_MUST_CHECK __attribute__((format(printf, 2, 3)));
sy_status sy_buf_vprintf(struct sy_buf *b, const char *fmt, va_list ap) SY_MUST_CHECK;
/* Drop the first n bytes (n <= len), keeping the rest. */
void sy_buf_consume(struct sy_buf *b, size_t n);
/* Empty it, keeping capacity. */
void sy_buf_reset(struct sy_buf *b);
/* Release memory; the buffer is empty and reusable with the same max afterwards. */
void sy_buf_free(struct sy_buf *b);
/* Borrowed view of the contents. */
static inline sy_slice sy_buf_slice(const struct sy_buf *b) { return (sy_slice){ b->data, b->len }; }
/* Hand the bytes to the caller (caller frees; NUL-terminated, never NULL); b is left empty. */
char *sy_buf_detach(struct sy_buf *b, size_t *len);

#endif
