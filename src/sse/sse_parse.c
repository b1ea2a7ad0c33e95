/* Incremental Server-Sent Events decoder (WHATWG HTML, "event stream interpretation"). */
#include "sse/sse.h"

#include <string.h>

static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };

void sy_sse_decoder_init(struct sy_sse_decoder *d, size_t max_event_bytes)
{
    memset(d, 0, sizeof *d);
    d->max_event = max_event_bytes;
    sy_buf_init(&d->line, max_event_bytes);
    sy_buf_init(&d->raw, max_event_bytes);
    sy_buf_init(&d->data, max_event_bytes);
    sy_buf_init(&d->event, max_event_bytes);
    sy_buf_init(&d->id, max_event_bytes);
    d->err = SY_OK;
}

static void clear_block(struct sy_sse_decoder *d)
{
    sy_buf_reset(&d->raw);
    sy_buf_reset(&d->data);
    sy_buf_reset(&d->event);
    sy_buf_reset(&d->id);
    d->has_data = d->has_field = d->has_comment = d->has_unknown = false;
}

void sy_sse_decoder_reset(struct sy_sse_decoder *d)
{
    clear_block(d);
    sy_buf_reset(&d->line);
    d->saw_cr = d->bom_checked = false;
    d->err = SY_OK;
}

void sy_sse_decoder_free(struct sy_sse_decoder *d)
{
    sy_buf_free(&d->line);
    sy_buf_free(&d->raw);
    sy_buf_free(&d->data);
    sy_buf_free(&d->event);
    sy_buf_free(&d->id);
    sy_sse_decoder_reset(d);
}

bool sy_sse_decoder_pending(const struct sy_sse_decoder *d)
{
    return d->line.len > 0 || d->has_field || d->has_comment;
}

static sy_slice view(const struct sy_buf *b)
{
    return b->len ? sy_buf_slice(b) : SY_LIT("");
}

static sy_status dispatch(struct sy_sse_decoder *d, sy_sse_emit_fn emit, void *ctx)
{
    if (!d->has_field && !d->has_comment)
        return SY_OK; /* a blank line outside any block: its bytes stay in raw for the next one */
    struct sy_sse_event ev = {
        .event = view(&d->event),
        .data = view(&d->data),
        .id = view(&d->id),
        .raw = view(&d->raw),
        .has_data = d->has_data,
        .comment_only = !d->has_field,
        .unknown_field = d->has_unknown,
    };
    if (d->has_data)
        ev.data.len--; /* the '\n' appended after the last data line */
    sy_status st = emit(ctx, &ev);
    clear_block(d);
    return st;
}

static sy_status process_line(struct sy_sse_decoder *d, sy_slice line, sy_sse_emit_fn emit, void *ctx)
{
    if (line.len == 0)
        return dispatch(d, emit, ctx);
    if (line.ptr[0] == ':') {
        d->has_comment = true;
        return SY_OK;
    }
    const char *colon = memchr(line.ptr, ':', line.len);
    sy_slice field = line, value = SY_LIT("");
    if (colon) {
        field.len = (size_t)(colon - line.ptr);
        value = sy_slice_from(colon + 1, line.len - field.len - 1);
        if (value.len && value.ptr[0] == ' ') {
            value.ptr++;
            value.len--;
        }
    }
    d->has_field = true;
    sy_status st = SY_OK;
    if (sy_slice_eq_cstr(field, "data")) {
        d->has_data = true;
        if ((st = sy_buf_append_slice(&d->data, value)) == SY_OK)
            st = sy_buf_append_char(&d->data, '\n');
    } else if (sy_slice_eq_cstr(field, "event")) {
        sy_buf_reset(&d->event);
        st = sy_buf_append_slice(&d->event, value);
    } else if (sy_slice_eq_cstr(field, "id")) {
        if (!memchr(value.ptr, '\0', value.len)) {
            sy_buf_reset(&d->id);
            st = sy_buf_append_slice(&d->id, value);
        }
    }
    else if (!sy_slice_eq_cstr(field, "retry"))
        d->has_unknown = true; /* ignored by SSE, but a sign of a broken upstream */
    return st;
}

static sy_status feed(struct sy_sse_decoder *d, const char *p, size_t n, sy_sse_emit_fn emit, void *ctx)
{
    size_t i = 0;
    sy_status st;

    /* The BOM may arrive split across feeds: matched bytes wait in `line` until decided. */
    while (!d->bom_checked && i < n) {
        if ((unsigned char)p[i] == bom[d->line.len]) {
            if ((st = sy_buf_append_char(&d->line, p[i])) != SY_OK)
                return st;
            i++;
            if (d->line.len == sizeof bom) {
                sy_buf_reset(&d->line);
                d->bom_checked = true;
            }
        } else {
            /* Not a BOM: what was held back is the start of the first line. */
            if ((st = sy_buf_append_slice(&d->raw, sy_buf_slice(&d->line))) != SY_OK)
                return st;
            d->bom_checked = true;
        }
    }

    while (i < n) {
        if (d->saw_cr) {
            d->saw_cr = false;
            if (p[i] == '\n') { /* second half of a CRLF line end */
                if ((st = sy_buf_append_char(&d->raw, '\n')) != SY_OK)
                    return st;
                i++;
                continue;
            }
        }
        const char *s = p + i;
        size_t rem = n - i;
        const char *lf = memchr(s, '\n', rem);
        const char *cr = memchr(s, '\r', lf ? (size_t)(lf - s) : rem);
        const char *e = cr ? cr : lf;
        if (!e) { /* partial line: keep it */
            if ((st = sy_buf_append(&d->raw, s, rem)) != SY_OK)
                return st;
            return sy_buf_append(&d->line, s, rem);
        }
        size_t len = (size_t)(e - s);
        if ((st = sy_buf_append(&d->raw, s, len + 1)) != SY_OK)
            return st;
        sy_slice line = sy_slice_from(s, len);
        if (d->line.len) {
            if ((st = sy_buf_append(&d->line, s, len)) != SY_OK)
                return st;
            line = sy_buf_slice(&d->line);
        }
        d->saw_cr = *e == '\r';
        i += len + 1;
        st = process_line(d, line, emit, ctx);
        sy_buf_reset(&d->line);
        if (st != SY_OK)
            return st;
    }
    return SY_OK;
}

sy_status sy_sse_feed(struct sy_sse_decoder *d, sy_slice in, sy_sse_emit_fn emit, void *ctx)
{
    if (d->err != SY_OK)
        return d->err;
    sy_status st = feed(d, in.ptr, in.ptr ? in.len : 0, emit, ctx);
    if (st != SY_OK)
        d->err = st;
    return st;
}
