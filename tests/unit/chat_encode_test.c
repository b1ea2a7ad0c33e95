/* Unit tests for the Chat Completions request encoder: exact bytes and dropped-parameter lists
 * for IR requests built here, both dialects, and the unsupported-value failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "json/json.h"
#include "translate/chat.h"
#include "translate/checked.h"

/* ------------------------------------------------------------------ encoder helpers */

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

static struct sy_ir_part image_part(const char *url, const char *detail)
{
    return (struct sy_ir_part){ .kind = SY_PART_IMAGE, .image_url = sy_slice_cstr(url), .detail = sy_slice_cstr(detail) };
}

/* Encode and compare the exact bytes and the dropped list ("" = none). */
static void expect_encode(const struct sy_ir_request *r, enum sy_chat_dialect d, bool stream, const char *json,
                          const char *dropped)
{
    struct sy_chat_encode_opts o = { .model = SY_LIT("up-model"), .stream = stream, .dialect = d };
    struct sy_buf out;
    struct sy_dropped dr;
    struct sy_diag diag;
    sy_buf_init(&out, 1 << 20);
    sy_dropped_init(&dr);
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_encode_request(r, &o, &out, &dr, &diag), SY_OK);
    assert_string_equal(out.data, json);
    assert_string_equal(dr.names.data ? dr.names.data : "", dropped);
    struct sy_json *root = NULL;
    assert_int_equal(sy_json_parse(sy_buf_slice(&out), &root, &diag), SY_OK);
    sy_json_free(root);
    sy_dropped_free(&dr);
    sy_buf_free(&out);
}

/* Encoding must fail with SY_EINVAL naming `param`, and leave the output buffer as it was. */
static void expect_encode_fail(const struct sy_ir_request *r, enum sy_chat_dialect d, const char *param)
{
    struct sy_chat_encode_opts o = { .model = SY_LIT("up-model"), .dialect = d };
    struct sy_buf out;
    struct sy_dropped dr;
    struct sy_diag diag;
    sy_buf_init(&out, 1 << 20);
    assert_int_equal(sy_buf_append_cstr(&out, "keep"), SY_OK);
    sy_dropped_init(&dr);
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_encode_request(r, &o, &out, &dr, &diag), SY_EINVAL);
    assert_string_equal(diag.param, param);
    assert_string_equal(diag.code, "unsupported_value");
    assert_true(diag.message[0] != '\0');
    assert_string_equal(out.data, "keep");
    sy_dropped_free(&dr);
    sy_buf_free(&out);
}

/* ------------------------------------------------------------------ encoder tests */

static void test_encode_minimal(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_item items[] = { msg_str(SY_ROLE_USER, "Hi \"there\"\n") };
    r.instructions = SY_LIT("Be brief.");
    r.items = items;
    r.nitems = 1;
    expect_encode(&r, SY_CHAT_GENERIC, false,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                  "{\"role\":\"user\",\"content\":\"Hi \\\"there\\\"\\n\"}]}",
                  "");
    expect_encode(&r, SY_CHAT_OPENAI, true,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                  "{\"role\":\"user\",\"content\":\"Hi \\\"there\\\"\\n\"}],"
                  "\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                  "");
}

/* One request with every parameter set, plus every gateway-owned field. */
static void full_request(struct sy_ir_request *r, struct sy_ir_item *item, struct sy_ir_tool *tools,
                         sy_slice *allowed)
{
    req_init(r);
    *item = msg_str(SY_ROLE_USER, "go");
    r->items = item;
    r->nitems = 1;
    tools[0] = (struct sy_ir_tool){ .name = SY_LIT("get_weather"), .description = SY_LIT("Weather"),
                                    .parameters = SY_LIT("{\"type\":\"object\",\"properties\":{}}"), .strict = 1 };
    tools[1] = (struct sy_ir_tool){ .name = SY_LIT("noargs"), .strict = -1 };
    tools[2] = (struct sy_ir_tool){ .name = SY_LIT("other"), .strict = 0 };
    r->tools = tools;
    r->ntools = 3;
    allowed[0] = SY_LIT("get_weather");
    allowed[1] = SY_LIT("noargs");
    r->tool_choice = SY_TC_ALLOWED;
    r->allowed_mode = SY_TC_REQUIRED;
    r->allowed_names = allowed;
    r->nallowed = 2;
    r->parallel_tool_calls = 0;
    r->format = SY_FMT_JSON_SCHEMA;
    r->format_name = SY_LIT("result");
    r->format_description = SY_LIT("The result");
    r->format_schema = SY_LIT("{\"type\":\"object\"}");
    r->format_strict = 1;
    r->verbosity = SY_LIT("low");
    r->reasoning_effort = SY_LIT("high");
    r->reasoning_summary = SY_LIT("auto");
    r->max_output_tokens = 256;
    r->has_temperature = r->has_top_p = r->has_presence_penalty = r->has_frequency_penalty = true;
    r->temperature = SY_LIT("0.70");
    r->top_p = SY_LIT("1");
    r->presence_penalty = SY_LIT("-0.5");
    r->frequency_penalty = SY_LIT("1e-1");
    r->want_logprobs = true;
    r->top_logprobs = 3;
    r->user = SY_LIT("u1");
    r->safety_identifier = SY_LIT("s1");
    r->prompt_cache_key = SY_LIT("k1");
    r->service_tier = SY_LIT("flex");
    /* gateway-owned: never forwarded, never reported */
    r->metadata = SY_LIT("{\"a\":\"b\"}");
    r->store = 1;
    r->background = true;
    r->previous_response_id = SY_LIT("resp_1");
    r->conversation = SY_LIT("conv_1");
    r->truncation = SY_LIT("auto");
    r->max_tool_calls = 5;
    r->include = SY_LIT("[\"message.output_text.logprobs\"]");
    r->stream = true;
}

static void test_encode_params_openai(void **state)
{
    (void)state;
    struct sy_ir_request r;
    struct sy_ir_item item;
    struct sy_ir_tool tools[3];
    sy_slice allowed[2];
    full_request(&r, &item, tools, allowed);
    expect_encode(&r, SY_CHAT_OPENAI, true,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],"
                  "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
                  "\"parameters\":{\"type\":\"object\",\"properties\":{}},\"strict\":true}},"
                  "{\"type\":\"function\",\"function\":{\"name\":\"noargs\"}},"
                  "{\"type\":\"function\",\"function\":{\"name\":\"other\",\"strict\":false}}],"
                  "\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"required\",\"tools\":["
                  "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
                  "{\"type\":\"function\",\"function\":{\"name\":\"noargs\"}}]}},"
                  "\"parallel_tool_calls\":false,"
                  "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"result\","
                  "\"description\":\"The result\",\"schema\":{\"type\":\"object\"},\"strict\":true}},"
                  "\"verbosity\":\"low\",\"reasoning_effort\":\"high\",\"max_completion_tokens\":256,"
                  "\"temperature\":0.70,\"top_p\":1,\"presence_penalty\":-0.5,\"frequency_penalty\":1e-1,"
                  "\"logprobs\":true,\"top_logprobs\":3,\"user\":\"u1\",\"safety_identifier\":\"s1\","
                  "\"prompt_cache_key\":\"k1\",\"service_tier\":\"flex\","
                  "\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                  "reasoning.summary");
}

static void test_encode_params_generic(void **state)
{
    (void)state;
    struct sy_ir_request r;
    struct sy_ir_item item;
    struct sy_ir_tool tools[3];
    sy_slice allowed[2];
    full_request(&r, &item, tools, allowed);
    expect_encode(&r, SY_CHAT_GENERIC, false,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],"
                  "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
                  "\"parameters\":{\"type\":\"object\",\"properties\":{}},\"strict\":true}},"
                  "{\"type\":\"function\",\"function\":{\"name\":\"noargs\"}}],"
                  "\"tool_choice\":\"required\",\"parallel_tool_calls\":false,"
                  "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"result\","
                  "\"description\":\"The result\",\"schema\":{\"type\":\"object\"},\"strict\":true}},"
                  "\"reasoning_effort\":\"high\",\"max_tokens\":256,"
                  "\"temperature\":0.70,\"top_p\":1,\"presence_penalty\":-0.5,\"frequency_penalty\":1e-1,"
                  "\"logprobs\":true,\"top_logprobs\":3,\"user\":\"u1\"}",
                  "text.verbosity, reasoning.summary, safety_identifier, prompt_cache_key, service_tier");
}

static void test_encode_tool_choice_forms(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_item item = msg_str(SY_ROLE_USER, "x");
    struct sy_ir_tool tool = { .name = SY_LIT("f"), .strict = -1 };
    r.items = &item;
    r.nitems = 1;
    /* no tools: tool_choice and parallel_tool_calls are not sent; top_logprobs without the
     * logprobs include is not sent either */
    r.tool_choice = SY_TC_REQUIRED;
    r.parallel_tool_calls = 1;
    r.top_logprobs = 5;
    r.format = SY_FMT_JSON_OBJECT;
    expect_encode(&r, SY_CHAT_OPENAI, false,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                  "\"response_format\":{\"type\":\"json_object\"}}",
                  "");
    r.tools = &tool;
    r.ntools = 1;
    r.format = SY_FMT_TEXT;
    const char *head = "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                       "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],";
    const char *tail = "\"parallel_tool_calls\":true,\"response_format\":{\"type\":\"text\"}}";
    char want[1024];
    static const struct { enum sy_ir_tool_choice tc; const char *json; } forms[] = {
        { SY_TC_AUTO, "\"tool_choice\":\"auto\"," },
        { SY_TC_NONE, "\"tool_choice\":\"none\"," },
        { SY_TC_REQUIRED, "\"tool_choice\":\"required\"," },
        { SY_TC_FUNCTION, "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}," },
        { SY_TC_UNSET, "" },
    };
    r.tool_choice_name = SY_LIT("f");
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        r.tool_choice = forms[k].tc;
        snprintf(want, sizeof want, "%s%s%s", head, forms[k].json, tail);
        expect_encode(&r, SY_CHAT_GENERIC, false, want, "");
    }
    /* GENERIC allowed_tools that allows none of the tools: no tools at all, mode auto */
    sy_slice none = SY_LIT("missing");
    r.tool_choice = SY_TC_ALLOWED;
    r.allowed_mode = SY_TC_AUTO;
    r.allowed_names = &none;
    r.nallowed = 1;
    expect_encode(&r, SY_CHAT_GENERIC, false,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                  "\"response_format\":{\"type\":\"text\"}}",
                  "");
    expect_encode(&r, SY_CHAT_OPENAI, false,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                  "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                  "\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\",\"tools\":["
                  "{\"type\":\"function\",\"function\":{\"name\":\"missing\"}}]}},"
                  "\"parallel_tool_calls\":true,\"response_format\":{\"type\":\"text\"}}",
                  "");
}

/* A whole conversation: every item kind and content form. */
static void test_encode_items(void **state)
{
    (void)state;
    struct sy_ir_part user_parts[] = {
        text_part("Look:"),
        image_part("https://x/cat.png", "low"),
        image_part("data:image/png;base64,AAA=", ""),
        { .kind = SY_PART_FILE, .file_data = SY_LIT("data:application/pdf;base64,JVB="), .filename = SY_LIT("a.pdf") },
    };
    struct sy_ir_part dev_parts[] = { text_part("Rule 1. "), text_part("Rule 2.") };
    struct sy_ir_part asst_parts[] = { text_part("Checking"), text_part(" now.") };
    struct sy_ir_part refusal_parts[] = { text_part("Partly: "), { .kind = SY_PART_REFUSAL, .text = SY_LIT("No.") } };
    struct sy_ir_part out_parts[] = { text_part("see "), image_part("https://x/chart.png", "high"),
                                      text_part("chart") };
    struct sy_ir_item items[] = {
        msg_parts(SY_ROLE_DEVELOPER, dev_parts, 2),
        msg_parts(SY_ROLE_USER, user_parts, 4),
        { .kind = SY_ITEM_REASONING, .reasoning_text = SY_LIT("think"), .summary_text = SY_LIT("s") },
        msg_parts(SY_ROLE_ASSISTANT, asst_parts, 2),
        fcall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
        { .kind = SY_ITEM_REASONING, .encrypted_content = SY_LIT("enc") },
        fcall("call_2", "get_time", "{}"),
        fout("call_1", "sunny"),
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("call_2"), .parts = out_parts, .nparts = 3 },
        fcall("call_3", "noop", ""),
        fout("call_3", ""),
        msg_parts(SY_ROLE_ASSISTANT, refusal_parts, 2),
        msg_str(SY_ROLE_SYSTEM, "sys"),
        msg_parts(SY_ROLE_ASSISTANT, NULL, 0),
    };
    struct sy_ir_request r;
    req_init(&r);
    r.items = items;
    r.nitems = sizeof items / sizeof items[0];
    const char *fmt =
        "{\"model\":\"up-model\",\"messages\":["
        "{\"role\":\"%s\",\"content\":\"Rule 1. Rule 2.\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\"},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/cat.png\",\"detail\":\"low\"}},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAA=\"}},"
        "{\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,JVB=\",\"filename\":\"a.pdf\"}}]},"
        "{\"role\":\"assistant\",\"content\":\"Checking now.\",\"tool_calls\":["
        "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
        "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"see chart\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/chart.png\",\"detail\":\"high\"}}]},"
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
        "{\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"noop\",\"arguments\":\"\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_3\",\"content\":\"\"},"
        "{\"role\":\"assistant\",\"content\":\"Partly: \",\"refusal\":\"No.\"},"
        "{\"role\":\"system\",\"content\":\"sys\"},"
        "{\"role\":\"assistant\",\"content\":\"\"}]}";
    char want[4096];
    snprintf(want, sizeof want, fmt, "system");
    expect_encode(&r, SY_CHAT_GENERIC, false, want, "input[8].output");
    snprintf(want, sizeof want, fmt, "developer");
    expect_encode(&r, SY_CHAT_OPENAI, false, want, "input[8].output");
}

static void test_encode_assistant_forms(void **state)
{
    (void)state;
    struct sy_ir_part only_refusal[] = { { .kind = SY_PART_REFUSAL, .text = SY_LIT("I ") },
                                         { .kind = SY_PART_REFUSAL, .text = SY_LIT("can't.") } };
    struct sy_ir_item items[] = {
        msg_parts(SY_ROLE_ASSISTANT, only_refusal, 2),
        msg_str(SY_ROLE_ASSISTANT, "plain"),
        fcall("c1", "f", "{}"),
        msg_str(SY_ROLE_ASSISTANT, "second"),
        /* a file_id file goes to OpenAI as is */
    };
    struct sy_ir_request r;
    req_init(&r);
    r.items = items;
    r.nitems = 4;
    expect_encode(&r, SY_CHAT_GENERIC, false,
                  "{\"model\":\"up-model\",\"messages\":["
                  "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't.\"},"
                  "{\"role\":\"assistant\",\"content\":\"plain\",\"tool_calls\":["
                  "{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                  "{\"role\":\"assistant\",\"content\":\"second\"}]}",
                  "");
    struct sy_ir_part file_id[] = { { .kind = SY_PART_FILE, .file_id = SY_LIT("file-1"), .filename = SY_LIT("f.pdf") } };
    struct sy_ir_item user = msg_parts(SY_ROLE_USER, file_id, 1);
    r.items = &user;
    r.nitems = 1;
    expect_encode(&r, SY_CHAT_OPENAI, false,
                  "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":["
                  "{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\",\"filename\":\"f.pdf\"}}]}]}",
                  "");
    expect_encode_fail(&r, SY_CHAT_GENERIC, "input[0].content[0].file_id");
}

static void test_encode_errors(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_part img_id[] = { text_part("a"), { .kind = SY_PART_IMAGE, .file_id = SY_LIT("file-9") } };
    struct sy_ir_part file_url[] = { { .kind = SY_PART_FILE, .file_url = SY_LIT("https://x/a.pdf") } };
    struct sy_ir_part sys_img[] = { text_part("a"), image_part("https://x/i.png", "") };
    struct sy_ir_part user_refusal[] = { { .kind = SY_PART_REFUSAL, .text = SY_LIT("no") } };
    struct sy_ir_part asst_img[] = { image_part("https://x/i.png", "") };
    struct sy_ir_part out_bad[] = { { .kind = SY_PART_IMAGE } };
    struct sy_ir_item items[2];
    items[0] = msg_str(SY_ROLE_USER, "first");
    r.items = items;
    r.nitems = 2;

    items[1] = msg_parts(SY_ROLE_USER, img_id, 2);
    expect_encode_fail(&r, SY_CHAT_OPENAI, "input[1].content[1].file_id");
    items[1] = msg_parts(SY_ROLE_USER, file_url, 1);
    expect_encode_fail(&r, SY_CHAT_OPENAI, "input[1].content[0].file_url");
    items[1] = msg_parts(SY_ROLE_SYSTEM, sys_img, 2);
    expect_encode_fail(&r, SY_CHAT_GENERIC, "input[1].content[1].type");
    items[1] = msg_parts(SY_ROLE_USER, user_refusal, 1);
    expect_encode_fail(&r, SY_CHAT_GENERIC, "input[1].content[0].type");
    items[1] = msg_parts(SY_ROLE_ASSISTANT, asst_img, 1);
    expect_encode_fail(&r, SY_CHAT_GENERIC, "input[1].content[0].type");
    items[1] = (struct sy_ir_item){ .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("c"), .parts = out_bad,
                                    .nparts = 1 };
    expect_encode_fail(&r, SY_CHAT_GENERIC, "input[1].output[0].image_url");
}

/* Items loaded from history come first; names count from input_start. */
static void test_encode_history_names(void **state)
{
    (void)state;
    struct sy_ir_part out_img[] = { image_part("https://x/1.png", "") };
    struct sy_ir_part bad_img[] = { { .kind = SY_PART_IMAGE, .file_id = SY_LIT("file-1") } };
    struct sy_ir_item items[] = {
        msg_str(SY_ROLE_USER, "old"),
        fcall("c1", "f", "{}"),
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("c1"), .parts = out_img, .nparts = 1 },
        fcall("c2", "f", "{}"),
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("c2"), .parts = out_img, .nparts = 1 },
    };
    struct sy_ir_request r;
    req_init(&r);
    r.items = items;
    r.nitems = 5;
    r.input_start = 3;
    r.previous_response_id = SY_LIT("resp_1");
    const char *img = "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/1.png\"}}]}";
    char want[1024];
    snprintf(want, sizeof want,
             "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"old\"},"
             "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
             "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
             "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"\"},%s,"
             "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c2\",\"type\":\"function\","
             "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
             "{\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":\"\"},%s]}",
             img, img);
    expect_encode(&r, SY_CHAT_GENERIC, false, want, "previous_response_id, input[1].output");
    items[0] = msg_parts(SY_ROLE_USER, bad_img, 1);
    expect_encode_fail(&r, SY_CHAT_OPENAI, "previous_response_id");
    r.conversation = SY_LIT("conv_1");
    expect_encode_fail(&r, SY_CHAT_OPENAI, "conversation");
    items[0] = msg_str(SY_ROLE_USER, "old");
    items[3] = msg_parts(SY_ROLE_USER, bad_img, 1);
    expect_encode_fail(&r, SY_CHAT_OPENAI, "input[0].content[0].file_id");
}

/* max_tokens_override replaces the request's limit (or adds one), under the dialect's name;
 * 0 leaves the request's own limit. */
static void test_encode_max_tokens_override(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_item items[] = { msg_str(SY_ROLE_USER, "count me") };
    r.items = items;
    r.nitems = 1;
    const struct {
        enum sy_chat_dialect dialect;
        int64_t              request_max, override;
        const char          *json;
    } cases[] = {
        { SY_CHAT_GENERIC, -1, 1, "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}],"
                                  "\"max_tokens\":1}" },
        { SY_CHAT_GENERIC, 256, 1, "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}],"
                                   "\"max_tokens\":1}" },
        { SY_CHAT_OPENAI, 256, 1, "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}],"
                                  "\"max_completion_tokens\":1}" },
        { SY_CHAT_GENERIC, 256, 0, "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}],"
                                   "\"max_tokens\":256}" },
        { SY_CHAT_GENERIC, -1, 0, "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r.max_output_tokens = cases[i].request_max;
        struct sy_chat_encode_opts o = { .model = SY_LIT("up-model"), .dialect = cases[i].dialect,
                                         .max_tokens_override = cases[i].override };
        struct sy_buf out;
        struct sy_dropped dr;
        struct sy_diag diag;
        sy_buf_init(&out, 1 << 20);
        sy_dropped_init(&dr);
        sy_diag_clear(&diag);
        assert_int_equal(sy_chat_encode_request(&r, &o, &out, &dr, &diag), SY_OK);
        assert_string_equal(out.data, cases[i].json);
        assert_int_equal(dr.count, 0);
        sy_dropped_free(&dr);
        sy_buf_free(&out);
    }
}

static void test_encode_too_big(void **state)
{
    (void)state;
    struct sy_ir_request r;
    req_init(&r);
    struct sy_ir_part parts[] = { text_part("0123456789"), text_part("0123456789") };
    struct sy_ir_item item = msg_parts(SY_ROLE_SYSTEM, parts, 2);
    r.items = &item;
    r.nitems = 1;
    struct sy_chat_encode_opts o = { .model = SY_LIT("m"), .dialect = SY_CHAT_GENERIC };
    struct sy_buf out;
    struct sy_dropped dr;
    struct sy_diag diag;
    sy_buf_init(&out, 40);
    sy_dropped_init(&dr);
    sy_diag_clear(&diag);
    assert_int_equal(sy_chat_encode_request(&r, &o, &out, &dr, &diag), SY_ETOOBIG);
    assert_int_equal(out.len, 0);
    sy_buf_free(&out);
    sy_buf_init(&out, 200);
    assert_int_equal(sy_chat_encode_request(&r, &o, &out, &dr, &diag), SY_OK);
    assert_string_equal(out.data, "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":"
                                  "\"01234567890123456789\"}]}");
    sy_buf_free(&out);
    sy_dropped_free(&dr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_minimal),
        cmocka_unit_test(test_encode_params_openai),
        cmocka_unit_test(test_encode_params_generic),
        cmocka_unit_test(test_encode_tool_choice_forms),
        cmocka_unit_test(test_encode_items),
        cmocka_unit_test(test_encode_assistant_forms),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_history_names),
        cmocka_unit_test(test_encode_too_big),
        cmocka_unit_test(test_encode_max_tokens_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
