/* Unit tests for src/sse: the incremental decoder (line ends, BOM, fields, dispatch, raw bytes,
 * caps, split invariance on real recordings) and the frame writer (exact bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sse/sse.h"

#ifndef SY_TEST_DATA
#define SY_TEST_DATA "tests/fixtures"
#endif

/* ------------------------------------------------------------------ helpers */

/* Every emitted event is appended to `log` in an unambiguous text form; `raws` gets the raw
 * bytes back to back; `datas` collects data slices of the first and last event. */
struct collect {
    struct sy_buf log;
    struct sy_buf raws;
    size_t        count, comments, with_data;
    char         *first_data, *last_data;
    size_t        stop_after; /* 0: never; else return SY_ECLOSED from the Nth event */
};

static void collect_init(struct collect *c)
{
    memset(c, 0, sizeof *c);
    sy_buf_init(&c->log, SY_BUF_UNCAPPED);
    sy_buf_init(&c->raws, SY_BUF_UNCAPPED);
}

static void collect_free(struct collect *c)
{
    sy_buf_free(&c->log);
    sy_buf_free(&c->raws);
    free(c->first_data);
    free(c->last_data);
}

static void log_slice(struct sy_buf *b, const char *tag, sy_slice s)
{
    assert_non_null(s.ptr);
    assert_int_equal(sy_buf_printf(b, "%s%zu[", tag, s.len), SY_OK);
    assert_int_equal(sy_buf_append_slice(b, s), SY_OK);
    assert_int_equal(sy_buf_append_cstr(b, "]"), SY_OK);
}

static sy_status on_event(void *ctx, const struct sy_sse_event *ev)
{
    struct collect *c = ctx;
    c->count++;
    log_slice(&c->log, "E", ev->event);
    log_slice(&c->log, "D", ev->data);
    log_slice(&c->log, "I", ev->id);
    log_slice(&c->log, "R", ev->raw);
    assert_int_equal(sy_buf_printf(&c->log, "h%dc%d\n", ev->has_data, ev->comment_only), SY_OK);
    assert_int_equal(sy_buf_append_slice(&c->raws, ev->raw), SY_OK);
    c->comments += ev->comment_only;
    c->with_data += ev->has_data;
    char *d = strndup(ev->data.ptr, ev->data.len);
    if (!c->first_data) {
        c->first_data = d;
    } else {
        free(c->last_data);
        c->last_data = d;
    }
    if (c->stop_after && c->count == c->stop_after)
        return SY_ECLOSED;
    return SY_OK;
}

/* Decode `in` fed in pieces of the given sizes (0-terminated list; the rest in one piece). */
static sy_status decode_pieces(struct collect *c, sy_slice in, const size_t *sizes, size_t max, bool *pending)
{
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, max);
    size_t off = 0;
    sy_status st = SY_OK;
    for (size_t k = 0; sizes && sizes[k] && off < in.len && st == SY_OK; k++) {
        size_t n = sizes[k] < in.len - off ? sizes[k] : in.len - off;
        st = sy_sse_feed(&d, sy_slice_from(in.ptr + off, n), on_event, c);
        off += n;
    }
    if (st == SY_OK)
        st = sy_sse_feed(&d, sy_slice_from(in.ptr + off, in.len - off), on_event, c);
    if (pending)
        *pending = sy_sse_decoder_pending(&d);
    sy_sse_decoder_free(&d);
    return st;
}

static char *decode_log_len(sy_slice in, const size_t *sizes, bool *pending, size_t *len)
{
    struct collect c;
    collect_init(&c);
    assert_int_equal(decode_pieces(&c, in, sizes, 1 << 20, pending), SY_OK);
    char *log = sy_buf_detach(&c.log, len);
    collect_free(&c);
    return log;
}

static char *decode_log(sy_slice in, const size_t *sizes, bool *pending)
{
    struct collect c;
    collect_init(&c);
    assert_int_equal(decode_pieces(&c, in, sizes, 1 << 20, pending), SY_OK);
    char *log = sy_buf_detach(&c.log, NULL);
    collect_free(&c);
    return log;
}

/* Decoding byte by byte and in every 2-way split must give the same log as one feed. */
static void assert_split_invariant(sy_slice in)
{
    size_t wlen, len;
    char *whole = decode_log_len(in, NULL, NULL, &wlen);
    size_t ones[4097];
    assert_true(in.len < 4096);
    for (size_t k = 0; k < in.len; k++)
        ones[k] = 1;
    ones[in.len] = 0;
    char *bytewise = decode_log_len(in, ones, NULL, &len);
    assert_int_equal(len, wlen);
    assert_memory_equal(bytewise, whole, wlen);
    free(bytewise);
    for (size_t cut = 1; cut < in.len; cut++) {
        size_t sizes[2] = { cut, 0 };
        char *s = decode_log_len(in, sizes, NULL, &len);
        if (len != wlen || memcmp(s, whole, wlen) != 0)
            fail_msg("split at %zu differs:\n%s\nvs\n%s", cut, s, whole);
        free(s);
    }
    free(whole);
}

static void expect_log(const char *stream, size_t len, const char *log, size_t loglen, bool pending)
{
    sy_slice in = sy_slice_from(stream, len);
    bool p = !pending;
    size_t gotlen;
    char *got = decode_log_len(in, NULL, &p, &gotlen);
    if (gotlen != loglen || memcmp(got, log, loglen) != 0)
        fail_msg("log differs (%zu vs %zu bytes):\n%s\nvs\n%s", gotlen, loglen, got, log);
    assert_int_equal(p, pending);
    free(got);
    assert_split_invariant(in);
}
#define EXPECT(lit, log, pending) expect_log((lit), sizeof(lit) - 1, (log), sizeof(log) - 1, (pending))

/* ------------------------------------------------------------------ decoder */

static void test_basic_events(void **state)
{
    (void)state;
    EXPECT("data: {\"a\":1}\n\n", "E0[]D7[{\"a\":1}]I0[]R15[data: {\"a\":1}\n\n]h1c0\n", false);
    EXPECT("event: message_start\ndata: x\nid: 7\n\n",
           "E13[message_start]D1[x]I1[7]R36[event: message_start\ndata: x\nid: 7\n\n]h1c0\n", false);
    /* Several data lines joined with \n; last event/id line wins. */
    EXPECT("event: a\nevent: b\ndata: 1\ndata:2\ndata\ndata:  3\nid: x\nid: y\n\n",
           "E1[b]D7[1\n2\n\n 3]I1[y]R60[event: a\nevent: b\ndata: 1\ndata:2\ndata\ndata:  3\nid: x\nid: y\n\n]h1c0\n",
           false);
    /* Only the first colon splits; empty data line gives empty data. */
    EXPECT("data: a:b: c\n\ndata:\n\n", "E0[]D6[a:b: c]I0[]R14[data: a:b: c\n\n]h1c0\nE0[]D0[]I0[]R7[data:\n\n]h1c0\n", false);
    /* Two events back to back; the event name does not carry over. */
    EXPECT("event: e\ndata: 1\n\ndata: 2\n\n",
           "E1[e]D1[1]I0[]R18[event: e\ndata: 1\n\n]h1c0\nE0[]D1[2]I0[]R9[data: 2\n\n]h1c0\n", false);
}

static void test_fields_and_comments(void **state)
{
    (void)state;
    /* Comment-only block (heartbeat). */
    EXPECT(": keep-alive\n\n", "E0[]D0[]I0[]R14[: keep-alive\n\n]h0c1\n", false);
    /* Comments inside an event are not data. */
    EXPECT(":c1\ndata: x\n: c2\n\n", "E0[]D1[x]I0[]R18[:c1\ndata: x\n: c2\n\n]h1c0\n", false);
    /* A block without data lines is still emitted, with has_data false. */
    EXPECT("event: ping\n\n", "E4[ping]D0[]I0[]R13[event: ping\n\n]h0c0\n", false);
    /* retry and unknown fields are ignored but the block is not comment-only. */
    EXPECT("retry: 1000\nfoo: bar\n\n", "E0[]D0[]I0[]R22[retry: 1000\nfoo: bar\n\n]h0c0\n", false);
    /* Field names are case-sensitive; "Data" is unknown. */
    EXPECT("Data: x\n\n", "E0[]D0[]I0[]R9[Data: x\n\n]h0c0\n", false);
    /* id containing NUL is ignored; the earlier id stays. */
    EXPECT("id: 1\nid: a\0b\ndata: x\n\n", "E0[]D1[x]I1[1]R23[id: 1\nid: a\0b\ndata: x\n\n]h1c0\n", false);
    /* Empty id is an id line with an empty value. */
    EXPECT("id\ndata: x\n\n", "E0[]D1[x]I0[]R12[id\ndata: x\n\n]h1c0\n", false);
    /* Blank lines outside a block emit nothing; their bytes lead the next block's raw. */
    EXPECT("\n\n\ndata: x\n\n\n", "E0[]D1[x]I0[]R12[\n\n\ndata: x\n\n]h1c0\n", false);
    EXPECT("\n\n", "", false);
    EXPECT("", "", false);
}

static void test_line_endings(void **state)
{
    (void)state;
    EXPECT("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
           "E0[]D3[a\nb]I0[]R19[data: a\r\ndata: b\r\n\r]h1c0\nE0[]D1[c]I0[]R11[\ndata: c\r\n\r]h1c0\n", false);
    EXPECT("data: a\rdata: b\r\rdata: c\r\r", "E0[]D3[a\nb]I0[]R17[data: a\rdata: b\r\r]h1c0\nE0[]D1[c]I0[]R9[data: c\r\r]h1c0\n",
           false);
    /* LF, then a lone CR (blank line); later CRLF then LF (blank line). */
    EXPECT("data: a\n\rdata: b\r\n\n", "E0[]D1[a]I0[]R9[data: a\n\r]h1c0\nE0[]D1[b]I0[]R10[data: b\r\n\n]h1c0\n", false);
    /* "\r\r\n": CR ends the line, then CRLF is the blank line. */
    EXPECT("data: a\r\r\n", "E0[]D1[a]I0[]R9[data: a\r\r]h1c0\n", false);
    /* CR inside what looks like a value ends the line. */
    EXPECT("data: a\rb\n\n", "E0[]D1[a]I0[]R11[data: a\rb\n\n]h1c0\n", false);
}

static void test_split_cr_lf(void **state)
{
    (void)state;
    /* The CR / LF of one line end arriving in two feeds is still one line end. */
    const char *s = "data: a\r\n\r\ndata: b\r\n\r\n";
    struct collect c;
    collect_init(&c);
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, 1024);
    assert_int_equal(sy_sse_feed(&d, sy_slice_from(s, 8), on_event, &c), SY_OK); /* "data: a\r" */
    assert_int_equal(c.count, 0);
    assert_true(sy_sse_decoder_pending(&d));
    assert_int_equal(sy_sse_feed(&d, sy_slice_from(s + 8, 2), on_event, &c), SY_OK); /* "\n\r" */
    assert_int_equal(c.count, 1);                                                   /* dispatched at the CR */
    assert_false(sy_sse_decoder_pending(&d));
    assert_int_equal(sy_sse_feed(&d, sy_slice_from(s + 10, strlen(s) - 10), on_event, &c), SY_OK);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.log.data, "E0[]D1[a]I0[]R10[data: a\r\n\r]h1c0\nE0[]D1[b]I0[]R11[\ndata: b\r\n\r]h1c0\n");
    assert_false(sy_sse_decoder_pending(&d));
    sy_sse_decoder_free(&d);
    collect_free(&c);
}

static void test_bom(void **state)
{
    (void)state;
    /* A leading BOM is skipped, also when split byte by byte (EXPECT covers every split). */
    EXPECT("\xef\xbb\xbf" "data: x\n\n", "E0[]D1[x]I0[]R9[data: x\n\n]h1c0\n", false);
    /* Only the first one: a second BOM makes an unknown field name. */
    EXPECT("\xef\xbb\xbf\xef\xbb\xbf" "data: x\n\n", "E0[]D0[]I0[]R12[\xef\xbb\xbf" "data: x\n\n]h0c0\n", false);
    /* A BOM prefix that is not a BOM is content. */
    EXPECT("\xef\xbb" "data: x\n\n", "E0[]D0[]I0[]R11[\xef\xbb" "data: x\n\n]h0c0\n", false);
    EXPECT("\xef\xbb\n\n", "E0[]D0[]I0[]R4[\xef\xbb\n\n]h0c0\n", false);
    EXPECT("\xef", "", true);
    /* Not at the start: content. */
    EXPECT("data: x\n\n\xef\xbb\xbf" "data: y\n\n",
           "E0[]D1[x]I0[]R9[data: x\n\n]h1c0\nE0[]D0[]I0[]R12[\xef\xbb\xbf" "data: y\n\n]h0c0\n", false);
}

static void test_pending(void **state)
{
    (void)state;
    EXPECT("data: x\n\ndata: y", "E0[]D1[x]I0[]R9[data: x\n\n]h1c0\n", true);
    EXPECT("data: x\n\ndata: y\n", "E0[]D1[x]I0[]R9[data: x\n\n]h1c0\n", true);
    EXPECT("data: x\n\n: c\n", "E0[]D1[x]I0[]R9[data: x\n\n]h1c0\n", true);
    EXPECT("data: x\n\n\n", "E0[]D1[x]I0[]R9[data: x\n\n]h1c0\n", false);
    EXPECT("data: x\r\n\r", "E0[]D1[x]I0[]R10[data: x\r\n\r]h1c0\n", false);
}

static void test_max_event(void **state)
{
    (void)state;
    /* A block of exactly the cap passes. */
    const char *ok = "data: 12345\n\n"; /* 13 bytes */
    struct collect c;
    collect_init(&c);
    assert_int_equal(decode_pieces(&c, sy_slice_cstr(ok), NULL, 13, NULL), SY_OK);
    assert_int_equal(c.count, 1);
    collect_free(&c);

    /* One byte more fails, whether the block is complete or a long line without end. */
    static const size_t ones[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
    const char *big[] = { "data: 123456\n\n", "data: 1234567890", "data: 1\ndata: 2\n\n" };
    for (size_t i = 0; i < 3; i++) {
        collect_init(&c);
        assert_int_equal(decode_pieces(&c, sy_slice_cstr(big[i]), NULL, 13, NULL), SY_ETOOBIG);
        assert_int_equal(c.count, 0);
        collect_free(&c);
        collect_init(&c);
        assert_int_equal(decode_pieces(&c, sy_slice_cstr(big[i]), ones, 13, NULL), SY_ETOOBIG);
        assert_int_equal(c.count, 0);
        collect_free(&c);
    }

    /* The cap is per block: many small events are fine; the error is sticky until reset. */
    collect_init(&c);
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, 13);
    for (int i = 0; i < 100; i++)
        assert_int_equal(sy_sse_feed(&d, sy_slice_cstr(ok), on_event, &c), SY_OK);
    assert_int_equal(c.count, 100);
    assert_int_equal(sy_sse_feed(&d, SY_LIT("data: 123456\n\n"), on_event, &c), SY_ETOOBIG);
    assert_int_equal(sy_sse_feed(&d, sy_slice_cstr(ok), on_event, &c), SY_ETOOBIG);
    assert_int_equal(c.count, 100);
    sy_sse_decoder_reset(&d);
    assert_false(sy_sse_decoder_pending(&d));
    assert_int_equal(sy_sse_feed(&d, sy_slice_cstr(ok), on_event, &c), SY_OK);
    assert_int_equal(c.count, 101);
    sy_sse_decoder_free(&d);
    collect_free(&c);
}

static void test_emit_error_stops(void **state)
{
    (void)state;
    struct collect c;
    collect_init(&c);
    c.stop_after = 2;
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, 1024);
    assert_int_equal(sy_sse_feed(&d, SY_LIT("data: 1\n\ndata: 2\n\ndata: 3\n\n"), on_event, &c), SY_ECLOSED);
    assert_int_equal(c.count, 2);
    assert_int_equal(sy_sse_feed(&d, SY_LIT("data: 4\n\n"), on_event, &c), SY_ECLOSED);
    assert_int_equal(c.count, 2);
    sy_sse_decoder_free(&d);
    collect_free(&c);
}

/* ------------------------------------------------------------------ recordings */

static char *read_fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sse/%s", SY_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(sy_buf_append(&b, tmp, n), SY_OK);
    fclose(f);
    return sy_buf_detach(&b, len);
}

struct fixture_expect {
    const char *file;
    size_t      count, comments, with_data;
    const char *first_data; /* prefix */
    const char *last_data;  /* exact */
    const char *last_event_line;
};

static void check_fixture(const struct fixture_expect *fx)
{
    size_t len;
    char *text = read_fixture(fx->file, &len);
    sy_slice in = sy_slice_from(text, len);

    struct collect c;
    collect_init(&c);
    bool pending = true;
    assert_int_equal(decode_pieces(&c, in, NULL, 64 * 1024, &pending), SY_OK);
    assert_false(pending);
    assert_int_equal(c.count, fx->count);
    assert_int_equal(c.comments, fx->comments);
    assert_int_equal(c.with_data, fx->with_data);
    assert_non_null(c.first_data);
    assert_non_null(c.last_data);
    if (strncmp(c.first_data, fx->first_data, strlen(fx->first_data)) != 0)
        fail_msg("%s: first data [%s]", fx->file, c.first_data);
    assert_string_equal(c.last_data, fx->last_data);
    /* Forwarding every raw reproduces the stream byte for byte. */
    assert_int_equal(c.raws.len, len);
    assert_memory_equal(c.raws.data, text, len);
    char *whole = sy_buf_detach(&c.log, NULL);
    collect_free(&c);

    /* Byte by byte, and random splits (fixed seed), give identical events. */
    size_t *sizes = calloc(len + 1, sizeof *sizes);
    for (size_t k = 0; k < len; k++)
        sizes[k] = 1;
    char *log = decode_log(in, sizes, &pending);
    assert_string_equal(log, whole);
    assert_false(pending);
    free(log);
    srand(12345);
    for (int round = 0; round < 200; round++) {
        size_t k = 0, total = 0;
        while (total < len) {
            size_t s = 1 + (size_t)rand() % (round < 100 ? 7 : 700);
            sizes[k++] = s;
            total += s;
        }
        sizes[k] = 0;
        log = decode_log(in, sizes, NULL);
        if (strcmp(log, whole) != 0)
            fail_msg("%s: round %d differs", fx->file, round);
        free(log);
    }
    /* The same stream with CRLF line ends gives the same events (data, names). */
    struct sy_buf crlf;
    sy_buf_init(&crlf, SY_BUF_UNCAPPED);
    for (size_t k = 0; k < len; k++) {
        if (text[k] == '\n')
            assert_int_equal(sy_buf_append_char(&crlf, '\r'), SY_OK);
        assert_int_equal(sy_buf_append_char(&crlf, text[k]), SY_OK);
    }
    collect_init(&c);
    assert_int_equal(decode_pieces(&c, sy_buf_slice(&crlf), NULL, 64 * 1024, &pending), SY_OK);
    assert_int_equal(c.count, fx->count);
    assert_string_equal(c.last_data, fx->last_data);
    /* Dispatch happens at the CR of the final blank line, so its LF is not in any raw yet. */
    assert_false(pending);
    assert_int_equal(c.raws.len, crlf.len - 1);
    assert_memory_equal(c.raws.data, crlf.data, crlf.len - 1);
    collect_free(&c);
    sy_buf_free(&crlf);

    free(sizes);
    free(whole);
    free(text);
}

static void test_recordings(void **state)
{
    (void)state;
    static const struct fixture_expect fx[] = {
        { "anthropic_stream_text.sse", 7, 0, 7,
          "{\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5-20250929\"",
          "{\"type\":\"message_stop\"    }", NULL },
        { "chat_stream_text_usage.sse", 7, 0, 7,
          "{\"id\":\"chatcmpl-E4Rjs6IxaJVge9Ntk5keJsaeDy6vS\",\"object\":\"chat.completion.chunk\"", "[DONE]", NULL },
        { "responses_openrouter_reasoning.sse", 42, 1, 41, "", "[DONE]", NULL },
    };
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++)
        check_fixture(&fx[i]);

    /* First event of the OpenRouter stream is the ": OPENROUTER PROCESSING" comment; the next
     * one carries response.created. */
    size_t len;
    char *text = read_fixture("responses_openrouter_reasoning.sse", &len);
    struct collect c;
    collect_init(&c);
    c.stop_after = 2;
    assert_int_equal(decode_pieces(&c, sy_slice_from(text, len), NULL, 64 * 1024, NULL), SY_ECLOSED);
    assert_true(strncmp(c.log.data, "E0[]D0[]I0[]R25[: OPENROUTER PROCESSING\n\n]h0c1\nE0[]D", 52) == 0);
    assert_non_null(strstr(c.last_data, "\"type\":\"response.created\""));
    collect_free(&c);
    free(text);
}

/* ------------------------------------------------------------------ writer */

static void expect_frame(sy_status st, struct sy_buf *b, const char *bytes)
{
    assert_int_equal(st, SY_OK);
    assert_int_equal(b->len, strlen(bytes));
    assert_string_equal(b->data, bytes);
    sy_buf_reset(b);
}

static void test_writer(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    expect_frame(sy_sse_write_event(&b, SY_LIT(""), SY_LIT("{\"a\":1}")), &b, "data: {\"a\":1}\n\n");
    expect_frame(sy_sse_write_event(&b, SY_SLICE_NULL, SY_LIT("x")), &b, "data: x\n\n");
    expect_frame(sy_sse_write_event(&b, SY_LIT("response.created"), SY_LIT("{}")), &b,
                 "event: response.created\ndata: {}\n\n");
    expect_frame(sy_sse_write_event(&b, SY_LIT(""), SY_LIT("a\nb\r\nc\rd")), &b,
                 "data: a\ndata: b\ndata: c\ndata: d\n\n");
    expect_frame(sy_sse_write_event(&b, SY_LIT(""), SY_LIT("a\n")), &b, "data: a\ndata: \n\n");
    expect_frame(sy_sse_write_event(&b, SY_LIT(""), SY_LIT("")), &b, "data: \n\n");
    expect_frame(sy_sse_write_comment(&b, SY_LIT("keep-alive")), &b, ": keep-alive\n\n");
    expect_frame(sy_sse_write_comment(&b, SY_LIT("a\nb")), &b, ": a\n: b\n\n");
    expect_frame(sy_sse_write_done(&b), &b, "data: [DONE]\n\n");

    /* Appends: frames accumulate. */
    assert_int_equal(sy_sse_write_event(&b, SY_LIT("e"), SY_LIT("1")), SY_OK);
    assert_int_equal(sy_sse_write_done(&b), SY_OK);
    assert_string_equal(b.data, "event: e\ndata: 1\n\ndata: [DONE]\n\n");
    size_t before = b.len;

    /* Event names with line breaks would inject lines: refused, nothing written. */
    assert_int_equal(sy_sse_write_event(&b, SY_LIT("a\nb"), SY_LIT("1")), SY_EINVAL);
    assert_int_equal(sy_sse_write_event(&b, SY_LIT("a\r"), SY_LIT("1")), SY_EINVAL);
    assert_int_equal(b.len, before);
    sy_buf_free(&b);

    /* A frame that does not fit leaves the buffer unchanged. */
    sy_buf_init(&b, 20);
    assert_int_equal(sy_buf_append_cstr(&b, "xx"), SY_OK);
    assert_int_equal(sy_sse_write_event(&b, SY_LIT("ev"), SY_LIT("0123456789")), SY_ETOOBIG);
    assert_string_equal(b.data, "xx");
    assert_int_equal(sy_sse_write_comment(&b, SY_LIT("0123456789abcdefghij")), SY_ETOOBIG);
    assert_string_equal(b.data, "xx");
    assert_int_equal(sy_sse_write_event(&b, SY_LIT(""), SY_LIT("0123456")), SY_OK); /* 15 bytes: 17 */
    assert_int_equal(b.len, 17);
    assert_int_equal(sy_sse_write_done(&b), SY_ETOOBIG);
    assert_int_equal(b.len, 17);
    sy_buf_free(&b);
}

static void test_writer_decoder_roundtrip(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    assert_int_equal(sy_sse_write_event(&b, SY_LIT("delta"), SY_LIT("line1\nline2\n\n: not a comment")), SY_OK);
    assert_int_equal(sy_sse_write_comment(&b, SY_LIT("hb")), SY_OK);
    assert_int_equal(sy_sse_write_event(&b, SY_LIT(""), SY_LIT(" leading space")), SY_OK);
    assert_int_equal(sy_sse_write_done(&b), SY_OK);
    char *log = decode_log(sy_buf_slice(&b), NULL, NULL);
    assert_string_equal(log, "E5[delta]D28[line1\nline2\n\n: not a comment]I0[]"
                             "R67[event: delta\ndata: line1\ndata: line2\ndata: \ndata: : not a comment\n\n]h1c0\n"
                             "E0[]D0[]I0[]R6[: hb\n\n]h0c1\n"
                             "E0[]D14[ leading space]I0[]R22[data:  leading space\n\n]h1c0\n"
                             "E0[]D6[[DONE]]I0[]R14[data: [DONE]\n\n]h1c0\n");
    free(log);
    sy_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_events),
        cmocka_unit_test(test_fields_and_comments),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_split_cr_lf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_max_event),
        cmocka_unit_test(test_emit_error_stops),
        cmocka_unit_test(test_recordings),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_decoder_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
