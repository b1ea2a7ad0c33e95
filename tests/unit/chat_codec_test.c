/* Unit tests for the Chat Completions decoders: the completion decoder and the chunk-stream
 * decoder (exact IR event sequences for recorded traffic and hand-built local-server cases).
 * The request encoder is tested in chat_encode_test.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "json/json.h"
#include "sse/sse.h"
#include "translate/chat.h"

#ifndef SY_TEST_DATA
#define SY_TEST_DATA "tests/fixtures"
#endif

/* ------------------------------------------------------------------ event recorder */

/* Every event becomes one line of `log`:
 *   START <id> <model> <created> | TEXT <text>[ lp=<json>] | REFUSAL <text> | REASONING <text>
 *   TOOL <key> id=<id> name=<name> args=<text> | USAGE in out total cached cw reasoning
 *   FINISH <reason> | END */
struct rec {
    struct sy_ir_sink sink;
    struct sy_buf     log;
    unsigned          count, fail_at; /* fail_at: return SY_ECLOSED from that event (1-based) */
};

static void put(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    assert_int_equal(sy_buf_vprintf(&r->log, fmt, ap), SY_OK);
    va_end(ap);
}

static const char *finish_name(enum sy_ir_finish f)
{
    static const char *names[] = { "none", "stop", "length", "tool_calls", "content_filter" };
    return names[f];
}

static sy_status rec_event(struct sy_ir_sink *self, const struct sy_ir_event *ev)
{
    struct rec *r = (struct rec *)self;
    r->count++;
    switch (ev->kind) {
    case SY_IR_START:
        put(r, "START " SY_SLICE_FMT " " SY_SLICE_FMT " %lld\n", SY_SLICE_ARG(ev->id), SY_SLICE_ARG(ev->name),
            (long long)ev->created);
        break;
    case SY_IR_TEXT_DELTA:
        put(r, "TEXT " SY_SLICE_FMT, SY_SLICE_ARG(ev->text));
        if (ev->logprobs.len)
            put(r, " lp=" SY_SLICE_FMT, SY_SLICE_ARG(ev->logprobs));
        put(r, "\n");
        break;
    case SY_IR_REFUSAL_DELTA:
        put(r, "REFUSAL " SY_SLICE_FMT "\n", SY_SLICE_ARG(ev->text));
        break;
    case SY_IR_REASONING_DELTA:
        put(r, "REASONING " SY_SLICE_FMT "\n", SY_SLICE_ARG(ev->text));
        break;
    case SY_IR_TOOL_DELTA:
        put(r, "TOOL %u id=" SY_SLICE_FMT " name=" SY_SLICE_FMT " args=" SY_SLICE_FMT "\n", ev->key,
            SY_SLICE_ARG(ev->id), SY_SLICE_ARG(ev->name), SY_SLICE_ARG(ev->text));
        break;
    case SY_IR_USAGE:
        assert_true(ev->usage->present);
        put(r, "USAGE %lld %lld %lld %lld %lld %lld\n", (long long)ev->usage->input_tokens,
            (long long)ev->usage->output_tokens, (long long)ev->usage->total_tokens,
            (long long)ev->usage->cached_tokens, (long long)ev->usage->cache_write_tokens,
            (long long)ev->usage->reasoning_tokens);
        break;
    case SY_IR_FINISH:
        put(r, "FINISH %s\n", finish_name(ev->finish));
        break;
    case SY_IR_END:
        put(r, "END\n");
        break;
    case SY_IR_ERROR:
        put(r, "ERROR\n");
        break;
    }
    if (r->fail_at && r->count == r->fail_at)
        return SY_ECLOSED;
    return SY_OK;
}

static void rec_init(struct rec *r)
{
    memset(r, 0, sizeof *r);
    r->sink.event = rec_event;
    sy_buf_init(&r->log, SY_BUF_UNCAPPED);
}

static const char *rec_text(struct rec *r)
{
    return r->log.data ? r->log.data : "";
}

static char *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/chat/%s", SY_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(sy_buf_append(&b, chunk, n), SY_OK);
    fclose(f);
    return sy_buf_detach(&b, len);
}

/* ------------------------------------------------------------------ completion decoder */

static void expect_completion(const char *body, sy_status want_st, const char *want_log)
{
    struct rec r;
    struct sy_diag diag;
    rec_init(&r);
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(sy_slice_cstr(body), &r.sink, &diag), want_st);
    assert_string_equal(rec_text(&r), want_log);
    if (want_st != SY_OK)
        assert_true(diag.message[0] != '\0');
    sy_buf_free(&r.log);
}

static void expect_completion_file(const char *name, const char *want_log)
{
    size_t len;
    char *body = read_file(name, &len);
    expect_completion(body, SY_OK, want_log);
    free(body);
}

static void test_completion_recorded(void **state)
{
    (void)state;
    expect_completion_file("completion_simple_text.json",
                           "START chatcmpl-Bu8vBIrB8kIWKRyTcpEEPncjhHtMU gpt-4o-2024-08-06 1752720361\n"
                           "TEXT The capital of France is Paris.\n"
                           "USAGE 14 7 21 0 0 0\n"
                           "FINISH stop\n"
                           "END\n");
    expect_completion_file("completion_reasoning_usage.json",
                           "START chatcmpl-Dr3KNfXKBS1oDOrhqYDuLYdjX9PM4 o3-mini-2025-01-31 1781536547\n"
                           "TEXT Hello there! How can I help you today?\n"
                           "USAGE 7 87 94 0 0 64\n"
                           "FINISH stop\n"
                           "END\n");
    expect_completion_file("completion_cerebras_tool_call.json",
                           "START chatcmpl-6659125c-6d06-402c-be3b-4640aa64ffa2 qwen-3-coder-480b 1756198143\n"
                           "TOOL 0 id=b8847f144 name=final_result args={\"city\": \"Paris\", \"country\": \"France\"}\n"
                           "USAGE 364 33 397 0 0 0\n"
                           "FINISH tool_calls\n"
                           "END\n");
    expect_completion_file("completion_structured_output.json",
                           "START chatcmpl-BSXjzYGu67dhTy5r8KmjJvQ4HhDVO gpt-4o-2024-08-06 1746142583\n"
                           "TEXT {\"city\":\"Mexico City\",\"country\":\"Mexico\"}\n"
                           "USAGE 92 15 107 0 0 0\n"
                           "FINISH stop\n"
                           "END\n");
}

static void test_completion_everything(void **state)
{
    (void)state;
    /* reasoning_content wins over reasoning; logprobs with bytes null / missing / given;
     * refusal; two tool calls (arguments as a string and as an object); legacy function_call;
     * usage without total_tokens; cache details; legacy finish_reason */
    expect_completion(
        "{\"id\":\"c1\",\"model\":\"m\",\"created\":5,\"choices\":[{\"index\":0,\"finish_reason\":\"function_call\","
        "\"message\":{\"role\":\"assistant\",\"reasoning_content\":\"Hmm.\",\"reasoning\":\"Hmm.\","
        "\"content\":\"Hé\",\"refusal\":\"Nope\",\"tool_calls\":["
        "{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}},"
        "{\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":{\"y\":[1,2.50]}}}],"
        "\"function_call\":{\"name\":\"legacy\",\"arguments\":\"{}\"}},"
        "\"logprobs\":{\"content\":[{\"token\":\"H\",\"logprob\":-0.25,\"bytes\":null,\"top_logprobs\":["
        "{\"token\":\"H\",\"logprob\":-0.25,\"bytes\":[72]},{\"token\":\"é\",\"logprob\":-9999.0}]},"
        "{\"token\":\"é\",\"logprob\":-1e-3,\"bytes\":[195,169]}],\"refusal\":null}}],"
        "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,"
        "\"prompt_tokens_details\":{\"cached_tokens\":6,\"cache_write_tokens\":2},"
        "\"completion_tokens_details\":{\"reasoning_tokens\":3}}}",
        SY_OK,
        "START c1 m 5\n"
        "REASONING Hmm.\n"
        "TEXT Hé lp=[{\"token\":\"H\",\"logprob\":-0.25,\"bytes\":[72],\"top_logprobs\":["
        "{\"token\":\"H\",\"logprob\":-0.25,\"bytes\":[72]},{\"token\":\"é\",\"logprob\":-9999.0,\"bytes\":[195,169]}]},"
        "{\"token\":\"é\",\"logprob\":-1e-3,\"bytes\":[195,169],\"top_logprobs\":[]}]\n"
        "REFUSAL Nope\n"
        "TOOL 0 id=call_a name=f args={\"x\":1}\n"
        "TOOL 1 id= name=g args={\"y\":[1,2.50]}\n"
        "TOOL 2 id= name=legacy args={}\n"
        "USAGE 10 4 14 6 2 3\n"
        "FINISH tool_calls\n"
        "END\n");
    /* `reasoning` alone (vLLM, Ollama); content parts; empty strings emit nothing; odd finish */
    expect_completion("{\"id\":\"c2\",\"model\":\"m\",\"choices\":[{\"finish_reason\":\"abort\",\"message\":{"
                      "\"reasoning\":\"R\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image\"},"
                      "{\"type\":\"text\",\"text\":\"b\"}],\"refusal\":\"\"}}]}",
                      SY_OK, "START c2 m 0\nREASONING R\nTEXT a\nTEXT b\nFINISH none\nEND\n");
    expect_completion("{\"id\":\"c7\",\"choices\":[{\"message\":{\"reasoning_content\":\"\",\"reasoning\":\"R2\"}}]}",
                      SY_OK, "START c7  0\nREASONING R2\nFINISH none\nEND\n");
    expect_completion("{\"id\":\"c3\",\"choices\":[{\"finish_reason\":null,\"message\":{\"content\":\"\"}}]}", SY_OK,
                      "START c3  0\nFINISH none\nEND\n");
    expect_completion("{\"id\":\"c4\",\"choices\":[{\"finish_reason\":\"length\",\"message\":{\"content\":\"x\"}}],"
                      "\"usage\":null}",
                      SY_OK, "START c4  0\nTEXT x\nFINISH length\nEND\n");
    expect_completion("{\"id\":\"c8\",\"error\":null,\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":\"k\"}}]}",
                      SY_OK, "START c8  0\nTEXT k\nFINISH stop\nEND\n");
    expect_completion("{\"id\":\"c5\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":0,"
                      "\"total_tokens\":1}}",
                      SY_OK, "START c5  0\nUSAGE 1 0 1 0 0 0\nFINISH none\nEND\n");
    expect_completion("{\"id\":\"c6\",\"choices\":[{\"finish_reason\":\"content_filter\",\"message\":{\"content\":null,"
                      "\"refusal\":\"r\"}}]}",
                      SY_OK, "START c6  0\nREFUSAL r\nFINISH content_filter\nEND\n");
}

static void test_completion_invalid(void **state)
{
    (void)state;
    expect_completion("not json", SY_EUPSTREAM, "");
    expect_completion("", SY_EUPSTREAM, "");
    expect_completion("[1]", SY_EUPSTREAM, "");
    expect_completion("{\"id\":\"x\"}", SY_EUPSTREAM, "");
    expect_completion("{\"choices\":[1]}", SY_EUPSTREAM, "");
    /* failures after START: no END */
    expect_completion("{\"id\":\"x\",\"choices\":[{\"message\":\"hi\"}]}", SY_EUPSTREAM, "START x  0\n");
    expect_completion("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"a\",\"tool_calls\":{}}}]}", SY_EUPSTREAM,
                      "START x  0\nTEXT a\n");
    expect_completion("{\"id\":\"x\",\"choices\":[{\"message\":{\"tool_calls\":[{\"id\":\"c\"}]}}]}", SY_EUPSTREAM,
                      "START x  0\n");
    expect_completion("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":5}}]}", SY_EUPSTREAM, "START x  0\n");
    expect_completion("{\"id\":\"x\",\"choices\":[{\"message\":{\"refusal\":[]}}]}", SY_EUPSTREAM, "START x  0\n");

    struct rec r;
    struct sy_diag diag;
    rec_init(&r);
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(SY_LIT("{\"error\":{\"message\":\"model overloaded\",\"type\":\"x\","
                                                      "\"code\":\"overloaded\"}}"),
                                               &r.sink, &diag),
                     SY_EUPSTREAM);
    assert_string_equal(diag.message, "model overloaded");
    assert_string_equal(diag.code, "overloaded");
    assert_string_equal(rec_text(&r), "");
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(SY_LIT("{\"object\":\"error\",\"message\":\"old vLLM\",\"type\":"
                                                      "\"BadRequestError\",\"param\":null,\"code\":400}"),
                                               &r.sink, &diag),
                     SY_EUPSTREAM);
    assert_string_equal(diag.message, "old vLLM");
    assert_string_equal(diag.code, "");
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(SY_LIT("{\"error\":\"plain text\",\"choices\":[]}"), &r.sink, &diag),
                     SY_EUPSTREAM);
    assert_string_equal(diag.message, "plain text");
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(SY_LIT("{\"error\":{},\"choices\":[]}"), &r.sink, &diag),
                     SY_EUPSTREAM);
    assert_string_equal(diag.message, "upstream reported an error");
    assert_string_equal(rec_text(&r), "");
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(SY_LIT("{\"choices\":5}"), &r.sink, &diag), SY_EUPSTREAM);
    assert_string_equal(diag.message, "upstream sent a chat completion without a `choices` array");
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_decode_completion(SY_LIT("{\"a\":"), &r.sink, &diag), SY_EUPSTREAM);
    assert_true(strncmp(diag.message, "upstream sent an invalid chat completion (invalid JSON at line 1", 64) == 0);
    sy_buf_free(&r.log);
}

static void test_completion_sink_failure(void **state)
{
    (void)state;
    const char *body = "{\"id\":\"x\",\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":\"a\","
                       "\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\"}}]}}]}";
    for (unsigned k = 1; k <= 5; k++) {
        struct rec r;
        struct sy_diag diag;
        rec_init(&r);
        r.fail_at = k;
        sy_diag_clear(&diag);
        assert_int_equal(sy_chat_decode_completion(sy_slice_cstr(body), &r.sink, &diag), SY_ECLOSED);
        assert_int_equal(r.count, k); /* nothing after the failing event */
        sy_buf_free(&r.log);
    }
}

/* ------------------------------------------------------------------ stream decoder */

struct stream_ctx {
    struct sy_chat_stream s;
    struct rec            r;
    struct sy_arena      *arena;
    struct sy_diag        diag;
};

static void sctx_init(struct stream_ctx *c)
{
    rec_init(&c->r);
    c->arena = sy_arena_new(4096);
    sy_diag_clear(&c->diag);
    sy_chat_stream_init(&c->s, c->arena, &c->r.sink);
}

static void sctx_free(struct stream_ctx *c)
{
    sy_buf_free(&c->r.log);
    sy_arena_free(c->arena);
}

static sy_status feed(struct stream_ctx *c, const char *data)
{
    return sy_chat_stream_feed(&c->s, sy_slice_cstr(data), &c->diag);
}

/* Feed every data payload in order; all must succeed. */
static void feed_all(struct stream_ctx *c, const char *const *datas, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(feed(c, datas[i]), SY_OK);
}

static void expect_stream(const char *const *datas, size_t n, const char *want)
{
    struct stream_ctx c;
    sctx_init(&c);
    feed_all(&c, datas, n);
    assert_string_equal(rec_text(&c.r), want);
    sctx_free(&c);
}

static sy_status on_sse(void *ctx, const struct sy_sse_event *ev)
{
    struct stream_ctx *c = ctx;
    if (!ev->has_data)
        return SY_OK;
    return sy_chat_stream_feed(&c->s, ev->data, &c->diag);
}

static void expect_stream_file(const char *name, const char *want)
{
    size_t len;
    char *body = read_file(name, &len);
    struct stream_ctx c;
    struct sy_sse_decoder d;
    sctx_init(&c);
    sy_sse_decoder_init(&d, 1 << 20);
    assert_int_equal(sy_sse_feed(&d, sy_slice_from(body, len), on_sse, &c), SY_OK);
    assert_true(c.s.done_seen);
    assert_false(sy_chat_stream_finish(&c.s));
    assert_string_equal(rec_text(&c.r), want);
    sy_sse_decoder_free(&d);
    sctx_free(&c);
    free(body);
}

static void test_stream_recorded(void **state)
{
    (void)state;
    /* role chunk with content "" emits nothing; usage chunk with choices:[]; moderation chunk */
    expect_stream_file("stream_text_usage.sse",
                       "START chatcmpl-E4Rjs6IxaJVge9Ntk5keJsaeDy6vS gpt-5-2025-08-07 1784728648\n"
                       "TEXT Paris\n"
                       "TEXT .\n"
                       "USAGE 13 11 24 0 0 0\n"
                       "FINISH stop\n"
                       "END\n");
    expect_stream_file("stream_tool_call.sse",
                       "START chatcmpl-Dx0XpqH8w09uBXwq1zFGYdETjtnEl gpt-4o-mini-2024-07-18 1782955817\n"
                       "TOOL 0 id=call_ZR5UUuTt3pf61kjwAJIYdVMj name=get_capital args=\n"
                       "TOOL 0 id= name= args={\"\n"
                       "TOOL 0 id= name= args=country\n"
                       "TOOL 0 id= name= args=\":\"\n"
                       "TOOL 0 id= name= args=UK\n"
                       "TOOL 0 id= name= args=\"}\n"
                       "USAGE 53 15 68 0 0 0\n"
                       "FINISH tool_calls\n"
                       "END\n");
    expect_stream_file("stream_text.sse",
                       "START chatcmpl-Dx0Xq5Xx9rHB2ehcHZCRDsnuymUXc gpt-4o-mini-2024-07-18 1782955818\n"
                       "TEXT The\nTEXT  capital\nTEXT  of\nTEXT  the\nTEXT  UK\nTEXT  is\nTEXT  London\nTEXT .\n"
                       "USAGE 78 9 87 0 0 0\n"
                       "FINISH stop\n"
                       "END\n");
}

#define CHUNK(body) "{\"id\":\"s1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"qwen\"," body "}"
#define DELTA(d) CHUNK("\"choices\":[{\"index\":0,\"delta\":" d ",\"finish_reason\":null}]")
#define FINISH(r) CHUNK("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" r "\"}]")

static void test_stream_ollama_whole_calls(void **state)
{
    (void)state;
    /* Ollama: each call whole in one chunk; older versions without `index` (keyed by id) */
    static const char *const no_index[] = {
        DELTA("{\"role\":\"assistant\",\"content\":\"\"}"),
        DELTA("{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_x1\",\"type\":\"function\","
              "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}"),
        DELTA("{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_x2\",\"type\":\"function\","
              "\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}"),
        FINISH("tool_calls"),
        CHUNK("\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}"),
        "[DONE]",
    };
    const char *want = "START s1 qwen 7\n"
                       "TOOL 0 id=call_x1 name=get_weather args={\"city\":\"Paris\"}\n"
                       "TOOL 1 id=call_x2 name=get_time args={}\n"
                       "USAGE 20 9 29 0 0 0\n"
                       "FINISH tool_calls\n"
                       "END\n";
    expect_stream(no_index, sizeof no_index / sizeof no_index[0], want);
    /* newer Ollama: both calls in one chunk with index */
    static const char *const one_chunk[] = {
        DELTA("{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
              "{\"id\":\"call_x1\",\"index\":0,\"type\":\"function\","
              "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
              "{\"id\":\"call_x2\",\"index\":1,\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}"),
        FINISH("tool_calls"),
        CHUNK("\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}"),
        "[DONE]",
    };
    expect_stream(one_chunk, sizeof one_chunk / sizeof one_chunk[0], want);
}

static void test_stream_interleaved_calls(void **state)
{
    (void)state;
    /* index 0,1,0,1; ids and names repeated on later fragments (sent once); missing ids */
    static const char *const datas[] = {
        DELTA("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_A\",\"type\":\"function\","
              "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}"),
        DELTA("{\"tool_calls\":[{\"index\":1,\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"b\\\"\"}}]}"),
        DELTA("{\"tool_calls\":[{\"index\":0,\"id\":\"call_A\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]}"),
        DELTA("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\":2}\"}}]}"),
        DELTA("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\"}}]}"),
        DELTA("{\"tool_calls\":[{\"index\":3,\"function\":{\"name\":null,\"arguments\":null}}]}"),
        FINISH("tool_calls"),
        "[DONE]",
    };
    expect_stream(datas, sizeof datas / sizeof datas[0],
                  "START s1 qwen 7\n"
                  "TOOL 0 id=call_A name=f args=\n"
                  "TOOL 1 id= name=g args={\"b\"\n"
                  "TOOL 0 id= name= args={\"a\":1}\n"
                  "TOOL 1 id= name= args=:2}\n"
                  "FINISH tool_calls\n"
                  "END\n");
    /* no index, no id: keyed by position; a later id-only call gets the next free key;
     * arguments sent as an object; legacy function_call gets a key of its own */
    static const char *const pos[] = {
        DELTA("{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"{\"}},"
              "{\"function\":{\"name\":\"g\",\"arguments\":{\"k\":true}}}]}"),
        DELTA("{\"tool_calls\":[{\"function\":{\"arguments\":\"}\"}}]}"),
        DELTA("{\"tool_calls\":[{\"id\":\"call_Z\",\"function\":{\"name\":\"h\",\"arguments\":\"{}\"}}]}"),
        DELTA("{\"function_call\":{\"name\":\"old\",\"arguments\":\"{\\\"q\\\"\"}}"),
        DELTA("{\"function_call\":{\"arguments\":\":1}\"}}"),
        FINISH("function_call"),
        "[DONE]",
    };
    expect_stream(pos, sizeof pos / sizeof pos[0],
                  "START s1 qwen 7\n"
                  "TOOL 0 id= name=f args={\n"
                  "TOOL 1 id= name=g args={\"k\":true}\n"
                  "TOOL 0 id= name= args=}\n"
                  "TOOL 2 id=call_Z name=h args={}\n"
                  "TOOL 3 id= name=old args={\"q\"\n"
                  "TOOL 3 id= name= args=:1}\n"
                  "FINISH tool_calls\n"
                  "END\n");
}

static void test_stream_llamacpp_usage_no_done(void **state)
{
    (void)state;
    /* llama.cpp: usage rides on the last content chunk, together with finish_reason; the
     * stream then closes without [DONE]: sy_chat_stream_finish ends it */
    static const char *const datas[] = {
        DELTA("{\"role\":\"assistant\",\"content\":null}"),
        DELTA("{\"reasoning_content\":\"Let me\"}"),
        DELTA("{\"reasoning_content\":\" think.\",\"content\":null}"),
        DELTA("{\"content\":\"Hi\"}"),
        CHUNK("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":\"length\"}],"
              "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7},"
              "\"timings\":{\"predicted_ms\":1.5}"),
    };
    struct stream_ctx c;
    sctx_init(&c);
    feed_all(&c, datas, sizeof datas / sizeof datas[0]);
    const char *before = "START s1 qwen 7\n"
                         "REASONING Let me\n"
                         "REASONING  think.\n"
                         "TEXT Hi\n"
                         "TEXT !\n"
                         "USAGE 5 2 7 0 0 0\n";
    assert_string_equal(rec_text(&c.r), before);
    assert_true(sy_chat_stream_finish(&c.s));
    assert_false(sy_chat_stream_finish(&c.s));
    assert_int_equal(feed(&c, "[DONE]"), SY_OK); /* after the end: ignored */
    char want[512];
    snprintf(want, sizeof want, "%sFINISH length\nEND\n", before);
    assert_string_equal(rec_text(&c.r), want);
    assert_false(c.s.done_seen);
    sctx_free(&c);

    /* no finish_reason and no [DONE]: nothing to finish, the caller reports the cut */
    sctx_init(&c);
    assert_int_equal(feed(&c, DELTA("{\"content\":\"Hi\"}")), SY_OK);
    assert_false(sy_chat_stream_finish(&c.s));
    assert_string_equal(rec_text(&c.r), "START s1 qwen 7\nTEXT Hi\n");
    sctx_free(&c);
    /* nothing at all */
    sctx_init(&c);
    assert_false(sy_chat_stream_finish(&c.s));
    assert_string_equal(rec_text(&c.r), "");
    sctx_free(&c);
}

static void test_stream_reasoning_refusal_logprobs(void **state)
{
    (void)state;
    static const char *const datas[] = {
        "",   /* keep-alive */
        DELTA("{\"role\":\"assistant\"}"),
        DELTA("{\"reasoning\":\"r1\",\"reasoning_content\":null}"),
        DELTA("{\"reasoning\":\"\",\"content\":\"\",\"refusal\":\"\"}"),
        CHUNK("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"logprobs\":{\"content\":["
              "{\"token\":\"ok\",\"logprob\":-0.5,\"top_logprobs\":[{\"token\":\"ok\",\"logprob\":-0.5,\"bytes\":null}]}],"
              "\"refusal\":null},\"finish_reason\":null}]"),
        DELTA("{\"refusal\":\"I can't\"}"),
        DELTA("{\"refusal\":null,\"content\":null,\"tool_calls\":null,\"function_call\":null}"),
        CHUNK("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}],\"usage\":null"),
        " [DONE]\n",
        DELTA("{\"content\":\"late\"}"),
    };
    expect_stream(datas, sizeof datas / sizeof datas[0],
                  "START s1 qwen 7\n"
                  "REASONING r1\n"
                  "TEXT ok lp=[{\"token\":\"ok\",\"logprob\":-0.5,\"bytes\":[111,107],\"top_logprobs\":["
                  "{\"token\":\"ok\",\"logprob\":-0.5,\"bytes\":[111,107]}]}]\n"
                  "REFUSAL I can't\n"
                  "FINISH content_filter\n"
                  "END\n");
    /* [DONE] without any finish_reason: END only */
    static const char *const bare[] = { DELTA("{\"content\":\"x\"}"), "[DONE]" };
    expect_stream(bare, 2, "START s1 qwen 7\nTEXT x\nEND\n");
}

static void test_stream_errors(void **state)
{
    (void)state;
    struct stream_ctx c;
    /* in-stream error object after some output */
    sctx_init(&c);
    assert_int_equal(feed(&c, DELTA("{\"content\":\"Hel\"}")), SY_OK);
    assert_int_equal(feed(&c, "{\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"server_error\",\"param\":null,"
                              "\"code\":null}}"),
                     SY_EUPSTREAM);
    assert_string_equal(c.diag.message, "CUDA out of memory");
    assert_string_equal(c.diag.code, "");
    sy_diag_clear(&c.diag);
    assert_int_equal(feed(&c, DELTA("{\"content\":\"lo\"}")), SY_EUPSTREAM); /* sticky */
    assert_true(c.diag.message[0] != '\0');
    assert_int_equal(feed(&c, "[DONE]"), SY_EUPSTREAM);
    assert_false(sy_chat_stream_finish(&c.s));
    assert_string_equal(rec_text(&c.r), "START s1 qwen 7\nTEXT Hel\n");
    sctx_free(&c);

    /* error object as the first event, with a string code */
    sctx_init(&c);
    assert_int_equal(feed(&c, "{\"error\":{\"message\":\"bad\",\"code\":\"context_length_exceeded\"}}"), SY_EUPSTREAM);
    assert_string_equal(c.diag.message, "bad");
    assert_string_equal(c.diag.code, "context_length_exceeded");
    assert_string_equal(rec_text(&c.r), "");
    sctx_free(&c);

    /* garbage of every kind */
    static const char *const garbage[] = {
        "not json", "{\"id\":", "[1,2]", "\"str\"", "42", "null", "{\"object\":\"error\",\"message\":\"old vLLM\"}",
        CHUNK("\"choices\":{}"),
        CHUNK("\"choices\":[7]"),
        CHUNK("\"choices\":[{\"delta\":\"x\"}]"),
        DELTA("{\"content\":{}}"),
        DELTA("{\"tool_calls\":{}}"),
        DELTA("{\"tool_calls\":[1]}"),
        DELTA("{\"tool_calls\":[{\"index\":0,\"function\":\"f\"}]}"),
        DELTA("{\"tool_calls\":[{\"index\":-1,\"function\":{\"name\":\"f\"}}]}"),
        DELTA("{\"tool_calls\":[{\"index\":99999999,\"function\":{\"name\":\"f\"}}]}"),
    };
    for (size_t k = 0; k < sizeof garbage / sizeof garbage[0]; k++) {
        sctx_init(&c);
        assert_int_equal(feed(&c, DELTA("{\"role\":\"assistant\"}")), SY_OK);
        assert_int_equal(feed(&c, garbage[k]), SY_EUPSTREAM);
        assert_true(c.diag.message[0] != '\0');
        assert_string_equal(rec_text(&c.r), "START s1 qwen 7\n");
        sctx_free(&c);
    }
    sctx_init(&c);
    assert_int_equal(feed(&c, "not json"), SY_EUPSTREAM);
    assert_string_equal(c.diag.message, "upstream sent a malformed stream event");
    sctx_free(&c);

    /* [DONE] before any chunk */
    sctx_init(&c);
    assert_int_equal(feed(&c, "[DONE]"), SY_EUPSTREAM);
    assert_string_equal(rec_text(&c.r), "");
    sctx_free(&c);
}

static void test_stream_sink_failure(void **state)
{
    (void)state;
    struct stream_ctx c;
    sctx_init(&c);
    c.r.fail_at = 2;
    assert_int_equal(feed(&c, DELTA("{\"reasoning\":\"a\",\"content\":\"b\"}")), SY_ECLOSED);
    assert_int_equal(feed(&c, DELTA("{\"content\":\"c\"}")), SY_ECLOSED);
    assert_false(sy_chat_stream_finish(&c.s));
    assert_int_equal(c.r.count, 2);
    assert_string_equal(rec_text(&c.r), "START s1 qwen 7\nREASONING a\n");
    sctx_free(&c);
}

static void test_stream_many_calls(void **state)
{
    (void)state;
    /* 1024 distinct calls are accepted (slot table growth), the 1025th is refused */
    struct stream_ctx c;
    sctx_init(&c);
    char data[256];
    for (int k = 0; k < 1024; k++) {
        snprintf(data, sizeof data, DELTA("{\"tool_calls\":[{\"id\":\"c%d\",\"function\":{\"name\":\"f\"}}]}"), k);
        assert_int_equal(feed(&c, data), SY_OK);
    }
    assert_int_equal(feed(&c, DELTA("{\"tool_calls\":[{\"id\":\"c7\",\"function\":{\"arguments\":\"x\"}}]}")), SY_OK);
    assert_int_equal(c.r.count, 1 + 1024 + 1);
    assert_non_null(strstr(rec_text(&c.r), "TOOL 1023 id=c1023 name=f args=\nTOOL 7 id= name= args=x\n"));
    assert_int_equal(feed(&c, DELTA("{\"tool_calls\":[{\"id\":\"c1024\",\"function\":{\"name\":\"f\"}}]}")),
                     SY_EUPSTREAM);
    sctx_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_recorded),
        cmocka_unit_test(test_completion_everything),
        cmocka_unit_test(test_completion_invalid),
        cmocka_unit_test(test_completion_sink_failure),
        cmocka_unit_test(test_stream_recorded),
        cmocka_unit_test(test_stream_ollama_whole_calls),
        cmocka_unit_test(test_stream_interleaved_calls),
        cmocka_unit_test(test_stream_llamacpp_usage_no_done),
        cmocka_unit_test(test_stream_reasoning_refusal_logprobs),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_stream_sink_failure),
        cmocka_unit_test(test_stream_many_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
