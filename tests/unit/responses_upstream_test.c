/* Unit tests for the upstream side of the Responses codec (a chat client in front of a Responses
 * upstream), request direction: IR requests built here → exact `POST /v1/responses` bytes,
 * dropped lists, unsupported-value failures, and a round trip through the Responses decoder.
 * The decoders are tested in responses_upstream_decode_test.c. */
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
#include "translate/responses.h"
#include "translate/checked.h"
#include "translate/responses_upstream.h"

/* ------------------------------------------------------------------ request encoder */

static void req_init(struct sy_ir_request *r)
{
    sy_chk_request_init(r);
    r->model = SY_LIT("client-model");
}

static struct sy_ir_item msg_str(enum sy_ir_role role, const char *text)
{
    return (struct sy_ir_item){ .kind = SY_ITEM_MESSAGE, .role = role, .content_is_string = true,
                                .content_string = sy_slice_cstr(text) };
}

static struct sy_ir_item msg_parts(enum sy_ir_role role, struct sy_ir_part *parts, size_t n)
{
    return (struct sy_ir_item){ .kind = SY_ITEM_MESSAGE, .role = role, .parts = parts, .nparts = n };
}

static struct sy_ir_item fcall(const char *call_id, const char *name, const char *args)
{
    return (struct sy_ir_item){ .kind = SY_ITEM_FUNCTION_CALL, .call_id = sy_slice_cstr(call_id),
                                .name = sy_slice_cstr(name), .arguments = sy_slice_cstr(args) };
}

static struct sy_ir_item fout(const char *call_id, const char *output)
{
    return (struct sy_ir_item){ .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = sy_slice_cstr(call_id),
                                .output = sy_slice_cstr(output) };
}

static struct sy_ir_part text_part(const char *t)
{
    return (struct sy_ir_part){ .kind = SY_PART_TEXT, .text = sy_slice_cstr(t) };
}

/* Encode; compare the exact bytes and the dropped list ("" = none); the body must parse. */
static void expect_encode_opts(const struct sy_ir_request *r, const struct sy_responses_request_opts *o,
                               const char *json, const char *dropped)
{
    struct sy_buf out;
    struct sy_dropped dr;
    struct sy_diag diag;
    sy_buf_init(&out, 1 << 20);
    sy_dropped_init(&dr);
    sy_diag_clear(&diag);
    assert_int_equal(sy_responses_encode_request(r, o, &out, &dr, &diag), SY_OK);
    assert_string_equal(out.data, json);
    assert_string_equal(dr.names.data ? dr.names.data : "", dropped);
    struct sy_json *root = NULL;
    assert_int_equal(sy_json_parse(sy_buf_slice(&out), &root, &diag), SY_OK);
    sy_json_free(root);
    sy_buf_free(&out);
    sy_dropped_free(&dr);
}

static void expect_encode(const struct sy_ir_request *r, bool stream, const char *json)
{
    struct sy_responses_request_opts o = { .model = SY_LIT("up-model"), .stream = stream };
    expect_encode_opts(r, &o, json, "");
}

static void test_request_minimal(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_item items[] = { msg_str(SY_ROLE_USER, "What is the capital of France?") };
    r.items = items;
    r.nitems = 1;
    expect_encode(&r, false,
                  "{\"model\":\"up-model\",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":"
                  "\"What is the capital of France?\"}],\"store\":false,\"stream\":false}");
    /* no upstream model in the options: the IR's */
    struct sy_responses_request_opts o = { .stream = true };
    expect_encode_opts(&r, &o,
                       "{\"model\":\"client-model\",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":"
                       "\"What is the capital of France?\"}],\"store\":false,\"stream\":true}",
                       "");
    /* store: -1 and 0 → false, 1 → true; nothing at all → empty input */
    r.store = 0;
    r.nitems = 0;
    expect_encode(&r, false, "{\"model\":\"up-model\",\"input\":[],\"store\":false,\"stream\":false}");
    r.store = 1;
    expect_encode(&r, false, "{\"model\":\"up-model\",\"input\":[],\"store\":true,\"stream\":false}");
}

/* A whole tool loop with every kind of item and content part. */
static void test_request_items(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_part dev[] = { text_part("Be brief."), text_part("Use tools.") };
    struct sy_ir_part user[] = {
        text_part("Look:"),
        { .kind = SY_PART_IMAGE, .image_url = SY_LIT("https://x/cat.png"), .detail = SY_LIT("low") },
        { .kind = SY_PART_IMAGE, .image_url = SY_LIT("data:image/png;base64,AAAA") },
        { .kind = SY_PART_IMAGE, .file_id = SY_LIT("file-img") },
        { .kind = SY_PART_FILE, .file_data = SY_LIT("data:application/pdf;base64,JVBE"), .filename = SY_LIT("a.pdf") },
        { .kind = SY_PART_FILE, .file_id = SY_LIT("file-1") },
    };
    struct sy_ir_part said[] = {
        { .kind = SY_PART_TEXT, .text = SY_LIT("Sorry,"),
          .annotations = SY_LIT("[{\"type\":\"url_citation\",\"start_index\":0,\"end_index\":1,\"title\":\"t\","
                                "\"url\":\"https://u\"}]") },
        { .kind = SY_PART_REFUSAL, .text = SY_LIT("I can't.") },
    };
    struct sy_ir_part empty[] = { text_part("") };
    struct sy_ir_part outp[] = { text_part("see "), { .kind = SY_PART_IMAGE, .image_url = SY_LIT("https://x/y.png") } };
    struct sy_ir_item items[] = {
        msg_str(SY_ROLE_SYSTEM, "You are terse."),
        msg_parts(SY_ROLE_DEVELOPER, dev, 2),
        msg_parts(SY_ROLE_USER, user, 6),
        msg_str(SY_ROLE_ASSISTANT, "Let me check."),
        fcall("call_1", "get_location", "{\"loc_name\":\"Londos\"}"),
        fcall("call_2", "get_location", "{\"loc_name\":\"London\"}"),
        fout("call_1", "Wrong location"),
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("call_2"), .parts = outp, .nparts = 2 },
        msg_parts(SY_ROLE_ASSISTANT, said, 2),
        msg_str(SY_ROLE_ASSISTANT, ""),          /* nothing to say: left out */
        msg_parts(SY_ROLE_ASSISTANT, empty, 1),  /* likewise */
        fcall("call_3", "noop", "{}"),
        fout("call_3", ""),
        { .kind = SY_ITEM_REASONING, .reasoning_text = SY_LIT("raw thoughts") }, /* skipped */
        { .kind = SY_ITEM_REASONING, .id = SY_LIT("rs_1"), .summary_text = SY_LIT("Thought."),
          .encrypted_content = SY_LIT("gAAAA") },
        { .kind = SY_ITEM_REASONING, .encrypted_content = SY_LIT("gBBBB") },
        msg_str(SY_ROLE_USER, "Thanks"),
    };
    r.items = items;
    r.nitems = sizeof items / sizeof items[0];
    expect_encode(&r, true,
                  "{\"model\":\"up-model\",\"input\":["
                  "{\"type\":\"message\",\"role\":\"system\",\"content\":\"You are terse.\"},"
                  "{\"type\":\"message\",\"role\":\"developer\",\"content\":[{\"type\":\"input_text\",\"text\":"
                  "\"Be brief.\"},{\"type\":\"input_text\",\"text\":\"Use tools.\"}]},"
                  "{\"type\":\"message\",\"role\":\"user\",\"content\":["
                  "{\"type\":\"input_text\",\"text\":\"Look:\"},"
                  "{\"type\":\"input_image\",\"image_url\":\"https://x/cat.png\",\"detail\":\"low\"},"
                  "{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\",\"detail\":\"auto\"},"
                  "{\"type\":\"input_image\",\"file_id\":\"file-img\",\"detail\":\"auto\"},"
                  "{\"type\":\"input_file\",\"file_data\":\"data:application/pdf;base64,JVBE\",\"filename\":\"a.pdf\"},"
                  "{\"type\":\"input_file\",\"file_id\":\"file-1\"}]},"
                  "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
                  "\"Let me check.\",\"annotations\":[]}]},"
                  "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"get_location\",\"arguments\":"
                  "\"{\\\"loc_name\\\":\\\"Londos\\\"}\"},"
                  "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"get_location\",\"arguments\":"
                  "\"{\\\"loc_name\\\":\\\"London\\\"}\"},"
                  "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"Wrong location\"},"
                  "{\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":[{\"type\":\"input_text\","
                  "\"text\":\"see \"},{\"type\":\"input_image\",\"image_url\":\"https://x/y.png\",\"detail\":\"auto\"}]},"
                  "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
                  "\"Sorry,\",\"annotations\":[{\"type\":\"url_citation\",\"start_index\":0,\"end_index\":1,"
                  "\"title\":\"t\",\"url\":\"https://u\"}]},{\"type\":\"refusal\",\"refusal\":\"I can't.\"}]},"
                  "{\"type\":\"function_call\",\"call_id\":\"call_3\",\"name\":\"noop\",\"arguments\":\"{}\"},"
                  "{\"type\":\"function_call_output\",\"call_id\":\"call_3\",\"output\":\"\"},"
                  "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":\"summary_text\",\"text\":"
                  "\"Thought.\"}],\"encrypted_content\":\"gAAAA\"},"
                  "{\"type\":\"reasoning\",\"summary\":[],\"encrypted_content\":\"gBBBB\"},"
                  "{\"type\":\"message\",\"role\":\"user\",\"content\":\"Thanks\"}],"
                  "\"store\":false,\"stream\":true}");
}

static void test_request_params(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_item items[] = { msg_str(SY_ROLE_USER, "Hi") };
    struct sy_ir_tool tools[] = {
        { .name = SY_LIT("get_capital"), .description = SY_LIT("Capital of a country"),
          .parameters = SY_LIT("{\"type\":\"object\",\"properties\":{\"country\":{\"type\":\"string\"}}}"),
          .strict = -1 },
        { .name = SY_LIT("strict_one"), .parameters = SY_LIT("{\"type\":\"object\"}"), .strict = 1 },
        { .name = SY_LIT("no_params"), .strict = 0 },
    };
    r.items = items;
    r.nitems = 1;
    r.tools = tools;
    r.ntools = 3;
    r.tool_choice = SY_TC_FUNCTION;
    r.tool_choice_name = SY_LIT("get_capital");
    r.parallel_tool_calls = 0;
    r.format = SY_FMT_JSON_SCHEMA;
    r.format_name = SY_LIT("answer");
    r.format_description = SY_LIT("The answer");
    r.format_schema = SY_LIT("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}");
    r.verbosity = SY_LIT("low");
    r.reasoning_effort = SY_LIT("minimal");
    r.max_output_tokens = 256;
    r.has_temperature = r.has_top_p = r.has_presence_penalty = r.has_frequency_penalty = true;
    r.temperature = SY_LIT("0.2");
    r.top_p = SY_LIT("1");
    r.presence_penalty = SY_LIT("-0.5");
    r.frequency_penalty = SY_LIT("1.0e-1");
    r.want_logprobs = true;
    r.top_logprobs = 3;
    r.metadata = SY_LIT("{\"k\":\"v\"}");
    r.user = SY_LIT("u-1");
    r.safety_identifier = SY_LIT("sid");
    r.prompt_cache_key = SY_LIT("pck");
    r.service_tier = SY_LIT("flex");
    r.previous_response_id = SY_LIT("resp_prev");
    r.store = 1;
    expect_encode(&r, true,
                  "{\"model\":\"up-model\",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Hi\"}],"
                  "\"tools\":[{\"type\":\"function\",\"name\":\"get_capital\",\"description\":\"Capital of a country\","
                  "\"parameters\":{\"type\":\"object\",\"properties\":{\"country\":{\"type\":\"string\"}}},"
                  "\"strict\":false},"
                  "{\"type\":\"function\",\"name\":\"strict_one\",\"parameters\":{\"type\":\"object\"},\"strict\":true},"
                  "{\"type\":\"function\",\"name\":\"no_params\",\"parameters\":{\"type\":\"object\",\"properties\":{}},"
                  "\"strict\":false}],"
                  "\"tool_choice\":{\"type\":\"function\",\"name\":\"get_capital\"},\"parallel_tool_calls\":false,"
                  "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"answer\",\"description\":\"The answer\","
                  "\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}},\"strict\":false},"
                  "\"verbosity\":\"low\"},"
                  "\"reasoning\":{\"effort\":\"minimal\"},\"max_output_tokens\":256,\"temperature\":0.2,\"top_p\":1,"
                  "\"presence_penalty\":-0.5,\"frequency_penalty\":1.0e-1,"
                  "\"include\":[\"message.output_text.logprobs\"],\"top_logprobs\":3,\"metadata\":{\"k\":\"v\"},"
                  "\"user\":\"u-1\",\"safety_identifier\":\"sid\",\"prompt_cache_key\":\"pck\",\"service_tier\":\"flex\","
                  "\"previous_response_id\":\"resp_prev\",\"store\":true,\"stream\":true}");

}

/* The other tool_choice and format forms; strict json_schema; verbosity and summary alone. */
static void test_request_forms(void **state)
{
    (void)state;
    struct sy_ir_item items[] = { msg_str(SY_ROLE_USER, "Hi") };
    struct sy_ir_tool tool = { .name = SY_LIT("no_params"), .strict = 0 };
    static const char head[] = "{\"model\":\"up-model\",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":"
                               "\"Hi\"}],\"tools\":[{\"type\":\"function\",\"name\":\"no_params\",\"parameters\":"
                               "{\"type\":\"object\",\"properties\":{}},\"strict\":false}],";
    struct sy_ir_request q;
    req_init(&q);
    q.items = items;
    q.nitems = 1;
    q.tools = &tool;
    q.ntools = 1;
    char want[2048];
    static const struct {
        enum sy_ir_tool_choice tc;
        enum sy_ir_format fmt;
        const char *tail;
    } cases[] = {
        { SY_TC_AUTO, SY_FMT_TEXT, "\"tool_choice\":\"auto\",\"text\":{\"format\":{\"type\":\"text\"}}," },
        { SY_TC_NONE, SY_FMT_JSON_OBJECT, "\"tool_choice\":\"none\",\"text\":{\"format\":{\"type\":\"json_object\"}}," },
        { SY_TC_REQUIRED, SY_FMT_JSON_SCHEMA, /* no schema: json_object */
          "\"tool_choice\":\"required\",\"text\":{\"format\":{\"type\":\"json_object\"}}," },
        { SY_TC_UNSET, SY_FMT_UNSET, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        q.tool_choice = cases[i].tc;
        q.format = cases[i].fmt;
        snprintf(want, sizeof want, "%s%s\"store\":false,\"stream\":false}", head, cases[i].tail);
        expect_encode(&q, false, want);
    }
    sy_slice allowed[] = { SY_LIT("no_params"), SY_LIT("other") };
    q.tool_choice = SY_TC_ALLOWED;
    q.allowed_mode = SY_TC_REQUIRED;
    q.allowed_names = allowed;
    q.nallowed = 2;
    q.format = SY_FMT_JSON_SCHEMA;
    q.format_name = SY_LIT("s");
    q.format_schema = SY_LIT("{}");
    q.format_strict = 1;
    q.verbosity = SY_LIT("high");
    q.reasoning_summary = SY_LIT("auto");
    q.max_tool_calls = 2;
    q.truncation = SY_LIT("auto");
    q.top_logprobs = 0;
    snprintf(want, sizeof want,
             "%s\"tool_choice\":{\"type\":\"allowed_tools\",\"mode\":\"required\",\"tools\":[{\"type\":\"function\","
             "\"name\":\"no_params\"},{\"type\":\"function\",\"name\":\"other\"}]},"
             "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"s\",\"schema\":{},\"strict\":true},"
             "\"verbosity\":\"high\"},\"reasoning\":{\"summary\":\"auto\"},\"max_tool_calls\":2,\"top_logprobs\":0,"
             "\"truncation\":\"auto\",\"store\":false,\"stream\":false}",
             head);
    expect_encode(&q, false, want);
    q.allowed_mode = SY_TC_AUTO;
    q.nallowed = 0;
    q.format = SY_FMT_UNSET;
    q.verbosity = SY_LIT("");
    q.reasoning_summary = SY_LIT("");
    q.max_tool_calls = -1;
    q.truncation = SY_LIT("");
    q.top_logprobs = -1;
    q.tools = NULL;
    q.ntools = 0;
    q.conversation = SY_LIT("conv_1");
    q.background = true;
    struct sy_responses_request_opts o = { .model = SY_LIT("up-model") };
    expect_encode_opts(&q, &o,
                       "{\"model\":\"up-model\",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"tool_choice\":{\"type\":\"allowed_tools\",\"mode\":\"auto\",\"tools\":[]},"
                       "\"store\":false,\"stream\":false}",
                       "conversation, background");
}

static void test_request_instructions(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_part dev[] = { text_part("Line \"one\""), text_part("Line two") };
    struct sy_ir_item items[] = {
        msg_str(SY_ROLE_SYSTEM, "You are terse."),
        msg_str(SY_ROLE_USER, "Hi"),
        msg_parts(SY_ROLE_DEVELOPER, dev, 2),
    };
    r.items = items;
    r.nitems = 3;
    struct sy_responses_request_opts o = { .model = SY_LIT("m"), .system_as_instructions = true };
    expect_encode_opts(&r, &o,
                       "{\"model\":\"m\",\"instructions\":\"You are terse.\\n\\nLine \\\"one\\\"\\n\\nLine two\","
                       "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"store\":false,\"stream\":false}",
                       "");
    r.instructions = SY_LIT("Base.");
    expect_encode_opts(&r, &o,
                       "{\"model\":\"m\",\"instructions\":\"Base.\\n\\nYou are terse.\\n\\nLine \\\"one\\\"\\n\\nLine two\","
                       "\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"store\":false,\"stream\":false}",
                       "");
    /* not hoisting: the IR's own instructions, system messages stay items */
    o.system_as_instructions = false;
    r.nitems = 2;
    expect_encode_opts(&r, &o,
                       "{\"model\":\"m\",\"instructions\":\"Base.\",\"input\":[{\"type\":\"message\",\"role\":\"system\","
                       "\"content\":\"You are terse.\"},{\"type\":\"message\",\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"store\":false,\"stream\":false}",
                       "");
    /* hoisting with no system message and no instructions: no key */
    o.system_as_instructions = true;
    r.instructions = SY_LIT("");
    r.items = &items[1];
    r.nitems = 1;
    expect_encode_opts(&r, &o,
                       "{\"model\":\"m\",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"store\":false,\"stream\":false}",
                       "");
}

static void expect_encode_fail(const struct sy_ir_request *r, bool hoist, const char *message)
{
    struct sy_responses_request_opts o = { .model = SY_LIT("m"), .system_as_instructions = hoist };
    struct sy_buf out;
    struct sy_diag diag;
    sy_buf_init(&out, 1 << 20);
    sy_diag_clear(&diag);
    assert_int_equal(sy_buf_append_cstr(&out, "keep"), SY_OK);
    assert_int_equal(sy_responses_encode_request(r, &o, &out, NULL, &diag), SY_EINVAL);
    assert_string_equal(out.data, "keep");
    assert_string_equal(diag.message, message);
    assert_string_equal(diag.param, "messages");
    assert_string_equal(diag.code, "unsupported_value");
    sy_buf_free(&out);
}

static void test_request_errors(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_part refusal[] = { { .kind = SY_PART_REFUSAL, .text = SY_LIT("no") } };
    struct sy_ir_part image[] = { text_part("a"), { .kind = SY_PART_IMAGE, .image_url = SY_LIT("https://x") } };
    struct sy_ir_item items[] = { msg_parts(SY_ROLE_USER, refusal, 1) };
    r.items = items;
    r.nitems = 1;
    expect_encode_fail(&r, false, "a refusal part outside an assistant message cannot be sent to a Responses upstream");
    items[0] = msg_parts(SY_ROLE_ASSISTANT, image, 2);
    expect_encode_fail(&r, false, "an image or file in an assistant message cannot be sent to a Responses upstream");
    items[0] = msg_parts(SY_ROLE_SYSTEM, image, 2);
    expect_encode_fail(&r, true,
                       "an image or file in a system message hoisted into instructions cannot be sent to a Responses "
                       "upstream");
    items[0] = (struct sy_ir_item){ .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("c"), .parts = refusal,
                                    .nparts = 1 };
    expect_encode_fail(&r, false, "a refusal part outside an assistant message cannot be sent to a Responses upstream");

    /* a full buffer: SY_ETOOBIG, nothing written */
    items[0] = msg_str(SY_ROLE_USER, "a long enough message");
    struct sy_responses_request_opts o = { .model = SY_LIT("m") };
    struct sy_buf out;
    sy_buf_init(&out, 32);
    assert_int_equal(sy_responses_encode_request(&r, &o, &out, NULL, NULL), SY_ETOOBIG);
    assert_int_equal(out.len, 0);
    sy_buf_free(&out);
}

/* What the encoder writes is a request the Responses decoder accepts, with the same meaning. */
static void test_request_roundtrip(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_part said[] = { text_part("Hello"), { .kind = SY_PART_REFUSAL, .text = SY_LIT("No.") } };
    struct sy_ir_item items[] = {
        msg_str(SY_ROLE_DEVELOPER, "Be nice."), msg_str(SY_ROLE_USER, "Hi"), msg_parts(SY_ROLE_ASSISTANT, said, 2),
        fcall("call_1", "f", "{}"), fout("call_1", "ok"),
    };
    struct sy_ir_tool tool = { .name = SY_LIT("f"), .strict = -1 };
    r.items = items;
    r.nitems = 5;
    r.tools = &tool;
    r.ntools = 1;
    r.tool_choice = SY_TC_REQUIRED;
    r.want_logprobs = true;
    r.top_logprobs = 2;
    r.max_output_tokens = 100;
    struct sy_responses_request_opts o = { .model = SY_LIT("m"), .stream = true };
    struct sy_buf out;
    struct sy_diag diag;
    struct sy_dropped dr;
    sy_buf_init(&out, 1 << 20);
    sy_diag_clear(&diag);
    sy_dropped_init(&dr);
    assert_int_equal(sy_responses_encode_request(&r, &o, &out, &dr, &diag), SY_OK);
    struct sy_json *root = NULL;
    assert_int_equal(sy_json_parse(sy_buf_slice(&out), &root, &diag), SY_OK);
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_ir_request back;
    assert_int_equal(sy_responses_decode_request(a, root, &back, &dr, &diag), SY_OK);
    assert_int_equal(back.nitems, 5);
    assert_int_equal(back.items[0].role, SY_ROLE_DEVELOPER);
    assert_int_equal(back.items[2].nparts, 2);
    assert_int_equal(back.items[2].parts[1].kind, SY_PART_REFUSAL);
    assert_int_equal(back.items[3].kind, SY_ITEM_FUNCTION_CALL);
    assert_int_equal(back.items[4].kind, SY_ITEM_FUNCTION_CALL_OUTPUT);
    assert_int_equal(back.tools[0].strict, 0);
    assert_int_equal(back.tool_choice, SY_TC_REQUIRED);
    assert_true(back.want_logprobs);
    assert_int_equal(back.top_logprobs, 2);
    assert_int_equal(back.max_output_tokens, 100);
    assert_int_equal(back.store, 0);
    assert_true(back.stream);
    assert_int_equal(sy_responses_check_call_ids(&back, &diag), SY_OK);
    sy_arena_free(a);
    sy_json_free(root);
    sy_dropped_free(&dr);
    sy_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_minimal),
        cmocka_unit_test(test_request_items),
        cmocka_unit_test(test_request_params),
        cmocka_unit_test(test_request_forms),
        cmocka_unit_test(test_request_instructions),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_request_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
