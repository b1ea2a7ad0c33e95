/* Unit tests for the Chat Completions codec's client side, answer direction (a chat client in
 * front of a Responses upstream): exact bytes of the chat.completion object and of
 * chat.completion.chunk streams produced from IR events. The request decoder is tested in
 * chat_client_decode_test.c. */
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
#include "translate/chat_client.h"

/* ------------------------------------------------------------------ encoder harness */

struct enc {
    struct sy_arena        *a;
    struct sy_buf           sse;
    struct sy_chat_encoder *e;
    struct sy_ir_sink      *s;
};

static void enc_init(struct enc *c, bool stream, bool include_usage, bool logprobs, const char *tier)
{
    c->a = sy_arena_new(4096);
    sy_buf_init(&c->sse, SY_BUF_UNCAPPED);
    struct sy_chat_encoder_opts o = {
        .model = SY_LIT("gpt-4.1-mini"),
        .sse_out = stream ? &c->sse : NULL,
        .include_usage = include_usage,
        .want_logprobs = logprobs,
        .service_tier = sy_slice_cstr(tier),
    };
    c->e = sy_chat_encoder_new(c->a, &o);
    c->s = sy_chat_encoder_sink(c->e);
}

static void enc_free(struct enc *c)
{
    sy_buf_free(&c->sse);
    sy_arena_free(c->a);
}

static void ev(struct enc *c, struct sy_ir_event e)
{
    assert_int_equal(c->s->event(c->s, &e), SY_OK);
}

static void ev_start(struct enc *c)
{
    ev(c, (struct sy_ir_event){ .kind = SY_IR_START, .id = SY_LIT("resp_abc"), .name = SY_LIT("gpt-4.1-mini-2025"),
                                .created = 1760000000 });
}
static void ev_text(struct enc *c, const char *t, const char *lp)
{
    ev(c, (struct sy_ir_event){ .kind = SY_IR_TEXT_DELTA, .text = sy_slice_cstr(t), .logprobs = sy_slice_cstr(lp) });
}
static void ev_kind(struct enc *c, enum sy_ir_ev kind, const char *t)
{
    ev(c, (struct sy_ir_event){ .kind = kind, .text = sy_slice_cstr(t) });
}
static void ev_tool(struct enc *c, uint32_t key, const char *id, const char *name, const char *args)
{
    ev(c, (struct sy_ir_event){ .kind = SY_IR_TOOL_DELTA, .key = key, .id = sy_slice_cstr(id),
                                .name = sy_slice_cstr(name), .text = sy_slice_cstr(args) });
}
static void ev_usage(struct enc *c)
{
    struct sy_ir_usage u = { .present = true, .input_tokens = 9, .output_tokens = 12, .total_tokens = 21,
                             .cached_tokens = 3, .cache_write_tokens = 1, .reasoning_tokens = 4 };
    ev(c, (struct sy_ir_event){ .kind = SY_IR_USAGE, .usage = &u });
}
static void ev_end(struct enc *c, enum sy_ir_finish f)
{
    ev(c, (struct sy_ir_event){ .kind = SY_IR_FINISH, .finish = f });
    ev(c, (struct sy_ir_event){ .kind = SY_IR_END });
}

static void expect_final(struct enc *c, const char *want)
{
    assert_false(sy_chat_encoder_failed(c->e, NULL, NULL, NULL));
    sy_slice f = sy_chat_encoder_final(c->e);
    assert_non_null(f.ptr);
    assert_string_equal(f.ptr, want);
    struct sy_json *root = NULL;
    struct sy_diag d;
    assert_int_equal(sy_json_parse(f, &root, &d), SY_OK);
    sy_json_free(root);
    assert_int_equal(c->sse.len, 0);
}

#define USAGE                                                                                        \
    "{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21,\"prompt_tokens_details\":{"       \
    "\"cached_tokens\":3,\"cache_write_tokens\":1,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":4,"        \
    "\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}"
#define CHEAD "{\"id\":\"resp_abc\",\"object\":\"chat.completion\",\"created\":1760000000,\"model\":\"gpt-4.1-mini\","

/* ------------------------------------------------------------------ encoder: completion */

static void test_completion_text(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, false, false, false, NULL);
    ev_start(&c);
    ev_kind(&c, SY_IR_REASONING_DELTA, "Let me ");
    ev_kind(&c, SY_IR_REASONING_DELTA, "think.");
    ev_text(&c, "Hel", "");
    ev_text(&c, "lo!", "");
    ev_usage(&c);
    ev_end(&c, SY_FINISH_STOP);
    expect_final(&c, "{\"id\":\"resp_abc\",\"object\":\"chat.completion\",\"created\":1760000000,\"model\":"
                     "\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                     "\"Hello!\",\"refusal\":null,\"reasoning_content\":\"Let me think.\",\"annotations\":[]},"
                     "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,"
                     "\"completion_tokens\":12,\"total_tokens\":21,\"prompt_tokens_details\":{\"cached_tokens\":3,"
                     "\"cache_write_tokens\":1,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":4,\"audio_tokens\":0,"
                     "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}");
    const struct sy_ir_usage *u = sy_chat_encoder_usage(c.e);
    assert_non_null(u);
    assert_int_equal(u->total_tokens, 21);
    enc_free(&c);
}

static void test_completion_tools_refusal_empty(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, false, false, false, "default");
    ev_start(&c);
    ev_tool(&c, 0, "call_A", "get_weather", "");
    ev_tool(&c, 0, "", "", "{\"city\":");
    ev_tool(&c, 0, "", "", "\"Paris\"}");
    ev_tool(&c, 1, "call_B", "get_weather", "{\"city\":\"Rome\"}");
    ev_end(&c, SY_FINISH_STOP);
    expect_final(&c, CHEAD "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                           "\"refusal\":null,\"tool_calls\":[{\"id\":\"call_A\",\"type\":\"function\",\"function\":{"
                           "\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":"
                           "\"call_B\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                           "\"{\\\"city\\\":\\\"Rome\\\"}\"}}],\"annotations\":[]},\"logprobs\":null,"
                           "\"finish_reason\":\"tool_calls\"}],\"service_tier\":\"default\"}");
    enc_free(&c);

    enc_init(&c, false, false, false, NULL);
    ev_start(&c);
    ev_kind(&c, SY_IR_REFUSAL_DELTA, "I can't ");
    ev_kind(&c, SY_IR_REFUSAL_DELTA, "help with that.");
    ev_end(&c, SY_FINISH_STOP);
    expect_final(&c, CHEAD "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                           "\"refusal\":\"I can't help with that.\",\"annotations\":[]},\"logprobs\":null,"
                           "\"finish_reason\":\"stop\"}]}");
    enc_free(&c);

    /* an empty answer: content "" and stop; no START at all: the encoder makes one up */
    enc_init(&c, false, false, false, NULL);
    ev(&c, (struct sy_ir_event){ .kind = SY_IR_END });
    sy_slice f = sy_chat_encoder_final(c.e);
    assert_true(sy_slice_starts_with(f, "{\"id\":\"chatcmpl-"));
    assert_non_null(strstr(f.ptr, "\"content\":\"\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"
                                  "\"finish_reason\":\"stop\"}]}"));
    enc_free(&c);
}

#define LP1 "[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":[]}]"
#define LP2 "[{\"token\":\" there\",\"logprob\":-0.5,\"bytes\":null,\"top_logprobs\":[{\"token\":\" there\"," \
            "\"logprob\":-0.5},{\"token\":\" you\",\"logprob\":-2}]}]"
#define LP1_OUT "{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],\"top_logprobs\":[]}"
#define LP2_OUT "{\"token\":\" there\",\"logprob\":-0.5,\"bytes\":[32,116,104,101,114,101],\"top_logprobs\":[{" \
                "\"token\":\" there\",\"logprob\":-0.5,\"bytes\":[32,116,104,101,114,101]},{\"token\":\" you\","   \
                "\"logprob\":-2,\"bytes\":[32,121,111,117]}]}"

static void test_completion_logprobs_length(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, false, false, true, NULL);
    ev_start(&c);
    ev_text(&c, "Hi", LP1);
    ev_text(&c, " there", LP2);
    ev_usage(&c);
    ev_end(&c, SY_FINISH_LENGTH);
    expect_final(&c, CHEAD "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi there\","
                           "\"refusal\":null,\"annotations\":[]},\"logprobs\":{\"content\":[" LP1_OUT "," LP2_OUT
                           "],\"refusal\":null},\"finish_reason\":\"length\"}],\"usage\":" USAGE "}");
    enc_free(&c);

    /* logprobs asked but none came; content_filter */
    enc_init(&c, false, false, true, NULL);
    ev_start(&c);
    ev_text(&c, "x", "");
    ev_end(&c, SY_FINISH_CONTENT_FILTER);
    expect_final(&c, CHEAD "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"x\","
                           "\"refusal\":null,\"annotations\":[]},\"logprobs\":{\"content\":[],\"refusal\":null},"
                           "\"finish_reason\":\"content_filter\"}]}");
    enc_free(&c);
}

static void test_completion_error(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, false, false, false, NULL);
    ev_start(&c);
    ev_text(&c, "partial", "");
    ev(&c, (struct sy_ir_event){ .kind = SY_IR_ERROR, .status = SY_ERATELIMIT, .code = "rate_limit_exceeded",
                                 .message = "Slow down." });
    ev(&c, (struct sy_ir_event){ .kind = SY_IR_END }); /* ignored */
    sy_status st;
    const char *code, *msg;
    assert_true(sy_chat_encoder_failed(c.e, &st, &code, &msg));
    assert_int_equal(st, SY_ERATELIMIT);
    assert_string_equal(code, "rate_limit_exceeded");
    assert_string_equal(msg, "Slow down.");
    assert_null(sy_chat_encoder_final(c.e).ptr);
    enc_free(&c);
}

/* ------------------------------------------------------------------ encoder: streams */

#define HEAD \
    "{\"id\":\"resp_abc\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,\"model\":\"gpt-4.1-mini\","
#define CH(delta, lp, fin) \
    "data: " HEAD "\"choices\":[{\"index\":0,\"delta\":" delta ",\"logprobs\":" lp ",\"finish_reason\":" fin "}]}\n\n"
#define CHU(delta, lp, fin)                                                                                   \
    "data: " HEAD "\"choices\":[{\"index\":0,\"delta\":" delta ",\"logprobs\":" lp ",\"finish_reason\":" fin \
    "}],\"usage\":null}\n\n"
#define ROLE "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}"
#define DONE "data: [DONE]\n\n"

static void expect_sse(struct enc *c, const char *want)
{
    assert_string_equal(c->sse.data ? c->sse.data : "", want);
    assert_null(sy_chat_encoder_final(c->e).ptr);
}

static void test_stream_text_usage(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, true, false, false, NULL);
    ev_start(&c);
    ev_text(&c, "Hel", "");
    ev_text(&c, "", "");
    ev_text(&c, "lo!", "");
    ev_usage(&c);
    ev_end(&c, SY_FINISH_STOP);
    expect_sse(&c,
               "data: {\"id\":\"resp_abc\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,\"model\":"
               "\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
               "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
               "data: {\"id\":\"resp_abc\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,\"model\":"
               "\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,"
               "\"finish_reason\":null}]}\n\n"
               "data: {\"id\":\"resp_abc\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,\"model\":"
               "\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo!\"},\"logprobs\":null,"
               "\"finish_reason\":null}]}\n\n"
               "data: {\"id\":\"resp_abc\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,\"model\":"
               "\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":"
               "\"stop\"}]}\n\n"
               "data: [DONE]\n\n");
    assert_non_null(sy_chat_encoder_usage(c.e));
    enc_free(&c);

    /* include_usage: "usage":null on every chunk, then the choices:[] usage chunk; service_tier echoed */
    enc_init(&c, true, true, false, "default");
    ev_start(&c);
    ev_text(&c, "Hi", "");
    ev_usage(&c);
    ev_end(&c, SY_FINISH_STOP);
#define HEADT HEAD "\"service_tier\":\"default\","
    expect_sse(&c, "data: " HEADT "\"choices\":[{\"index\":0,\"delta\":" ROLE ",\"logprobs\":null,"
                   "\"finish_reason\":null}],\"usage\":null}\n\n"
                   "data: " HEADT "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":null,"
                   "\"finish_reason\":null}],\"usage\":null}\n\n"
                   "data: " HEADT "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                   "\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                   "data: " HEADT "\"choices\":[],\"usage\":" USAGE "}\n\n" DONE);
    enc_free(&c);

    /* include_usage but the upstream reported none: no usage chunk (numbers are never invented) */
    enc_init(&c, true, true, false, NULL);
    ev_start(&c);
    ev_end(&c, SY_FINISH_LENGTH);
    expect_sse(&c, CHU(ROLE, "null", "null") CHU("{}", "null", "\"length\"") DONE);
    enc_free(&c);
}

static void test_stream_parallel_tools(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, true, false, false, NULL);
    ev_start(&c);
    ev_tool(&c, 0, "call_A", "get_weather", "");
    ev_tool(&c, 0, "", "", "{\"city\":");
    ev_tool(&c, 0, "", "", "\"Paris\"}");
    ev_tool(&c, 1, "call_B", "get_weather", "{\"city\":\"Rome\"}");
    ev_tool(&c, 7, "call_C", "", "{\"x\"");  /* name not known yet: held back */
    ev_tool(&c, 0, "", "", "");              /* nothing to say */
    ev_tool(&c, 7, "", "late", ":1}");
    ev_end(&c, SY_FINISH_STOP);
#define TC(x) "{\"tool_calls\":[" x "]}"
    expect_sse(&c, CH(ROLE, "null", "null")
                   CH(TC("{\"index\":0,\"id\":\"call_A\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                         "\"arguments\":\"\"}}"), "null", "null")
                   CH(TC("{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}"), "null", "null")
                   CH(TC("{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}"), "null", "null")
                   CH(TC("{\"index\":1,\"id\":\"call_B\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                         "\"arguments\":\"\"}}"), "null", "null")
                   CH(TC("{\"index\":1,\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}"), "null", "null")
                   CH(TC("{\"index\":2,\"id\":\"call_C\",\"type\":\"function\",\"function\":{\"name\":\"late\","
                         "\"arguments\":\"\"}}"), "null", "null")
                   CH(TC("{\"index\":2,\"function\":{\"arguments\":\"{\\\"x\\\":1}\"}}"), "null", "null")
                   CH("{}", "null", "\"tool_calls\"") DONE);
    enc_free(&c);
}

static void test_stream_refusal_reasoning_logprobs(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, true, false, false, NULL);
    ev_start(&c);
    ev_kind(&c, SY_IR_REASONING_DELTA, "Think");
    ev_kind(&c, SY_IR_REFUSAL_DELTA, "No.");
    ev_end(&c, SY_FINISH_STOP);
    expect_sse(&c, CH(ROLE, "null", "null") CH("{\"reasoning_content\":\"Think\"}", "null", "null")
                   CH("{\"refusal\":\"No.\"}", "null", "null") CH("{}", "null", "\"stop\"") DONE);
    enc_free(&c);

    enc_init(&c, true, true, true, NULL);
    ev_start(&c);
    ev_text(&c, "Hi", LP1);
    ev_text(&c, " there", LP2);
    ev_text(&c, "!", "");
    ev_end(&c, SY_FINISH_LENGTH);
    expect_sse(&c, CHU(ROLE, "null", "null")
                   CHU("{\"content\":\"Hi\"}", "{\"content\":[" LP1_OUT "],\"refusal\":null}", "null")
                   CHU("{\"content\":\" there\"}", "{\"content\":[" LP2_OUT "],\"refusal\":null}", "null")
                   CHU("{\"content\":\"!\"}", "{\"content\":[],\"refusal\":null}", "null")
                   CHU("{}", "null", "\"length\"") DONE);
    enc_free(&c);
}

static void test_stream_errors(void **state)
{
    (void)state;
    struct enc c;
    enc_init(&c, true, true, false, NULL);
    ev_start(&c);
    ev_text(&c, "Hel", "");
    ev_usage(&c);
    ev(&c, (struct sy_ir_event){ .kind = SY_IR_ERROR, .status = SY_EUPSTREAM, .code = "upstream_malformed",
                                 .message = "The upstream sent \"garbage\"." });
    ev_end(&c, SY_FINISH_STOP); /* ignored: never a fake stop */
    expect_sse(&c, CHU(ROLE, "null", "null") CHU("{\"content\":\"Hel\"}", "null", "null")
                   "data: {\"error\":{\"message\":\"The upstream sent \\\"garbage\\\".\",\"type\":\"server_error\","
                   "\"param\":null,\"code\":\"upstream_malformed\"}}\n\n" DONE);
    assert_true(sy_chat_encoder_failed(c.e, NULL, NULL, NULL));
    enc_free(&c);

    /* an error before anything else, with no code or message: the status defaults */
    enc_init(&c, true, false, false, NULL);
    ev(&c, (struct sy_ir_event){ .kind = SY_IR_ERROR, .status = SY_ETIMEDOUT });
    expect_sse(&c, "data: {\"error\":{\"message\":\"upstream timed out\",\"type\":\"server_error\",\"param\":null,"
                   "\"code\":\"upstream_timeout\"}}\n\n" DONE);
    enc_free(&c);

    /* an output failure is returned to the producer and sticks */
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_buf small;
    sy_buf_init(&small, 64);
    struct sy_chat_encoder_opts o = { .model = SY_LIT("m"), .sse_out = &small };
    struct sy_chat_encoder *e = sy_chat_encoder_new(a, &o);
    struct sy_ir_sink *s = sy_chat_encoder_sink(e);
    struct sy_ir_event start = { .kind = SY_IR_START, .id = SY_LIT("resp_abc"), .created = 1 };
    assert_int_equal(s->event(s, &start), SY_ETOOBIG);
    struct sy_ir_event end = { .kind = SY_IR_END };
    assert_int_equal(s->event(s, &end), SY_ETOOBIG);
    sy_buf_free(&small);
    sy_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_text),
        cmocka_unit_test(test_completion_tools_refusal_empty),
        cmocka_unit_test(test_completion_logprobs_length),
        cmocka_unit_test(test_completion_error),
        cmocka_unit_test(test_stream_text_usage),
        cmocka_unit_test(test_stream_parallel_tools),
        cmocka_unit_test(test_stream_refusal_reasoning_logprobs),
        cmocka_unit_test(test_stream_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
