/* libFuzzer target for src/sse. Built by tests/fuzz/build.sh. Checks, for any input:
 *  - decoding in one feed, byte by byte, and in input-chosen splits gives identical events and
 *    the same final status (also with a small cap that triggers SY_ETOOBIG);
 *  - the raws of all events, concatenated, are a prefix of the input (minus a leading BOM);
 *  - a frame written by sy_sse_write_event / _comment decodes back to the same event. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sse/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                    \
        }                                                                               \
    } while (0)

struct log {
    struct sy_buf text, raws;
    size_t        count;
};

static void put(struct sy_buf *b, sy_slice s)
{
    CHECK(sy_buf_printf(b, "%zu:", s.len) == SY_OK);
    CHECK(sy_buf_append_slice(b, s) == SY_OK);
}

static sy_status on_event(void *ctx, const struct sy_sse_event *ev)
{
    struct log *l = ctx;
    l->count++;
    CHECK(ev->event.ptr && ev->data.ptr && ev->id.ptr && ev->raw.ptr);
    CHECK(!(ev->comment_only && ev->has_data));
    CHECK(ev->has_data || ev->data.len == 0);
    CHECK(ev->raw.len > 0);
    put(&l->text, ev->event);
    put(&l->text, ev->data);
    put(&l->text, ev->id);
    put(&l->text, ev->raw);
    CHECK(sy_buf_printf(&l->text, "%d%d;", ev->has_data, ev->comment_only) == SY_OK);
    CHECK(sy_buf_append_slice(&l->raws, ev->raw) == SY_OK);
    return SY_OK;
}

/* mode 0: one feed; 1: byte by byte; 2: split sizes taken from the input itself. */
static sy_status run(const uint8_t *data, size_t size, size_t cap, int mode, struct log *l, bool *pending)
{
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, cap);
    sy_buf_init(&l->text, SY_BUF_UNCAPPED);
    sy_buf_init(&l->raws, SY_BUF_UNCAPPED);
    l->count = 0;
    sy_status st = SY_OK;
    size_t off = 0, k = 0;
    while (off < size && st == SY_OK) {
        size_t n = size - off;
        if (mode == 1)
            n = 1;
        else if (mode == 2)
            n = 1 + data[k++ % size] % 13;
        if (n > size - off)
            n = size - off;
        st = sy_sse_feed(&d, sy_slice_from((const char *)data + off, n), on_event, l);
        off += n;
    }
    if (size == 0)
        st = sy_sse_feed(&d, SY_SLICE_NULL, on_event, l);
    *pending = sy_sse_decoder_pending(&d);
    sy_sse_decoder_free(&d);
    return st;
}

static void check_decode(const uint8_t *data, size_t size, size_t cap)
{
    struct log l[3];
    sy_status st[3];
    bool pending[3];
    for (int m = 0; m < 3; m++)
        st[m] = run(data, size, cap, m, &l[m], &pending[m]);
    for (int m = 1; m < 3; m++) {
        CHECK(st[m] == st[0]);
        CHECK(l[m].count == l[0].count);
        CHECK(l[m].text.len == l[0].text.len);
        CHECK(l[0].text.len == 0 || memcmp(l[m].text.data, l[0].text.data, l[0].text.len) == 0);
        if (st[0] == SY_OK)
            CHECK(pending[m] == pending[0]);
    }
    CHECK(st[0] == SY_OK || st[0] == SY_ETOOBIG);
    size_t skip = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    CHECK(l[0].raws.len <= size - skip);
    CHECK(l[0].raws.len == 0 || memcmp(l[0].raws.data, data + skip, l[0].raws.len) == 0);
    for (int m = 0; m < 3; m++) {
        sy_buf_free(&l[m].text);
        sy_buf_free(&l[m].raws);
    }
}

struct one {
    int                 n;
    struct sy_buf       event, data;
    bool                has_data, comment_only;
};

static sy_status on_one(void *ctx, const struct sy_sse_event *ev)
{
    struct one *o = ctx;
    o->n++;
    sy_buf_reset(&o->event);
    sy_buf_reset(&o->data);
    CHECK(sy_buf_append_slice(&o->event, ev->event) == SY_OK);
    CHECK(sy_buf_append_slice(&o->data, ev->data) == SY_OK);
    o->has_data = ev->has_data;
    o->comment_only = ev->comment_only;
    return SY_OK;
}

/* Writer round trip: first byte picks the event-name length, the rest is data. */
static void check_writer(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    size_t elen = data[0] % 16;
    if (elen > size - 1)
        elen = size - 1;
    sy_slice ev = sy_slice_from((const char *)data + 1, elen);
    sy_slice dt = sy_slice_from((const char *)data + 1 + elen, size - 1 - elen);
    struct sy_buf frame;
    sy_buf_init(&frame, SY_BUF_UNCAPPED);
    sy_status st = sy_sse_write_event(&frame, ev, dt);
    bool breaks = memchr(ev.ptr, '\n', ev.len) || memchr(ev.ptr, '\r', ev.len);
    if (breaks) {
        CHECK(st == SY_EINVAL && frame.len == 0);
        sy_buf_free(&frame);
        return;
    }
    CHECK(st == SY_OK);
    /* Expected data: line ends turned into LF. */
    struct sy_buf want;
    sy_buf_init(&want, SY_BUF_UNCAPPED);
    CHECK(sy_buf_append(&want, "", 0) == SY_OK);
    for (size_t i = 0; i < dt.len; i++) {
        char c = dt.ptr[i];
        if (c == '\r' && i + 1 < dt.len && dt.ptr[i + 1] == '\n')
            continue;
        CHECK(sy_buf_append_char(&want, c == '\r' ? '\n' : c) == SY_OK);
    }
    struct one o = { 0 };
    sy_buf_init(&o.event, SY_BUF_UNCAPPED);
    sy_buf_init(&o.data, SY_BUF_UNCAPPED);
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, 1 << 20);
    CHECK(sy_sse_feed(&d, sy_buf_slice(&frame), on_one, &o) == SY_OK);
    CHECK(o.n == 1 && o.has_data && !o.comment_only);
    CHECK(o.event.len == ev.len && (ev.len == 0 || memcmp(o.event.data, ev.ptr, ev.len) == 0));
    CHECK(o.data.len == want.len && (want.len == 0 || memcmp(o.data.data, want.data, want.len) == 0));
    CHECK(!sy_sse_decoder_pending(&d));

    /* A comment frame is one comment-only event. */
    sy_buf_reset(&frame);
    CHECK(sy_sse_write_comment(&frame, dt) == SY_OK);
    o.n = 0;
    CHECK(sy_sse_feed(&d, sy_buf_slice(&frame), on_one, &o) == SY_OK);
    CHECK(o.n == 1 && o.comment_only && !o.has_data);
    CHECK(!sy_sse_decoder_pending(&d));

    sy_sse_decoder_free(&d);
    sy_buf_free(&o.event);
    sy_buf_free(&o.data);
    sy_buf_free(&want);
    sy_buf_free(&frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_decode(data, size, 1 << 20);
    check_decode(data, size, 32);
    check_writer(data, size);
    return 0;
}
