/* Unit tests for the Responses codec's compaction and input_tokens parts
 * (src/translate/responses_compact.c, responses_count.c, the compaction item in
 * responses_input.c): the gateway blob both ways, the `response.compaction` object (exact
 * bytes), a compaction item as input (a Switchyard blob becomes a developer message, down to the
 * chat body; a foreign blob is an exact 400), and the input_tokens / compact body decoders. */
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
#include "translate/chat.h"
#include "translate/responses.h"

/* {"v":1,"summary":"User: Ann.\n\"Paris\" trip, open: hotel."} */
#define BLOB_ANN "sy1:eyJ2IjoxLCJzdW1tYXJ5IjoiVXNlcjogQW5uLlxuXCJQYXJpc1wiIHRyaXAsIG9wZW46IGhvdGVsLiJ9"
#define SUMMARY_ANN "User: Ann.\n\"Paris\" trip, open: hotel."

static const char foreign_msg[] =
    "Only compaction items made by Switchyard can be used when the model is served by a chat-completions "
    "upstream; this item's 'encrypted_content' comes from another server, which alone can read it.";

static struct sy_json *parse(const char *text)
{
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(sy_json_parse(sy_slice_cstr(text), &root, &d), SY_OK);
    return root;
}

/* ------------------------------------------------------------------ blob */

static void test_blob_encode_exact(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    assert_int_equal(sy_responses_compaction_encode(&b, SY_LIT(SUMMARY_ANN)), SY_OK);
    assert_string_equal(b.data, BLOB_ANN);
    sy_buf_free(&b);
}

static void test_blob_round_trip(void **state)
{
    (void)state;
    static const char *const summaries[] = { "", "plain", "line\nbreak \"quoted\" \\ tab\t", "caf\xc3\xa9 \xe2\x82\xac" };
    for (size_t i = 0; i < sizeof summaries / sizeof summaries[0]; i++) {
        struct sy_arena *a = sy_arena_new(4096);
        struct sy_buf b;
        sy_buf_init(&b, SY_BUF_UNCAPPED);
        assert_int_equal(sy_responses_compaction_encode(&b, sy_slice_cstr(summaries[i])), SY_OK);
        assert_true(strncmp(b.data, "sy1:", 4) == 0);
        sy_slice got = SY_SLICE_NULL;
        assert_int_equal(sy_responses_compaction_decode(a, sy_buf_slice(&b), &got), SY_OK);
        assert_int_equal(got.len, strlen(summaries[i]));
        assert_memory_equal(got.ptr, summaries[i], got.len);
        sy_buf_free(&b);
        sy_arena_free(a);
    }
}

static void test_blob_decode_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "gAAAAABpzfWYTCgQWp70FeVbtF1vLlPyb51sDfF8lYGEDyKsG2HYnq1WDR2r7Gtu8P2My-nVPbRj7_YfPC2bKWZkRgIVdCLQ6F", /* OpenAI */
        "sy1:",                                          /* empty: not JSON */
        "sy1:eyJ2IjoxLCJzdW1tYXJ5IjoiaGkifQ",            /* {"v":1,"summary":"hi"} unpadded */
        "SY1:eyJ2IjoxLCJzdW1tYXJ5IjoiaGkifQ==",          /* prefix is case-sensitive */
        "sy1:eyJ2IjoyLCJzdW1tYXJ5IjoiaGkifQ==",          /* {"v":2,...}: a future version */
        "sy1:eyJ2IjoxfQ==",                              /* {"v":1}: no summary */
        "sy1:eyJ2IjoxLCJzdW1tYXJ5IjoxfQ==",              /* {"v":1,"summary":1} */
        "sy1:eyJzdW1tYXJ5IjoiaGkifQ==",                  /* {"summary":"hi"}: no version */
        "sy1:aGVsbG8=",                                  /* "hello": not JSON */
        "sy1:WyJoaSJd",                                  /* ["hi"] */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sy_arena *a = sy_arena_new(4096);
        sy_slice got = SY_LIT("untouched");
        assert_int_equal(sy_responses_compaction_decode(a, sy_slice_cstr(bad[i]), &got), SY_EINVAL);
        assert_true(sy_slice_eq_cstr(got, "untouched"));
        sy_arena_free(a);
    }
    struct sy_arena *a = sy_arena_new(4096);
    sy_slice got;
    assert_int_equal(sy_responses_compaction_decode(a, SY_LIT("sy1:eyJ2IjoxLCJzdW1tYXJ5IjoiaGkifQ=="), &got), SY_OK);
    assert_true(sy_slice_eq_cstr(got, "hi"));
    sy_arena_free(a);
}

/* ------------------------------------------------------------------ response.compaction */

struct ids {
    int  n;
    char buf[8][16];
};

static sy_slice next_id(void *ctx, const char *prefix)
{
    struct ids *ids = ctx;
    int k = ids->n++ % 8;
    snprintf(ids->buf[k], sizeof ids->buf[k], "%s%02d", prefix, ids->n);
    return sy_slice_cstr(ids->buf[k]);
}

static struct sy_ir_item user_str(const char *text)
{
    return (struct sy_ir_item){ .kind = SY_ITEM_MESSAGE, .role = SY_ROLE_USER, .content_is_string = true,
                                .content_string = sy_slice_cstr(text) };
}

static void test_write_compaction_exact(void **state)
{
    (void)state;
    struct sy_ir_part parts[] = {
        { .kind = SY_PART_TEXT, .text = SY_LIT("What is in this picture?") },
        { .kind = SY_PART_IMAGE, .image_url = SY_LIT("https://example.com/cat.png") },
        { .kind = SY_PART_FILE, .file_data = SY_LIT("data:text/plain;base64,aGk="), .filename = SY_LIT("a.txt") },
    };
    struct sy_ir_item items[] = {
        user_str("Hello!"),
        { .kind = SY_ITEM_MESSAGE, .role = SY_ROLE_ASSISTANT, .content_is_string = true,
          .content_string = SY_LIT("Hi! How can I help?") },
        { .kind = SY_ITEM_MESSAGE, .role = SY_ROLE_DEVELOPER, .content_is_string = true,
          .content_string = SY_LIT("Be brief.") },
        { .kind = SY_ITEM_MESSAGE, .role = SY_ROLE_USER, .id = SY_LIT("msg_client"), .parts = parts, .nparts = 3 },
        { .kind = SY_ITEM_FUNCTION_CALL, .call_id = SY_LIT("call_1"), .name = SY_LIT("f"), .arguments = SY_LIT("{}") },
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("call_1"), .output = SY_LIT("ok") },
        user_str("Thanks \"a lot\""),
    };
    struct sy_ir_request req = { .items = items, .nitems = sizeof items / sizeof items[0] };
    struct sy_ir_usage usage = { .present = true, .input_tokens = 160, .output_tokens = 297, .total_tokens = 457,
                                 .cached_tokens = 3 };
    struct ids ids = { 0 };
    struct sy_responses_compaction c = {
        .id = SY_LIT("resp_abc"), .created_at = 1775105432, .item_id = SY_LIT("cmp_def"),
        .summary = SY_LIT(SUMMARY_ANN), .req = &req, .usage = &usage, .id_fn = next_id, .id_ctx = &ids,
    };
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    assert_int_equal(sy_responses_write_compaction(&out, &c), SY_OK);
    assert_string_equal(
        out.data,
        "{\"id\":\"resp_abc\",\"object\":\"response.compaction\",\"created_at\":1775105432,\"output\":["
        "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"user\",\"status\":\"completed\","
        "\"content\":[{\"type\":\"input_text\",\"text\":\"Hello!\"}]},"
        "{\"id\":\"msg_client\",\"type\":\"message\",\"role\":\"user\",\"status\":\"completed\",\"content\":["
        "{\"type\":\"input_text\",\"text\":\"What is in this picture?\"},"
        "{\"type\":\"input_image\",\"image_url\":\"https://example.com/cat.png\",\"detail\":\"auto\"},"
        "{\"type\":\"input_file\",\"file_data\":\"data:text/plain;base64,aGk=\",\"filename\":\"a.txt\"}]},"
        "{\"id\":\"msg_02\",\"type\":\"message\",\"role\":\"user\",\"status\":\"completed\","
        "\"content\":[{\"type\":\"input_text\",\"text\":\"Thanks \\\"a lot\\\"\"}]},"
        "{\"type\":\"compaction\",\"id\":\"cmp_def\",\"encrypted_content\":\"" BLOB_ANN "\"}],"
        "\"usage\":{\"input_tokens\":160,\"input_tokens_details\":{\"cached_tokens\":3,\"cache_write_tokens\":0},"
        "\"output_tokens\":297,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":457}}");
    struct sy_json *root = parse(out.data); /* valid JSON */
    sy_json_free(root);

    /* No usage from the upstream: zeros (usage is required in the object); no user message. */
    struct sy_ir_request empty = { 0 };
    c.req = &empty;
    c.usage = NULL;
    sy_buf_reset(&out);
    assert_int_equal(sy_buf_append_cstr(&out, "> "), SY_OK);
    assert_int_equal(sy_responses_write_compaction(&out, &c), SY_OK);
    assert_string_equal(
        out.data,
        "> {\"id\":\"resp_abc\",\"object\":\"response.compaction\",\"created_at\":1775105432,\"output\":["
        "{\"type\":\"compaction\",\"id\":\"cmp_def\",\"encrypted_content\":\"" BLOB_ANN "\"}],"
        "\"usage\":{\"input_tokens\":0,\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0},"
        "\"output_tokens\":0,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":0}}");
    sy_buf_free(&out);

    /* A full buffer leaves out as it was. */
    sy_buf_init(&out, 64);
    assert_int_equal(sy_buf_append_cstr(&out, "keep"), SY_OK);
    assert_int_equal(sy_responses_write_compaction(&out, &c), SY_ETOOBIG);
    assert_string_equal(out.data, "keep");
    sy_buf_free(&out);
}

static void test_write_input_tokens(void **state)
{
    (void)state;
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    assert_int_equal(sy_responses_write_input_tokens(&out, 16), SY_OK);
    assert_string_equal(out.data, "{\"object\":\"response.input_tokens\",\"input_tokens\":16}");
    sy_buf_free(&out);
}

/* ------------------------------------------------------------------ compaction item as input */

typedef sy_status (*decode_fn)(struct sy_arena *a, const struct sy_json *root, struct sy_ir_request *req,
                               struct sy_dropped *dropped, struct sy_diag *diag);

struct decoded {
    struct sy_arena     *a;
    struct sy_json      *root;
    struct sy_ir_request req;
    struct sy_dropped    dropped;
    struct sy_diag       diag;
    sy_status            st;
};

static void decode_with(struct decoded *d, decode_fn fn, const char *body)
{
    d->a = sy_arena_new(4096);
    d->root = parse(body);
    sy_dropped_init(&d->dropped);
    sy_diag_clear(&d->diag);
    d->st = fn(d->a, d->root, &d->req, &d->dropped, &d->diag);
}

static void decoded_free(struct decoded *d)
{
    sy_dropped_free(&d->dropped);
    sy_json_free(d->root);
    sy_arena_free(d->a);
}

static void expect_fail(decode_fn fn, const char *body, const char *param, const char *code, const char *message)
{
    struct decoded d;
    decode_with(&d, fn, body);
    assert_int_equal(d.st, SY_EINVAL);
    assert_string_equal(d.diag.param, param);
    assert_string_equal(d.diag.code, code);
    assert_string_equal(d.diag.message, message);
    decoded_free(&d);
}

static void test_compaction_item_becomes_developer_message(void **state)
{
    (void)state;
    struct decoded d;
    decode_with(&d, sy_responses_decode_request,
                "{\"model\":\"m\",\"instructions\":\"Be kind.\",\"input\":["
                "{\"role\":\"user\",\"content\":\"Plan my trip\"},"
                "{\"type\":\"compaction\",\"id\":\"cmp_1\",\"encrypted_content\":\"" BLOB_ANN "\",\"created_by\":\"x\"},"
                "{\"role\":\"user\",\"content\":\"Which hotel?\"}]}");
    assert_int_equal(d.st, SY_OK);
    assert_int_equal(d.req.nitems, 3);
    const struct sy_ir_item *it = &d.req.items[1];
    assert_int_equal(it->kind, SY_ITEM_MESSAGE);
    assert_int_equal(it->role, SY_ROLE_DEVELOPER);
    assert_true(it->content_is_string);
    assert_true(sy_slice_eq_cstr(it->content_string, "Summary of the earlier conversation:\n" SUMMARY_ANN));
    assert_true(sy_slice_eq_cstr(it->id, "cmp_1"));
    assert_int_equal(d.dropped.count, 0);

    /* ... and reaches a chat upstream as a system message (generic) / developer message (OpenAI). */
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    struct sy_chat_encode_opts o = { .model = SY_LIT("up"), .dialect = SY_CHAT_GENERIC };
    assert_int_equal(sy_chat_encode_request(&d.req, &o, &out, &d.dropped, &d.diag), SY_OK);
    assert_string_equal(out.data,
                        "{\"model\":\"up\",\"messages\":[{\"role\":\"system\",\"content\":\"Be kind.\"},"
                        "{\"role\":\"user\",\"content\":\"Plan my trip\"},"
                        "{\"role\":\"system\",\"content\":\"Summary of the earlier conversation:\\nUser: Ann.\\n"
                        "\\\"Paris\\\" trip, open: hotel.\"},"
                        "{\"role\":\"user\",\"content\":\"Which hotel?\"}]}");
    sy_buf_reset(&out);
    o.dialect = SY_CHAT_OPENAI;
    assert_int_equal(sy_chat_encode_request(&d.req, &o, &out, &d.dropped, &d.diag), SY_OK);
    assert_non_null(strstr(out.data, "{\"role\":\"developer\",\"content\":\"Summary of the earlier conversation:"));
    sy_buf_free(&out);
    decoded_free(&d);

    /* The compact endpoint reads its own output back the same way. */
    decode_with(&d, sy_responses_decode_compact,
                "{\"model\":\"m\",\"input\":[{\"type\":\"compaction\",\"encrypted_content\":\"" BLOB_ANN "\"}]}");
    assert_int_equal(d.st, SY_OK);
    assert_int_equal(d.req.nitems, 1);
    assert_int_equal(d.req.items[0].role, SY_ROLE_DEVELOPER);
    decoded_free(&d);
}

static void test_foreign_compaction_item_refused(void **state)
{
    (void)state;
    expect_fail(sy_responses_decode_request,
                "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
                "{\"type\":\"compaction\",\"id\":\"cmp_06c6\",\"encrypted_content\":"
                "\"gAAAAABpzfWYTCgQWp70FeVbtF1vLlPyb51sDfF8lYGEDyKsG2HYnq1WDR2r7Gtu8P2My\"}]}",
                "input[1].encrypted_content", "unsupported_value", foreign_msg);
    expect_fail(sy_responses_decode_compact,
                "{\"model\":\"m\",\"input\":[{\"type\":\"compaction\",\"encrypted_content\":\"sy1:!!!!\"}]}",
                "input[0].encrypted_content", "unsupported_value", foreign_msg);
    expect_fail(sy_responses_decode_input_tokens,
                "{\"model\":\"m\",\"input\":[{\"type\":\"compaction\",\"encrypted_content\":\"opaque\"}]}",
                "input[0].encrypted_content", "unsupported_value", foreign_msg);
}

/* ------------------------------------------------------------------ body decoders */

static void test_decode_input_tokens(void **state)
{
    (void)state;
    struct decoded d;
    decode_with(&d, sy_responses_decode_input_tokens,
                "{\"model\":\"m\",\"input\":\"hi\",\"instructions\":\"sys\",\"personality\":\"friendly\","
                "\"tools\":[{\"type\":\"function\",\"name\":\"f\"}],\"tool_choice\":\"auto\","
                "\"parallel_tool_calls\":false,\"reasoning\":{\"effort\":\"low\"},"
                "\"text\":{\"format\":{\"type\":\"json_object\"}},\"truncation\":\"auto\"}");
    assert_int_equal(d.st, SY_OK);
    assert_true(sy_slice_eq_cstr(d.req.model, "m"));
    assert_int_equal(d.req.nitems, 1);
    assert_int_equal(d.req.ntools, 1);
    assert_int_equal(d.req.tool_choice, SY_TC_AUTO);
    assert_int_equal(d.req.parallel_tool_calls, 0);
    assert_true(sy_slice_eq_cstr(d.req.reasoning_effort, "low"));
    assert_int_equal(d.req.format, SY_FMT_JSON_OBJECT);
    assert_int_equal(d.req.max_output_tokens, -1);
    assert_string_equal(d.dropped.names.data, "personality");
    decoded_free(&d);

    expect_fail(sy_responses_decode_input_tokens, "{\"model\":\"m\",\"stream\":true}", "stream", "unknown_parameter",
                "Unrecognized request argument supplied: stream");
    expect_fail(sy_responses_decode_input_tokens, "{\"model\":\"m\",\"max_output_tokens\":20}", "max_output_tokens",
                "unknown_parameter", "Unrecognized request argument supplied: max_output_tokens");
    expect_fail(sy_responses_decode_input_tokens, "{\"input\":\"hi\"}", "model", "missing_required_parameter",
                "Missing required parameter: 'model'.");
    expect_fail(sy_responses_decode_input_tokens, "{\"model\":\"m\",\"personality\":3}", "personality", "invalid_type",
                "Invalid type for 'personality': expected a string, but got an integer instead.");
    expect_fail(sy_responses_decode_input_tokens,
                "{\"model\":\"m\",\"personality\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
                "personality", "string_above_max_length",
                "Invalid 'personality': string too long. Expected a string with maximum length 64, but got a string "
                "with length 65 instead.");
    expect_fail(sy_responses_decode_input_tokens, "{\"model\":\"m\",\"truncation\":\"never\"}", "truncation",
                "invalid_value", "Invalid value: 'never'. Supported values are: 'auto' and 'disabled'.");
}

static void test_decode_compact(void **state)
{
    (void)state;
    struct decoded d;
    decode_with(&d, sy_responses_decode_compact,
                "{\"model\":\"m\",\"instructions\":\"sys\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"},"
                "{\"role\":\"assistant\",\"content\":\"hello\"}],\"prompt_cache_key\":\"k\","
                "\"prompt_cache_retention\":\"24h\",\"prompt_cache_options\":{},\"service_tier\":\"flex\","
                "\"previous_response_id\":null}");
    assert_int_equal(d.st, SY_OK);
    assert_int_equal(d.req.nitems, 2);
    assert_true(sy_slice_eq_cstr(d.req.instructions, "sys"));
    assert_true(sy_slice_eq_cstr(d.req.prompt_cache_key, "k"));
    assert_true(sy_slice_eq_cstr(d.req.service_tier, "flex"));
    assert_string_equal(d.dropped.names.data, "prompt_cache_retention, prompt_cache_options");
    decoded_free(&d);

    decode_with(&d, sy_responses_decode_compact, "{\"model\":\"m\",\"previous_response_id\":\"resp_1\"}");
    assert_int_equal(d.st, SY_OK); /* decoded; the endpoint refuses it for chat upstreams */
    assert_true(sy_slice_eq_cstr(d.req.previous_response_id, "resp_1"));
    decoded_free(&d);

    expect_fail(sy_responses_decode_compact, "{\"model\":\"m\",\"tools\":[]}", "tools", "unknown_parameter",
                "Unrecognized request argument supplied: tools");
    expect_fail(sy_responses_decode_compact, "{\"model\":\"m\",\"personality\":\"friendly\"}", "personality",
                "unknown_parameter", "Unrecognized request argument supplied: personality");
    expect_fail(sy_responses_decode_compact, "{\"input\":[]}", "model", "missing_required_parameter",
                "Missing required parameter: 'model'.");
    /* personality is not a create parameter either */
    expect_fail(sy_responses_decode_request, "{\"model\":\"m\",\"personality\":\"friendly\"}", "personality",
                "unknown_parameter", "Unrecognized request argument supplied: personality");
}

static void test_compact_instruction(void **state)
{
    (void)state;
    sy_slice s = sy_responses_compact_instruction();
    assert_true(s.len > 200);
    assert_int_equal(s.ptr[s.len], '\0');
    assert_true(strncmp(s.ptr, "Summarize the conversation above", 32) == 0);
    assert_non_null(strstr(s.ptr, "tool"));
    assert_non_null(strstr(s.ptr, "preference"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blob_encode_exact),
        cmocka_unit_test(test_blob_round_trip),
        cmocka_unit_test(test_blob_decode_refuses),
        cmocka_unit_test(test_write_compaction_exact),
        cmocka_unit_test(test_write_input_tokens),
        cmocka_unit_test(test_compaction_item_becomes_developer_message),
        cmocka_unit_test(test_foreign_compaction_item_refused),
        cmocka_unit_test(test_decode_input_tokens),
        cmocka_unit_test(test_decode_compact),
        cmocka_unit_test(test_compact_instruction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
