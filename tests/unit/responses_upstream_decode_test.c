/* Unit tests for the upstream side of the Responses codec (a chat client in front of a Responses
 * upstream), answer direction: the Response decoder and the SSE event decoder, exact IR event
 * sequences for recorded traffic (tests/fixtures/responses_upstream, see its README) and for
 * hand-built cases. The request encoder is tested in responses_upstream_test.c. */
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
#include "translate/responses_upstream.h"

#ifndef SY_TEST_DATA
#define SY_TEST_DATA "tests/fixtures"
#endif

/* ------------------------------------------------------------------ event recorder */

/* Every event becomes one line of `log` (newlines inside texts written as \n):
 *   START <id> <model> <created> | TEXT <text>[ lp=<json>] | REFUSAL <text> | REASONING <text>
 *   TOOL <key> id=<id> name=<name> args=<text> | USAGE in out total cached cache_write reasoning
 *   FINISH <reason> | END | ERROR <status> <code> <message> */
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

static void put_text(struct rec *r, sy_slice s)
{
    assert_true(s.ptr != NULL);
    for (size_t i = 0; i < s.len; i++)
        assert_int_equal(s.ptr[i] == '\n' ? sy_buf_append_cstr(&r->log, "\\n") : sy_buf_append_char(&r->log, s.ptr[i]),
                         SY_OK);
}

static const char *finish_name(enum sy_ir_finish f)
{
    static const char *names[] = { "none", "stop", "length", "tool_calls", "content_filter" };
    return names[f];
}

static void rec_tool(struct rec *r, const struct sy_ir_event *ev)
{
    put(r, "TOOL %u id=", ev->key);
    put_text(r, ev->id);
    put(r, " name=");
    put_text(r, ev->name);
    put(r, " args=");
    put_text(r, ev->text);
    put(r, "\n");
}

static sy_status rec_event(struct sy_ir_sink *self, const struct sy_ir_event *ev)
{
    struct rec *r = (struct rec *)self;
    const struct sy_ir_usage *u = ev->usage;
    r->count++;
    switch (ev->kind) {
    case SY_IR_START:
        put(r, "START ");
        put_text(r, ev->id);
        put(r, " ");
        put_text(r, ev->name);
        put(r, " %lld\n", (long long)ev->created);
        break;
    case SY_IR_TEXT_DELTA:
        put(r, "TEXT ");
        put_text(r, ev->text);
        if (ev->logprobs.len) {
            put(r, " lp=");
            put_text(r, ev->logprobs);
        }
        put(r, "\n");
        break;
    case SY_IR_REFUSAL_DELTA:
    case SY_IR_REASONING_DELTA:
        put(r, ev->kind == SY_IR_REFUSAL_DELTA ? "REFUSAL " : "REASONING ");
        put_text(r, ev->text);
        put(r, "\n");
        break;
    case SY_IR_TOOL_DELTA:
        rec_tool(r, ev);
        break;
    case SY_IR_USAGE:
        assert_true(u->present);
        put(r, "USAGE %lld %lld %lld %lld %lld %lld\n", (long long)u->input_tokens, (long long)u->output_tokens,
            (long long)u->total_tokens, (long long)u->cached_tokens, (long long)u->cache_write_tokens,
            (long long)u->reasoning_tokens);
        break;
    case SY_IR_FINISH:
        put(r, "FINISH %s\n", finish_name(ev->finish));
        break;
    case SY_IR_END:
        put(r, "END\n");
        break;
    case SY_IR_ERROR:
        put(r, "ERROR %s %s %s\n", sy_status_name(ev->status), ev->code, ev->message);
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

static char *read_fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/responses_upstream/%s", SY_TEST_DATA, name);
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

/* ------------------------------------------------------------------ Response decoder */

static void expect_response(const char *body, sy_status want_st, const char *want_log)
{
    struct rec r;
    struct sy_diag diag;
    rec_init(&r);
    sy_diag_clear(&diag);
    assert_int_equal(sy_responses_decode_response(sy_slice_cstr(body), &r.sink, &diag), want_st);
    assert_string_equal(rec_text(&r), want_log);
    if (want_st != SY_OK)
        assert_true(diag.message[0] != '\0');
    sy_buf_free(&r.log);
}

static void expect_response_file(const char *name, const char *want_log)
{
    size_t len;
    char *body = read_fixture(name, &len);
    expect_response(body, SY_OK, want_log);
    free(body);
}

static void test_response_recorded(void **state)
{
    (void)state;
    expect_response_file("simple_text.json",
                         "START resp_68c2e8c147ac819491bcd667055eadbc02e845978fbbb592 gpt-4o-2024-08-06 1757604033\n"
                         "TEXT The capital of France is Paris.\n"
                         "USAGE 14 8 22 0 0 0\n"
                         "FINISH stop\n"
                         "END\n");
    expect_response_file("parallel_function_calls.json",
                         "START resp_67e547c48c9481918c5c4394464ce0c60ae6111e84dd5c08 gpt-4o-2024-08-06 1743079364\n"
                         "TOOL 0 id=call_LWVp74L5HaH2KNvgVz9PJsrj name=get_location args={\"loc_name\":\"Londos\"}\n"
                         "TOOL 1 id=call_YnRAWeTyxI91m5uNa5bxXwVO name=get_location args={\"loc_name\":\"London\"}\n"
                         "USAGE 0 0 0 0 0 0\n"
                         "FINISH tool_calls\n"
                         "END\n");
    expect_response_file(
        "reasoning_summary.json",
        "START resp_0b028a7a2aca8d68006942f4e05a848193a3052f1530ea1deb gpt-5.2-2025-12-11 1765995744\n"
        "REASONING **Generating factorial function**\\n\\nI need to respond with a Python function for calculating "
        "the factorial. The user wants me to think step-by-step, but I need to keep my reasoning brief. I'll provide a "
        "brief explanation of how the function works and include some input validation. I could choose either an "
        "iterative or recursive approach. I'll keep the details high-level, showing only the essential steps before "
        "presenting the final code to the user.\n"
        "TEXT ```python\\ndef factorial(n: int) -> int:\\n    \"\"\"\\n    Return n! (the factorial of n).\\n\\n    "
        "Steps:\\n    1) Validate that n is a non-negative integer.\\n    2) Start with result = 1.\\n    3) Multiply "
        "result by each integer from 2 up to n.\\n    4) Return result.\\n    \"\"\"\\n    if not isinstance(n, "
        "int):\\n        raise TypeError(\"n must be an integer\")\\n    if n < 0:\\n        raise ValueError(\"n "
        "must be non-negative\")\\n\\n    result = 1\\n    for k in range(2, n + 1):\\n        result *= k\\n    "
        "return result\\n```\\n\\nExample:\\n```python\\nprint(factorial(5))  # 120\\n```\n"
        "USAGE 34 226 260 0 0 59\n"
        "FINISH stop\n"
        "END\n");
    /* a hosted web_search_call item is skipped; cache_write_tokens */
    expect_response_file("web_search_builtin.json",
                         "START resp_0c7df91b4856b264006a633778f2c88196b80a94b8bdeeb7a3 gpt-5.6-sol 1784887161\n"
                         "TEXT 1889 ([toureiffel.paris](https://www.toureiffel.paris/en/news/history-and-culture/"
                         "133-years-and-1083-feet?utm_source=openai))\n"
                         "USAGE 8576 52 8628 0 4418 32\n"
                         "FINISH stop\n"
                         "END\n");
    /* status "complete" (an odd server): treated as completed */
    expect_response_file("previous_response_id.json", "START resp_5678 gpt-5 1743075630\n"
                                                      "TEXT sesame\n"
                                                      "USAGE 10 1 11 0 0 0\n"
                                                      "FINISH stop\n"
                                                      "END\n");
}

#define RESP(fields) "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":7,\"model\":\"m\"," fields "}"

static void test_response_built(void **state)
{
    (void)state;
    /* refusal; logprobs; raw reasoning content then summary; text + function call → tool_calls;
     * arguments as an object; usage without total */
    expect_response(RESP("\"status\":\"completed\",\"output\":["
                         "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"S1\"},"
                         "{\"type\":\"summary_text\",\"text\":\"S2\"}],\"content\":[{\"type\":\"reasoning_text\","
                         "\"text\":\"R\"}]},"
                         "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
                         "\"Hi\",\"annotations\":[],\"logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.5,\"bytes\":[72,105],"
                         "\"top_logprobs\":[]}]},{\"type\":\"refusal\",\"refusal\":\"No.\"},{\"type\":\"output_text\","
                         "\"text\":\"\"},{\"type\":\"future_part\"}]},"
                         "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"f\","
                         "\"arguments\":{\"a\":[1,2.50]}},"
                         "{\"type\":\"web_search_call\",\"id\":\"ws_1\"},"
                         "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"g\"}],"
                         "\"usage\":{\"input_tokens\":5,\"output_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":2},"
                         "\"output_tokens_details\":{\"reasoning_tokens\":1}}"),
                    SY_OK,
                    "START resp_1 m 7\n"
                    "REASONING R\n"
                    "REASONING S1\n"
                    "REASONING S2\n"
                    "TEXT Hi lp=[{\"token\":\"Hi\",\"logprob\":-0.5,\"bytes\":[72,105],\"top_logprobs\":[]}]\n"
                    "REFUSAL No.\n"
                    "TOOL 0 id=call_1 name=f args={\"a\":[1,2.50]}\n"
                    "TOOL 1 id=call_2 name=g args=\n"
                    "USAGE 5 3 8 2 0 1\n"
                    "FINISH tool_calls\n"
                    "END\n");
    /* refusal alone is a stop; no usage */
    expect_response(RESP("\"status\":\"completed\",\"usage\":null,\"output\":[{\"type\":\"message\",\"content\":["
                         "{\"type\":\"refusal\",\"refusal\":\"I can't help with that.\"}]}]"),
                    SY_OK, "START resp_1 m 7\nREFUSAL I can't help with that.\nFINISH stop\nEND\n");
    /* incomplete: max_output_tokens, content_filter, no details */
    expect_response(RESP("\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},"
                         "\"output\":[{\"type\":\"message\",\"status\":\"incomplete\",\"content\":[{\"type\":"
                         "\"output_text\",\"text\":\"Once upon\"}]}],\"usage\":{\"input_tokens\":9,\"output_tokens\":16,"
                         "\"total_tokens\":25}"),
                    SY_OK, "START resp_1 m 7\nTEXT Once upon\nUSAGE 9 16 25 0 0 0\nFINISH length\nEND\n");
    expect_response(RESP("\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"content_filter\"},"
                         "\"output\":[]"),
                    SY_OK, "START resp_1 m 7\nFINISH content_filter\nEND\n");
    expect_response(RESP("\"status\":\"incomplete\",\"output\":[{\"type\":\"function_call\",\"call_id\":\"c\","
                         "\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}]"),
                    SY_OK, "START resp_1 m 7\nTOOL 0 id=c name=f args={\"a\":\nFINISH length\nEND\n");
    /* failed / cancelled → ERROR (usage first) */
    expect_response(RESP("\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down.\"},"
                         "\"output\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":0,\"total_tokens\":1}"),
                    SY_OK,
                    "START resp_1 m 7\nUSAGE 1 0 1 0 0 0\nERROR EUPSTREAM rate_limit_exceeded Slow down.\n");
    expect_response(RESP("\"status\":\"failed\",\"error\":null,\"output\":[{\"type\":\"message\",\"content\":"
                         "[{\"type\":\"output_text\",\"text\":\"partial\"}]}]"),
                    SY_OK,
                    "START resp_1 m 7\nERROR EUPSTREAM server_error the upstream response failed\n");
    expect_response(RESP("\"status\":\"cancelled\",\"output\":[]"), SY_OK,
                    "START resp_1 m 7\nERROR EUPSTREAM server_error the upstream response was cancelled\n");
    /* no `object`, output present; content as a string; no status */
    expect_response("{\"id\":\"r\",\"output\":[{\"type\":\"message\",\"content\":\"plain\"}]}", SY_OK,
                    "START r  0\nTEXT plain\nFINISH stop\nEND\n");
}

static void test_response_invalid(void **state)
{
    (void)state;
    expect_response("not json", SY_EUPSTREAM, "");
    expect_response("", SY_EUPSTREAM, "");
    expect_response("[1]", SY_EUPSTREAM, "");
    expect_response("{\"id\":\"x\"}", SY_EUPSTREAM, "");
    expect_response("{\"object\":\"chat.completion\",\"output\":[]}", SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":{}"), SY_EUPSTREAM, "");
    expect_response(RESP("\"status\":\"queued\",\"output\":[]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"status\":\"in_progress\",\"output\":[]"), SY_EUPSTREAM, "");
    /* malformed items: nothing at all is sent, not even START */
    expect_response(RESP("\"output\":[1]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"a\"},"
                         "{\"type\":\"output_text\",\"text\":5}]}]"),
                    SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"message\",\"content\":[7]}]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"message\",\"content\":{}}]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"a\","
                         "\"logprobs\":{}}]}]"),
                    SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"refusal\",\"refusal\":[]}]}]"),
                    SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"reasoning\",\"summary\":{}}]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"reasoning\",\"content\":[{\"text\":1}]}]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"function_call\",\"call_id\":5,\"name\":\"f\"}]"), SY_EUPSTREAM, "");
    expect_response(RESP("\"output\":[{\"type\":\"function_call\",\"name\":\"f\",\"arguments\":3}]"), SY_EUPSTREAM, "");

    /* an error envelope in a 200 body: the upstream's message and code */
    struct rec r;
    struct sy_diag diag;
    rec_init(&r);
    sy_diag_clear(&diag);
    assert_int_equal(sy_responses_decode_response(SY_LIT("{\"error\":{\"message\":\"model overloaded\",\"type\":\"x\","
                                                         "\"code\":\"overloaded\"}}"),
                                                  &r.sink, &diag),
                     SY_EUPSTREAM);
    assert_string_equal(diag.message, "model overloaded");
    assert_string_equal(diag.code, "overloaded");
    sy_diag_clear(&diag);
    assert_int_equal(sy_responses_decode_response(SY_LIT("{\"error\":{}}"), &r.sink, &diag), SY_EUPSTREAM);
    assert_string_equal(diag.message, "upstream reported an error");
    sy_diag_clear(&diag);
    assert_int_equal(sy_responses_decode_response(SY_LIT(RESP("\"status\":\"queued\"")), &r.sink, &diag), SY_EUPSTREAM);
    assert_string_equal(diag.message, "upstream sent an unfinished Response (status 'queued')");
    sy_diag_clear(&diag);
    assert_int_equal(sy_responses_decode_response(SY_LIT("{\"a\":"), &r.sink, &diag), SY_EUPSTREAM);
    assert_true(strncmp(diag.message, "upstream sent a Response that is not valid JSON: invalid JSON at line 1", 71) == 0);
    assert_string_equal(rec_text(&r), "");
    sy_buf_free(&r.log);
}

static void test_response_sink_failure(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("parallel_function_calls.json", &len);
    for (unsigned k = 1; k <= 6; k++) {
        struct rec r;
        struct sy_diag diag;
        rec_init(&r);
        r.fail_at = k;
        sy_diag_clear(&diag);
        assert_int_equal(sy_responses_decode_response(sy_slice_from(body, len), &r.sink, &diag), SY_ECLOSED);
        assert_int_equal(r.count, k); /* nothing after the failing event */
        sy_buf_free(&r.log);
    }
    free(body);
}

/* ------------------------------------------------------------------ stream decoder */

struct sctx {
    struct rec                 r;
    struct sy_arena           *a;
    struct sy_responses_stream s;
    sy_status                  last;   /* status of the last feed */
    struct sy_diag             diag;
};

static void sctx_init(struct sctx *c)
{
    rec_init(&c->r);
    c->a = sy_arena_new(4096);
    sy_responses_stream_init(&c->s, c->a, &c->r.sink);
    c->last = SY_OK;
    sy_diag_clear(&c->diag);
}

static void sctx_free(struct sctx *c)
{
    sy_buf_free(&c->r.log);
    sy_arena_free(c->a);
}

static sy_status on_sse(void *ctx, const struct sy_sse_event *ev)
{
    struct sctx *c = ctx;
    c->last = sy_responses_stream_feed(&c->s, ev->event, ev->data, &c->diag);
    return SY_OK; /* keep feeding: later events must be refused or ignored */
}

static void feed_sse(struct sctx *c, const char *text, size_t len)
{
    struct sy_sse_decoder d;
    sy_sse_decoder_init(&d, 1 << 22);
    assert_int_equal(sy_sse_feed(&d, sy_slice_from(text, len), on_sse, c), SY_OK);
    assert_false(sy_sse_decoder_pending(&d));
    sy_sse_decoder_free(&d);
}

/* Feed SSE text; the final feed status, `finished`, and the event log must match. */
static void expect_stream(const char *sse, sy_status want_st, bool want_finished, const char *want_log)
{
    struct sctx c;
    sctx_init(&c);
    feed_sse(&c, sse, strlen(sse));
    assert_int_equal(c.last, want_st);
    assert_int_equal(c.s.finished, want_finished);
    assert_string_equal(rec_text(&c.r), want_log);
    if (want_st == SY_EUPSTREAM)
        assert_true(c.diag.message[0] != '\0');
    sctx_free(&c);
}

static void expect_stream_file(const char *name, const char *want_log)
{
    size_t len;
    char *body = read_fixture(name, &len);
    struct sctx c;
    sctx_init(&c);
    feed_sse(&c, body, len);
    assert_int_equal(c.last, SY_OK);
    assert_true(c.s.started);
    assert_true(c.s.finished);
    assert_string_equal(rec_text(&c.r), want_log);
    sctx_free(&c);
    free(body);
}

static void test_stream_recorded(void **state)
{
    (void)state;
    /* older stream (no sequence_number): one function call */
    expect_stream_file("stream_function_call.sse",
                       "START resp_67e554a155508191900ee113293c4c830794405d35281ae2 gpt-4o-2024-08-06 1743082657\n"
                       "TOOL 0 id=call_kL0PCQV7M2WMoVX8V8OtYSAL name=get_capital args=\n"
                       "TOOL 0 id= name= args={\"\n"
                       "TOOL 0 id= name= args=country\n"
                       "TOOL 0 id= name= args=\":\"\n"
                       "TOOL 0 id= name= args=France\n"
                       "TOOL 0 id= name= args=\"}\n"
                       "USAGE 255 16 271 0 0 0\n"
                       "FINISH tool_calls\n"
                       "END\n");
    expect_stream_file("stream_text.sse",
                       "START resp_67e554a21aa88191b65876ac5e5bbe0406c52f0e511c76ed gpt-4o-2024-08-06 1743082658\n"
                       "TEXT The\nTEXT  capital\nTEXT  of\nTEXT  France\nTEXT  is\nTEXT  Paris\nTEXT .\n"
                       "USAGE 278 9 287 0 0 0\n"
                       "FINISH stop\n"
                       "END\n");
    /* reasoning item with encrypted content only (nothing to say), commentary message, tool call;
     * obfuscation fields */
    expect_stream_file("stream_phase_reasoning.sse",
                       "START resp_0fabc13af1ee0049006a691dfdab8881a1a75f2db7ff78cb83 gpt-5.5-2026-04-23 1785273853\n"
                       "TEXT I\nTEXT ’ll\nTEXT  check\nTEXT  the\nTEXT  capital\nTEXT  lookup\nTEXT  tool\nTEXT  for\n"
                       "TEXT  “\nTEXT Pot\nTEXT ato\nTEXT Land\nTEXT .”\n"
                       "TOOL 0 id=call_LabG58Uhrq9kZvR52BYKjToD name=get_capital args=\n"
                       "TOOL 0 id= name= args={\"\nTOOL 0 id= name= args=country\nTOOL 0 id= name= args=\":\"\n"
                       "TOOL 0 id= name= args=Pot\nTOOL 0 id= name= args=ato\nTOOL 0 id= name= args=Land\n"
                       "TOOL 0 id= name= args=\"}\n"
                       "USAGE 63 69 132 0 0 26\n"
                       "FINISH tool_calls\n"
                       "END\n");
    /* OpenRouter: no `event:` lines, a comment, reasoning_text deltas, [DONE] */
    expect_stream_file("stream_openrouter_reasoning.sse",
                       "START gen-1764265411-Fu1iEX7h5MRWiL79lb94 openai/gpt-oss-20b 1764265411\n"
                       "REASONING The\nREASONING  user\nREASONING  asks\nREASONING :\nREASONING  \"\n"
                       "REASONING What\nREASONING  is\nREASONING  \nREASONING 2\nREASONING +\nREASONING 2\n"
                       "REASONING ?\"\nREASONING  They\nREASONING  expect\nREASONING  a\nREASONING  straightforward\n"
                       "REASONING  answer\nREASONING :\nREASONING  \nREASONING 4\nREASONING .\nREASONING  Just\n"
                       "REASONING  answer\nREASONING  \nREASONING 4\nREASONING .\n"
                       "TEXT 4\n"
                       "USAGE 78 37 115 0 0 22\n"
                       "FINISH stop\n"
                       "END\n");
    expect_stream_file("stream_usage.sse",
                       "START resp_0050471a34b36ae60068c97b94a480819587a9d70cf2979b33 gpt-5-2025-08-07 1758034836\n"
                       "TOOL 0 id=call_CWXgs68YprAjp6t0371hiPOI name=final_result args=\n"
                       "TOOL 0 id= name= args={\"\nTOOL 0 id= name= args=result\nTOOL 0 id= name= args=\":\n"
                       "TOOL 0 id= name= args=666\nTOOL 0 id= name= args=6\nTOOL 0 id= name= args=}\n"
                       "USAGE 53 469 522 0 0 448\n"
                       "FINISH tool_calls\n"
                       "END\n");
    /* background: created with status queued, response.queued */
    expect_stream_file("stream_background.sse",
                       "START resp_0da443d9ee8333600069950a0635d88196b2d9243b08e8cc01 gpt-4o-2024-08-06 1771375110\n"
                       "TEXT 2\nTEXT  +\nTEXT  \nTEXT 2\nTEXT  equals\nTEXT  \nTEXT 4\nTEXT .\n"
                       "USAGE 15 9 24 0 0 0\n"
                       "FINISH stop\n"
                       "END\n");
}

/* The recorded streams with every delta event removed: the .done events carry the content. */
static void test_stream_missing_deltas(void **state)
{
    (void)state;
    expect_stream_file("stream_fc_no_deltas.sse",
                       "START resp_67e554a155508191900ee113293c4c830794405d35281ae2 gpt-4o-2024-08-06 1743082657\n"
                       "TOOL 0 id=call_kL0PCQV7M2WMoVX8V8OtYSAL name=get_capital args=\n"
                       "TOOL 0 id= name= args={\"country\":\"France\"}\n"
                       "USAGE 255 16 271 0 0 0\n"
                       "FINISH tool_calls\n"
                       "END\n");
    expect_stream_file("stream_text_no_deltas.sse",
                       "START resp_67e554a21aa88191b65876ac5e5bbe0406c52f0e511c76ed gpt-4o-2024-08-06 1743082658\n"
                       "TEXT The capital of France is Paris.\n"
                       "USAGE 278 9 287 0 0 0\n"
                       "FINISH stop\n"
                       "END\n");
}

#define D(json) "data: " json "\n\n"
#define CREATED D("{\"type\":\"response.created\",\"response\":{\"id\":\"resp_s\",\"created_at\":9,\"model\":\"m\"," \
                  "\"status\":\"in_progress\",\"output\":[]}}")
#define COMPLETED(status, extra) \
    D("{\"type\":\"response." status "\",\"response\":{\"id\":\"resp_s\",\"status\":\"" status "\"" extra "}}")

static void test_stream_built(void **state)
{
    (void)state;
    /* parallel calls: the second gets no argument deltas (arguments.done carries them), the third
     * none at all (output_item.done carries them); text with logprobs; refusal; summary deltas;
     * OR-style reasoning.delta; hosted-tool and unknown events ignored */
    expect_stream(CREATED D("{\"type\":\"response.in_progress\",\"response\":{\"id\":\"other\"}}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"reasoning\","
                    "\"id\":\"rs_1\",\"summary\":[]}}")
                  D("{\"type\":\"response.reasoning_summary_part.added\",\"output_index\":0,\"summary_index\":0}")
                  D("{\"type\":\"response.reasoning_summary_text.delta\",\"output_index\":0,\"summary_index\":0,"
                    "\"delta\":\"Plan\"}")
                  D("{\"type\":\"response.reasoning_summary_text.done\",\"output_index\":0,\"summary_index\":0,"
                    "\"text\":\"Plan\"}")
                  D("{\"type\":\"response.reasoning_summary_text.done\",\"output_index\":0,\"summary_index\":1,"
                    "\"text\":\"More\"}")
                  D("{\"type\":\"response.reasoning.delta\",\"output_index\":0,\"content_index\":0,\"delta\":\"raw\"}")
                  D("{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"reasoning\","
                    "\"summary\":[{\"type\":\"summary_text\",\"text\":\"Plan\"},{\"type\":\"summary_text\",\"text\":"
                    "\"More\"}],\"content\":[{\"type\":\"reasoning_text\",\"text\":\"raw\"}]}}")
                  D("{\"type\":\"response.web_search_call.searching\",\"output_index\":1}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"message\","
                    "\"content\":[]}}")
                  D("{\"type\":\"response.output_text.delta\",\"output_index\":1,\"content_index\":0,\"delta\":\"Hi\","
                    "\"logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":[]}]}")
                  D("{\"type\":\"response.output_text.delta\",\"output_index\":1,\"content_index\":0,\"delta\":\"!\","
                    "\"logprobs\":[]}")
                  D("{\"type\":\"response.output_text.annotation.added\",\"output_index\":1,\"annotation\":{}}")
                  D("{\"type\":\"response.output_text.done\",\"output_index\":1,\"content_index\":0,\"text\":\"Hi!\"}")
                  D("{\"type\":\"response.refusal.delta\",\"output_index\":1,\"content_index\":1,\"delta\":\"No\"}")
                  D("{\"type\":\"response.refusal.done\",\"output_index\":1,\"content_index\":1,\"refusal\":\"No\"}")
                  D("{\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":\"message\","
                    "\"content\":[{\"type\":\"output_text\",\"text\":\"Hi!\"},{\"type\":\"refusal\",\"refusal\":\"No\"}]}}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":2,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"call_a\",\"name\":\"f\",\"arguments\":\"\"}}")
                  D("{\"type\":\"response.function_call_arguments.delta\",\"output_index\":2,\"delta\":\"{\\\"x\\\":\"}")
                  D("{\"type\":\"response.function_call_arguments.delta\",\"output_index\":2,\"delta\":\"1}\"}")
                  D("{\"type\":\"response.function_call_arguments.done\",\"output_index\":2,\"arguments\":"
                    "\"{\\\"x\\\":1}\"}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":3,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"call_b\",\"name\":\"g\",\"arguments\":\"\"}}")
                  D("{\"type\":\"response.function_call_arguments.done\",\"output_index\":3,\"arguments\":\"{}\"}")
                  D("{\"type\":\"response.output_item.done\",\"output_index\":3,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"call_b\",\"name\":\"g\",\"arguments\":\"{}\"}}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":4,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"call_c\",\"name\":\"h\",\"arguments\":\"\"}}")
                  D("{\"type\":\"response.output_item.done\",\"output_index\":4,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"call_c\",\"name\":\"h\",\"arguments\":\"{\\\"y\\\":2}\"}}")
                  D("{\"type\":\"keepalive\"}")
                  COMPLETED("completed", ",\"usage\":{\"input_tokens\":3,\"output_tokens\":4,\"total_tokens\":7,"
                                         "\"input_tokens_details\":{\"cached_tokens\":1,\"cache_write_tokens\":2}}")
                  D("[DONE]"),
                  SY_OK, true,
                  "START resp_s m 9\n"
                  "REASONING Plan\n"
                  "REASONING More\n"
                  "REASONING raw\n"
                  "TEXT Hi lp=[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":[]}]\n"
                  "TEXT !\n"
                  "REFUSAL No\n"
                  "TOOL 0 id=call_a name=f args=\n"
                  "TOOL 0 id= name= args={\"x\":\n"
                  "TOOL 0 id= name= args=1}\n"
                  "TOOL 1 id=call_b name=g args=\n"
                  "TOOL 1 id= name= args={}\n"
                  "TOOL 2 id=call_c name=h args=\n"
                  "TOOL 2 id= name= args={\"y\":2}\n"
                  "USAGE 3 4 7 1 2 0\n"
                  "FINISH tool_calls\n"
                  "END\n");
}

/* Items the stream did not finish come from the terminal Response's output. */
static void test_stream_final_output(void **state)
{
    (void)state;
    /* only created and completed: the final output is the content (never lose anything) */
    expect_stream(CREATED COMPLETED("completed", ",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":"
                                                 "\"output_text\",\"text\":\"All at once\"}]},{\"type\":\"function_call\","
                                                 "\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"}]"),
                  SY_OK, true,
                  "START resp_s m 9\nTEXT All at once\nTOOL 0 id=c1 name=f args={}\nFINISH tool_calls\nEND\n");
    /* items the stream finished are not repeated from the final output; one it left open is completed */
    expect_stream(CREATED D("{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":"
                            "\"message\",\"content\":[]}}")
                  D("{\"type\":\"response.output_text.delta\",\"output_index\":0,\"content_index\":0,\"delta\":\"A\"}")
                  COMPLETED("completed", ",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\","
                                         "\"text\":\"A\"},{\"type\":\"output_text\",\"text\":\"B\"}]}]"),
                  SY_OK, true, "START resp_s m 9\nTEXT A\nTEXT B\nFINISH stop\nEND\n");
}

static void test_stream_terminal(void **state)
{
    (void)state;
    /* incomplete */
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"output_index\":0,\"content_index\":0,"
                            "\"delta\":\"Once\"}")
                  COMPLETED("incomplete", ",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"usage\":"
                                          "{\"input_tokens\":2,\"output_tokens\":16,\"total_tokens\":18}"),
                  SY_OK, true, "START resp_s m 9\nTEXT Once\nUSAGE 2 16 18 0 0 0\nFINISH length\nEND\n");
    expect_stream(CREATED COMPLETED("incomplete", ",\"incomplete_details\":{\"reason\":\"content_filter\"}"), SY_OK,
                  true, "START resp_s m 9\nFINISH content_filter\nEND\n");
    /* the response's own status wins over the event name */
    expect_stream(CREATED D("{\"type\":\"response.completed\",\"response\":{\"status\":\"incomplete\"}}"), SY_OK, true,
                  "START resp_s m 9\nFINISH length\nEND\n");
    expect_stream(CREATED D("{\"type\":\"response.incomplete\",\"response\":{}}"), SY_OK, true,
                  "START resp_s m 9\nFINISH length\nEND\n");
    /* failed: output not replayed, usage then ERROR */
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"par\"}")
                  COMPLETED("failed", ",\"error\":{\"code\":\"server_error\",\"message\":\"The model crashed.\"},"
                                      "\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\","
                                      "\"text\":\"partial\"}]}],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}"),
                  SY_OK, true,
                  "START resp_s m 9\nTEXT par\nUSAGE 1 1 2 0 0 0\nERROR EUPSTREAM server_error The model crashed.\n");
    expect_stream(CREATED D("{\"type\":\"response.failed\",\"response\":{\"status\":\"failed\",\"error\":{\"code\":"
                            "\"rate_limit_exceeded\",\"message\":\"Too many requests.\"}}}"),
                  SY_OK, true, "START resp_s m 9\nERROR EUPSTREAM rate_limit_exceeded Too many requests.\n");
    /* `error` events: SDK flat form, [OR] nested form, before any response.created */
    expect_stream(CREATED "event: error\n" D("{\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":"
                                             "\"Slow down.\",\"param\":null}")
                  COMPLETED("failed", ""),
                  SY_OK, true, "START resp_s m 9\nERROR EUPSTREAM rate_limit_exceeded Slow down.\n");
    expect_stream(D("{\"type\":\"error\",\"sequence_number\":0,\"error\":{\"type\":\"server_error\",\"code\":null,"
                    "\"message\":\"Shutting down.\",\"param\":null}}"),
                  SY_OK, true, "START   0\nERROR EUPSTREAM server_error Shutting down.\n");
    expect_stream("event: error\n" D("{\"message\":\"no type\"}"), SY_OK, true,
                  "START   0\nERROR EUPSTREAM server_error no type\n");
    expect_stream(D("{\"error\":{\"message\":\"bare\",\"code\":\"x\"}}"), SY_OK, true,
                  "START   0\nERROR EUPSTREAM x bare\n");
    expect_stream(D("{\"type\":\"error\"}"), SY_OK, true,
                  "START   0\nERROR EUPSTREAM server_error the upstream stream failed\n");
    /* everything after the terminal event is ignored, even garbage */
    expect_stream(CREATED COMPLETED("completed", "")
                  D("{\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"late\"}")
                  COMPLETED("completed", "") D("not json"),
                  SY_OK, true, "START resp_s m 9\nFINISH stop\nEND\n");
    /* a stream that stops early: not finished (the caller reports it) */
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"cut\"}")
                  D("[DONE]"),
                  SY_OK, false, "START resp_s m 9\nTEXT cut\n");
    expect_stream(D("[DONE]") "data: \n\n" ": keep-alive\n\n", SY_OK, false, "");
}

static void test_stream_oddities(void **state)
{
    (void)state;
    /* deltas before any created: an empty START first; deltas without output_index use the last
     * index; a repeated output_item.added is ignored; deltas for a finished item are ignored; a
     * call with no added event gets its key on first sight; legacy response.text.delta */
    expect_stream(D("{\"type\":\"response.text.delta\",\"delta\":\"a\"}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"c1\",\"name\":\"f\"}}")
                  D("{\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"c1\",\"name\":\"f\"}}")
                  D("{\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{}\"}")
                  D("{\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"}}")
                  D("{\"type\":\"response.function_call_arguments.delta\",\"output_index\":1,\"delta\":\"x\"}")
                  D("{\"type\":\"response.function_call_arguments.delta\",\"output_index\":2,\"delta\":\"{\\\"q\\\"\"}")
                  D("{\"type\":\"response.function_call_arguments.done\",\"output_index\":2,\"name\":\"g\","
                    "\"arguments\":\"{\\\"q\\\"}\"}")
                  D("{\"type\":\"response.output_item.done\",\"output_index\":2,\"item\":{\"type\":\"function_call\","
                    "\"call_id\":\"c2\",\"name\":\"g\",\"arguments\":\"{\\\"q\\\"}\"}}")
                  D("{\"type\":\"response.function_call_arguments.delta\",\"output_index\":0,\"delta\":\"no\"}")
                  D("{\"type\":\"response.created\",\"response\":{\"id\":\"late\"}}")
                  COMPLETED("completed", ""),
                  SY_OK, true,
                  "START   0\n"
                  "TEXT a\n"
                  "TOOL 0 id=c1 name=f args=\n"
                  "TOOL 0 id= name= args={}\n"
                  "TOOL 1 id= name= args={\"q\"\n"
                  "TOOL 1 id=c2 name=g args=\n"
                  "FINISH tool_calls\n"
                  "END\n");
    /* the `event:` name stands in for a missing type */
    expect_stream("event: response.output_text.delta\n" D("{\"output_index\":0,\"delta\":\"x\"}")
                  "event: response.completed\n" D("{\"response\":{}}"),
                  SY_OK, true, "START   0\nTEXT x\nFINISH stop\nEND\n");
}

static void test_stream_malformed(void **state)
{
    (void)state;
    expect_stream(CREATED D("not json"), SY_EUPSTREAM, false, "START resp_s m 9\n");
    expect_stream(D("[1,2]"), SY_EUPSTREAM, false, "");
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":5}"), SY_EUPSTREAM,
                  false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"output_index\":\"0\",\"delta\":\"a\"}"),
                  SY_EUPSTREAM, false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"output_index\":-1,\"delta\":\"a\"}"),
                  SY_EUPSTREAM, false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"content_index\":-2,\"delta\":\"a\"}"),
                  SY_EUPSTREAM, false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_text.delta\",\"delta\":\"a\",\"logprobs\":{}}"),
                  SY_EUPSTREAM, false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":5}"), SY_EUPSTREAM,
                  false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":"
                            "\"function_call\",\"call_id\":1}}"),
                  SY_EUPSTREAM, false, "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.output_item.done\",\"output_index\":0}"), SY_EUPSTREAM, false,
                  "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.function_call_arguments.delta\",\"delta\":[]}"), SY_EUPSTREAM, false,
                  "START resp_s m 9\n");
    expect_stream(CREATED D("{\"type\":\"response.completed\",\"response\":null}"), SY_EUPSTREAM, false,
                  "START resp_s m 9\n");
    expect_stream(CREATED COMPLETED("completed", ",\"output\":[3]"), SY_EUPSTREAM, false, "START resp_s m 9\n");
    /* a failure is sticky: later good events are refused and send nothing */
    expect_stream(CREATED D("{") D("{\"type\":\"response.output_text.delta\",\"delta\":\"a\"}"), SY_EUPSTREAM, false,
                  "START resp_s m 9\n");
}

static void test_stream_sink_failure(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("stream_function_call.sse", &len);
    for (unsigned k = 1; k <= 10; k++) {
        struct sctx c;
        sctx_init(&c);
        c.r.fail_at = k;
        feed_sse(&c, body, len);
        assert_int_equal(c.last, SY_ECLOSED);
        assert_int_equal(c.r.count, k);
        assert_int_equal(c.s.failed, SY_ECLOSED);
        sctx_free(&c);
    }
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_recorded),
        cmocka_unit_test(test_response_built),
        cmocka_unit_test(test_response_invalid),
        cmocka_unit_test(test_response_sink_failure),
        cmocka_unit_test(test_stream_recorded),
        cmocka_unit_test(test_stream_missing_deltas),
        cmocka_unit_test(test_stream_built),
        cmocka_unit_test(test_stream_final_output),
        cmocka_unit_test(test_stream_terminal),
        cmocka_unit_test(test_stream_oddities),
        cmocka_unit_test(test_stream_malformed),
        cmocka_unit_test(test_stream_sink_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
