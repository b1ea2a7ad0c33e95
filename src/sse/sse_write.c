/* Server-Sent Events frames: the only place the gateway builds them. */
#include "sse/sse.h"

#include <string.h>

/* prefix + line + "\n" for every line of text (split at LF, CRLF or CR); one line when empty. */
static sy_status put_lines(struct sy_buf *out, const char *prefix, sy_slice text)
{
    const char *p = text.ptr;
    size_t n = text.ptr ? text.len : 0, i = 0;
    sy_status st;
    for (;;) {
        size_t j = i;
        while (j < n && p[j] != '\n' && p[j] != '\r')
            j++;
        if ((st = sy_buf_append_cstr(out, prefix)) != SY_OK || (st = sy_buf_append(out, p + i, j - i)) != SY_OK ||
            (st = sy_buf_append_char(out, '\n')) != SY_OK)
            return st;
        if (j >= n)
            return SY_OK;
        i = j + (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n' ? 2 : 1);
    }
}

static sy_status undo(struct sy_buf *out, size_t len, sy_status st)
{
    out->len = len;
    if (out->data)
        out->data[len] = '\0';
    return st;
}

sy_status sy_sse_write_event(struct sy_buf *out, sy_slice event, sy_slice data)
{
    size_t orig = out->len;
    sy_status st;
    if (event.len && (memchr(event.ptr, '\n', event.len) || memchr(event.ptr, '\r', event.len)))
        return SY_EINVAL;
    if (event.len &&
        ((st = sy_buf_append_cstr(out, "event: ")) != SY_OK || (st = sy_buf_append_slice(out, event)) != SY_OK ||
         (st = sy_buf_append_char(out, '\n')) != SY_OK))
        return undo(out, orig, st);
    if ((st = put_lines(out, "data: ", data)) != SY_OK || (st = sy_buf_append_char(out, '\n')) != SY_OK)
        return undo(out, orig, st);
    return SY_OK;
}

sy_status sy_sse_write_comment(struct sy_buf *out, sy_slice text)
{
    size_t orig = out->len;
    sy_status st;
    if ((st = put_lines(out, ": ", text)) != SY_OK || (st = sy_buf_append_char(out, '\n')) != SY_OK)
        return undo(out, orig, st);
    return SY_OK;
}

sy_status sy_sse_write_done(struct sy_buf *out)
{
    return sy_buf_append_cstr(out, "data: [DONE]\n\n");
}
