/* Unit tests for the Chat Completions codec's client side, request direction: a chat request
 * body → IR request for a Responses upstream (IR dumps for every mapping, and every 400). The
 * encoder is tested in chat_client_test.c. */
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

/* ------------------------------------------------------------------ IR dump */

static void put(struct sy_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sy_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    assert_int_equal(sy_buf_vprintf(b, fmt, ap), SY_OK);
    va_end(ap);
}

#define S(x) SY_SLICE_ARG(x)

static void put_opt(struct sy_buf *b, const char *name, sy_slice v)
{
    if (v.ptr)
        put(b, " %s=%.*s", name, S(v));
}

static void dump_part(struct sy_buf *b, const struct sy_ir_part *p)
{
    switch (p->kind) {
    case SY_PART_TEXT: put(b, " text:%.*s", S(p->text)); break;
    case SY_PART_REFUSAL: put(b, " refusal:%.*s", S(p->text)); break;
    case SY_PART_IMAGE: put(b, " image:%.*s/%.*s", S(p->image_url), S(p->detail)); break;
    case SY_PART_FILE:
        put(b, " file:");
        put_opt(b, "data", p->file_data);
        put_opt(b, "id", p->file_id);
        put_opt(b, "name", p->filename);
        break;
    }
}

static void dump_items(struct sy_buf *b, const struct sy_ir_request *r)
{
    static const char *roles[] = { "user", "assistant", "system", "developer" };
    for (size_t i = 0; i < r->nitems; i++) {
        const struct sy_ir_item *it = &r->items[i];
        switch (it->kind) {
        case SY_ITEM_MESSAGE:
            put(b, "msg %s", roles[it->role]);
            if (it->content_is_string)
                put(b, " str:%.*s", S(it->content_string));
            for (size_t j = 0; j < it->nparts; j++)
                dump_part(b, &it->parts[j]);
            break;
        case SY_ITEM_FUNCTION_CALL:
            put(b, "call %.*s %.*s %.*s", S(it->call_id), S(it->name), S(it->arguments));
            break;
        case SY_ITEM_FUNCTION_CALL_OUTPUT:
            put(b, "out %.*s %.*s", S(it->call_id), S(it->output));
            break;
        case SY_ITEM_REASONING:
            put(b, "reasoning");
            break;
        }
        put(b, "\n");
    }
}

static void dump_tools(struct sy_buf *b, const struct sy_ir_request *r)
{
    static const char *tc[] = { "unset", "auto", "none", "required", "function", "allowed" };
    for (size_t i = 0; i < r->ntools; i++) {
        const struct sy_ir_tool *t = &r->tools[i];
        put(b, "tool %.*s strict=%d", S(t->name), t->strict);
        put_opt(b, "desc", t->description);
        put_opt(b, "params", t->parameters);
        put(b, "\n");
    }
    if (r->tool_choice != SY_TC_UNSET) {
        put(b, "tool_choice=%s", tc[r->tool_choice]);
        put_opt(b, "name", r->tool_choice_name);
        if (r->tool_choice == SY_TC_ALLOWED)
            put(b, " mode=%s", tc[r->allowed_mode]);
        for (size_t i = 0; i < r->nallowed; i++)
            put(b, " %.*s", S(r->allowed_names[i]));
        put(b, "\n");
    }
    if (r->parallel_tool_calls >= 0)
        put(b, "parallel=%d\n", r->parallel_tool_calls);
}

static void dump_params(struct sy_buf *b, const struct sy_ir_request *r)
{
    static const char *fmts[] = { "unset", "text", "json_object", "json_schema" };
    if (r->format != SY_FMT_UNSET) {
        put(b, "format=%s", fmts[r->format]);
        put_opt(b, "name", r->format_name);
        put_opt(b, "desc", r->format_description);
        put_opt(b, "schema", r->format_schema);
        if (r->format_strict >= 0)
            put(b, " strict=%d", r->format_strict);
        put(b, "\n");
    }
    if (r->max_output_tokens >= 0)
        put(b, "max_output_tokens=%lld\n", (long long)r->max_output_tokens);
    if (r->want_logprobs || r->top_logprobs >= 0)
        put(b, "logprobs=%d top=%lld include=%.*s\n", r->want_logprobs, (long long)r->top_logprobs, S(r->include));
    const struct { const char *n; bool has; sy_slice v; } nums[] = {
        { "temperature", r->has_temperature, r->temperature }, { "top_p", r->has_top_p, r->top_p },
        { "presence_penalty", r->has_presence_penalty, r->presence_penalty },
        { "frequency_penalty", r->has_frequency_penalty, r->frequency_penalty },
    };
    for (size_t i = 0; i < 4; i++)
        if (nums[i].has)
            put(b, "%s=%.*s\n", nums[i].n, S(nums[i].v));
    const struct { const char *n; sy_slice v; } strs[] = {
        { "verbosity", r->verbosity }, { "effort", r->reasoning_effort }, { "metadata", r->metadata },
        { "user", r->user }, { "safety_identifier", r->safety_identifier }, { "prompt_cache_key", r->prompt_cache_key },
        { "service_tier", r->service_tier }, { "previous_response_id", r->previous_response_id },
        { "instructions", r->instructions },
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i].v.ptr)
            put(b, "%s=%.*s\n", strs[i].n, S(strs[i].v));
}

static void dump(struct sy_buf *b, const struct sy_ir_request *r)
{
    put(b, "model=%.*s stream=%d include_usage=%d store=%d\n", S(r->model), r->stream, r->include_usage, r->store);
    dump_items(b, r);
    dump_tools(b, r);
    dump_params(b, r);
    assert_int_equal(r->input_start, 0);
    assert_false(r->background);
    assert_int_equal(r->max_tool_calls, -1);
    assert_int_equal(r->include.len, 0);
}

/* ------------------------------------------------------------------ decoder harness */

/* Decode body; on success compare the dump with want and the dropped list with want_dropped. */
static void expect_ir(const char *body, const char *want, const char *want_dropped)
{
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_json *root = NULL;
    struct sy_diag d;
    struct sy_dropped dr;
    struct sy_ir_request req;
    struct sy_buf b;
    sy_diag_clear(&d);
    sy_dropped_init(&dr);
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    assert_int_equal(sy_json_parse(sy_slice_cstr(body), &root, &d), SY_OK);
    sy_status st = sy_chat_decode_request(a, root, &req, &dr, &d);
    if (st != SY_OK)
        fail_msg("decode failed: %s (param %s, code %s)", d.message, d.param, d.code);
    dump(&b, &req);
    assert_string_equal(b.data, want);
    assert_string_equal(dr.names.data ? dr.names.data : "", want_dropped);
    sy_buf_free(&b);
    sy_dropped_free(&dr);
    sy_json_free(root);
    sy_arena_free(a);
}

/* Decode body; expect a 400 with exactly this param and code, and a message (exact when
 * want_msg starts with '=', else a substring). */
static void expect_400(const char *body, const char *param, const char *code, const char *want_msg)
{
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_json *root = NULL;
    struct sy_diag d;
    struct sy_ir_request req;
    sy_diag_clear(&d);
    assert_int_equal(sy_json_parse(sy_slice_cstr(body), &root, &d), SY_OK);
    sy_status st = sy_chat_decode_request(a, root, &req, NULL, &d);
    if (st != SY_EINVAL)
        fail_msg("expected 400 for %s", body);
    assert_string_equal(d.param, param);
    assert_string_equal(d.code, code);
    if (want_msg[0] == '=')
        assert_string_equal(d.message, want_msg + 1);
    else if (!strstr(d.message, want_msg))
        fail_msg("message '%s' lacks '%s'", d.message, want_msg);
    sy_json_free(root);
    sy_arena_free(a);
}

/* ------------------------------------------------------------------ decoder: mappings */

static void test_decode_messages(void **state)
{
    (void)state;
    expect_ir("{\"model\":\"gpt-x\",\"messages\":["
              "{\"role\":\"system\",\"content\":\"Be brief.\",\"name\":\"sys\"},"
              "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Dev.\"}]},"
              "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look\"},"
              "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png\"}},"
              "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA\",\"detail\":\"low\"},"
              "\"prompt_cache_breakpoint\":{\"mode\":\"explicit\"}},"
              "{\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,AA\",\"filename\":\"a.pdf\"}},"
              "{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\"}}]},"
              "{\"role\":\"assistant\",\"content\":\"Calling.\",\"tool_calls\":["
              "{\"id\":\"call_A\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}},"
              "{\"id\":\"call_B\",\"type\":\"function\",\"function\":{\"name\":\"f2\","
              "\"arguments\":\"{\\\"a\\\":1}\"}}]},"
              "{\"role\":\"tool\",\"tool_call_id\":\"call_A\",\"content\":\"sunny\"},"
              "{\"role\":\"tool\",\"tool_call_id\":\"call_B\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
              "{\"type\":\"text\",\"text\":\"b\"}]},"
              "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_C\",\"type\":\"function\","
              "\"function\":{\"name\":\"f3\",\"arguments\":\"\"}}]},"
              "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},"
              "{\"type\":\"text\",\"text\":\"\"},"
              "{\"type\":\"refusal\",\"refusal\":\"no\"}],\"refusal\":\"nope\"},"
              "{\"role\":\"assistant\",\"content\":\"\"},"
              "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"},"
              "{\"role\":\"user\",\"content\":\"thanks\",\"name\":\"bob\"}]}",
              "model=gpt-x stream=0 include_usage=0 store=0\n"
              "msg system str:Be brief.\n"
              "msg developer text:Dev.\n"
              "msg user text:Look image:https://x/a.png/auto image:data:image/png;base64,AA/low"
              " file: data=data:application/pdf;base64,AA name=a.pdf file: id=file-1\n"
              "msg assistant text:Calling.\n"
              "call call_A get_weather {}\n"
              "call call_B f2 {\"a\":1}\n"
              "out call_A sunny\n"
              "out call_B ab\n"
              "call call_C f3 \n"
              "msg assistant text:x refusal:no refusal:nope\n"
              "msg assistant refusal:\n"
              "msg user str:thanks\n",
              "messages[0].name, messages[2].content[2].prompt_cache_breakpoint, messages[10].name");
}

static void test_decode_legacy_functions(void **state)
{
    (void)state;
    expect_ir("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
              "{\"role\":\"assistant\",\"content\":null,\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}},"
              "{\"role\":\"function\",\"name\":\"f\",\"content\":\"r1\"},"
              "{\"role\":\"assistant\",\"function_call\":{\"name\":\"f\",\"arguments\":\"1\"}},"
              "{\"role\":\"assistant\",\"function_call\":{\"name\":\"g\",\"arguments\":\"2\"}},"
              "{\"role\":\"function\",\"name\":\"f\",\"content\":null}],"
              "\"functions\":[{\"name\":\"f\",\"description\":\"F\",\"parameters\":{\"type\":\"object\"}},"
              "{\"name\":\"g\"}],"
              "\"function_call\":{\"name\":\"f\"}}",
              "model=m stream=0 include_usage=0 store=0\n"
              "msg user str:hi\n"
              "call call_legacy_0 f {}\n"
              "out call_legacy_0 r1\n"
              "call call_legacy_1 f 1\n"
              "call call_legacy_2 g 2\n"
              "out call_legacy_1 \n"
              "tool f strict=0 desc=F params={\"type\":\"object\"}\n"
              "tool g strict=0\n"
              "tool_choice=function name=f\n",
              "");
    /* function_call "none"/"auto", and tool_choice wins over function_call */
    expect_ir("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"function_call\":\"none\"}",
              "model=m stream=0 include_usage=0 store=0\nmsg user str:hi\ntool_choice=none\n", "");
    expect_ir("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"function_call\":\"auto\","
              "\"tool_choice\":\"required\"}",
              "model=m stream=0 include_usage=0 store=0\nmsg user str:hi\ntool_choice=required\n", "");
}

#define MSGS "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
#define HEAD_IR "model=m stream=0 include_usage=0 store=0\nmsg user str:hi\n"

static void test_decode_tools(void **state)
{
    (void)state;
    const char *tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"description\":\"A\","
                        "\"parameters\":{\"type\":\"object\",\"properties\":{}},\"strict\":true}},"
                        "{\"type\":\"function\",\"function\":{\"name\":\"b\",\"strict\":null}},"
                        "{\"type\":\"function\",\"function\":{\"name\":\"c\",\"strict\":false}}]";
    const char *tools_ir = "tool a strict=1 desc=A params={\"type\":\"object\",\"properties\":{}}\n"
                           "tool b strict=0\ntool c strict=0\n";
    char body[1024], want[1024];
    static const struct { const char *choice, *ir; } cases[] = {
        { "\"auto\"", "tool_choice=auto\n" },
        { "\"none\"", "tool_choice=none\n" },
        { "\"required\"", "tool_choice=required\n" },
        { "{\"type\":\"function\",\"function\":{\"name\":\"b\"}}", "tool_choice=function name=b\n" },
        { "{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"required\",\"tools\":[{\"type\":\"function\","
          "\"function\":{\"name\":\"a\"}},{\"type\":\"function\",\"function\":{\"name\":\"c\"}}]}}",
          "tool_choice=allowed mode=required a c\n" },
        { "{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\",\"tools\":[]}}",
          "tool_choice=allowed mode=auto\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(body, sizeof body, "{\"model\":\"m\"," MSGS ",%s,\"tool_choice\":%s,\"parallel_tool_calls\":false}",
                 tools, cases[i].choice);
        snprintf(want, sizeof want, HEAD_IR "%s%sparallel=0\n", tools_ir, cases[i].ir);
        expect_ir(body, want, "");
    }
}

static void test_decode_formats(void **state)
{
    (void)state;
    expect_ir("{\"model\":\"m\"," MSGS ",\"response_format\":{\"type\":\"text\"}}", HEAD_IR "format=text\n", "");
    expect_ir("{\"model\":\"m\"," MSGS ",\"response_format\":{\"type\":\"json_object\"}}",
              HEAD_IR "format=json_object\n", "");
    expect_ir("{\"model\":\"m\"," MSGS ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":"
              "\"out\",\"description\":\"D\",\"schema\":{\"type\":\"object\"},\"strict\":true}}}",
              HEAD_IR "format=json_schema name=out desc=D schema={\"type\":\"object\"} strict=1\n", "");
    /* Responses requires a schema: without one the client gets any JSON object */
    expect_ir("{\"model\":\"m\"," MSGS ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":"
              "\"out\",\"strict\":false}}}",
              HEAD_IR "format=json_object\n", "");
}

static void test_decode_params(void **state)
{
    (void)state;
    expect_ir("{\"model\":\"m\"," MSGS ",\"stream\":true,\"stream_options\":{\"include_usage\":true,"
              "\"include_obfuscation\":false},\"temperature\":0.70,\"top_p\":1,\"presence_penalty\":-1.5,"
              "\"frequency_penalty\":0,\"max_tokens\":100,\"max_completion_tokens\":200,\"logprobs\":true,"
              "\"top_logprobs\":3,\"reasoning_effort\":\"low\",\"verbosity\":\"high\",\"store\":true,"
              "\"metadata\":{\"k\":\"v\"},\"user\":\"u1\",\"safety_identifier\":\"s1\",\"prompt_cache_key\":\"p1\","
              "\"service_tier\":\"flex\",\"previous_response_id\":\"resp_1\",\"n\":1,\"stop\":[],"
              "\"logit_bias\":{},\"modalities\":[\"text\"],\"audio\":null,\"seed\":42,"
              "\"prediction\":{\"type\":\"content\",\"content\":\"x\"},\"prompt_cache_retention\":\"24h\","
              "\"prompt_cache_options\":{\"mode\":\"implicit\"},\"web_search_options\":null,\"moderation\":null,"
              "\"parallel_tool_calls\":null,\"tools\":null,\"tool_choice\":null,\"functions\":null,"
              "\"function_call\":null,\"response_format\":null}",
              "model=m stream=1 include_usage=1 store=1\nmsg user str:hi\n"
              "max_output_tokens=200\nlogprobs=1 top=3 include=\n"
              "temperature=0.70\ntop_p=1\npresence_penalty=-1.5\nfrequency_penalty=0\n"
              "verbosity=high\neffort=low\nmetadata={\"k\":\"v\"}\nuser=u1\nsafety_identifier=s1\n"
              "prompt_cache_key=p1\nservice_tier=flex\nprevious_response_id=resp_1\n",
              "seed, prediction, prompt_cache_retention, prompt_cache_options");
    /* max_tokens alone; logprobs false; stream false with null stream_options */
    expect_ir("{\"model\":\"m\"," MSGS ",\"max_tokens\":50,\"logprobs\":false,\"stream\":false,"
              "\"stream_options\":null,\"store\":false}",
              HEAD_IR "max_output_tokens=50\n", "");
}

/* ------------------------------------------------------------------ decoder: 400s */

#define B(rest) "{\"model\":\"m\"," MSGS "," rest "}"
#define UNSUP " is not supported when the model is served by a Responses upstream."

static void test_decode_errors_top(void **state)
{
    (void)state;
    expect_400("{" MSGS "}", "model", "missing_required_parameter", "=Missing required parameter: 'model'.");
    expect_400("{\"model\":\"m\"}", "messages", "missing_required_parameter",
               "=Missing required parameter: 'messages'.");
    expect_400("{\"model\":null," MSGS "}", "model", "missing_required_parameter", "'model'");
    expect_400("{\"model\":5," MSGS "}", "model", "invalid_type",
               "=Invalid type for 'model': expected a string, but got an integer instead.");
    expect_400("{\"model\":\"m\",\"messages\":{}}", "messages", "invalid_type", "expected an array, but got an object");
    expect_400("{\"model\":\"m\",\"messages\":[]}", "messages", "empty_array", "empty array");
    expect_400(B("\"top_k\":5"), "top_k", "unknown_parameter", "=Unrecognized request argument supplied: top_k");
    expect_400(B("\"instructions\":\"x\""), "instructions", "unknown_parameter", "instructions");
    expect_400(B("\"stream\":\"yes\""), "stream", "invalid_type", "expected a boolean, but got a string");
    expect_400(B("\"temperature\":\"hot\""), "temperature", "invalid_type", "expected a number");
    expect_400(B("\"temperature\":2.5"), "temperature", "decimal_above_max_value",
               "=Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead.");
    expect_400(B("\"top_p\":-0.1"), "top_p", "decimal_below_min_value", "below minimum");
    expect_400(B("\"max_tokens\":0"), "max_tokens", "integer_below_min_value", ">= 1");
    expect_400(B("\"max_completion_tokens\":1.5"), "max_completion_tokens", "invalid_type", "an integer");
    expect_400(B("\"top_logprobs\":21,\"logprobs\":true"), "top_logprobs", "integer_above_max_value", "<= 20");
    expect_400(B("\"top_logprobs\":2"), "top_logprobs", "invalid_value", "'logprobs' must be set to true");
    expect_400(B("\"top_logprobs\":2,\"logprobs\":false"), "top_logprobs", "invalid_value", "logprobs");
    expect_400(B("\"stream_options\":{\"include_usage\":true}"), "stream_options", "invalid_value",
               "=The 'stream_options' parameter is only allowed when 'stream' is enabled.");
    expect_400(B("\"stream\":true,\"stream_options\":{\"include_usage\":1}"), "stream_options.include_usage",
               "invalid_type", "a boolean");
    expect_400(B("\"reasoning_effort\":\"extreme\""), "reasoning_effort", "invalid_value",
               "=Invalid value: 'extreme'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', "
               "and 'max'.");
    expect_400(B("\"verbosity\":\"loud\""), "verbosity", "invalid_value", "'low', 'medium', and 'high'");
    expect_400(B("\"service_tier\":\"gold\""), "service_tier", "invalid_value", "gold");
    expect_400(B("\"metadata\":{\"k\":1}"), "metadata.k", "invalid_type", "a string");
    expect_400(B("\"metadata\":[]"), "metadata", "invalid_type", "an object");
    expect_400(B("\"store\":\"no\""), "store", "invalid_type", "a boolean");
    expect_400(B("\"user\":7"), "user", "invalid_type", "a string");
    expect_400("[1]", "", "invalid_type", "must be a JSON object");
}

static void test_decode_errors_unsupported(void **state)
{
    (void)state;
    expect_400(B("\"n\":2"), "n", "unsupported_parameter", "='n' greater than 1" UNSUP);
    expect_400(B("\"n\":0"), "n", "integer_below_min_value", ">= 1");
    expect_400(B("\"stop\":\"END\""), "stop", "unsupported_parameter", "='stop'" UNSUP);
    expect_400(B("\"stop\":[\"a\",\"b\"]"), "stop", "unsupported_parameter", "'stop'");
    expect_400(B("\"stop\":[1]"), "stop[0]", "invalid_type", "a string");
    expect_400(B("\"logit_bias\":{\"50256\":-100}"), "logit_bias", "unsupported_parameter", "='logit_bias'" UNSUP);
    expect_400(B("\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}"), "audio", "unsupported_parameter", "'audio'");
    expect_400(B("\"modalities\":[\"text\",\"audio\"]"), "modalities", "unsupported_parameter", "Audio output");
    expect_400(B("\"modalities\":[\"video\"]"), "modalities[0]", "invalid_value", "video");
    expect_400(B("\"web_search_options\":{}"), "web_search_options", "unsupported_parameter", "web_search_options");
    expect_400(B("\"moderation\":{\"model\":\"x\"}"), "moderation", "unsupported_parameter", "moderation");
    expect_400(B("\"seed\":\"x\""), "seed", "invalid_type", "an integer");
    expect_400(B("\"prediction\":\"x\""), "prediction", "invalid_type", "an object");
    expect_400(B("\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]"), "tools[0].type",
               "unsupported_value", "=Custom tools" UNSUP);
    expect_400(B("\"tool_choice\":{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}"), "tool_choice.type",
               "unsupported_value", "Custom tools");
    expect_400("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
               "\"input_audio\":{\"data\":\"AA\",\"format\":\"wav\"}}]}]}",
               "messages[0].content[0].type", "unsupported_value", "=Audio input ('input_audio' content parts)" UNSUP);
    expect_400("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"audio\":{\"id\":\"a1\"}}]}",
               "messages[0].audio", "unsupported_parameter", "Assistant 'audio'");
    expect_400("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":"
               "\"custom\",\"custom\":{\"name\":\"x\",\"input\":\"y\"}}]}]}",
               "messages[0].tool_calls[0].type", "unsupported_value", "Custom tool calls");
}

static void test_decode_errors_tools(void **state)
{
    (void)state;
    expect_400(B("\"tools\":{}"), "tools", "invalid_type", "an array");
    expect_400(B("\"tools\":[1]"), "tools[0]", "invalid_type", "an object");
    expect_400(B("\"tools\":[{\"function\":{\"name\":\"a\"}}]"), "tools[0].type", "missing_required_parameter",
               "tools[0].type");
    expect_400(B("\"tools\":[{\"type\":\"web_search\"}]"), "tools[0].type", "invalid_value",
               "Supported values are: 'function' and 'custom'.");
    expect_400(B("\"tools\":[{\"type\":\"function\"}]"), "tools[0].function", "missing_required_parameter", "function");
    expect_400(B("\"tools\":[{\"type\":\"function\",\"function\":{}}]"), "tools[0].function.name",
               "missing_required_parameter", "name");
    expect_400(B("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]"), "tools[0].function.name",
               "invalid_value", "does not match pattern");
    expect_400(B("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"parameters\":\"x\"}}]"),
               "tools[0].function.parameters", "invalid_type", "an object");
    expect_400(B("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\",\"strict\":\"x\"}}]"),
               "tools[0].function.strict", "invalid_type", "a boolean");
    expect_400(B("\"functions\":[{\"description\":\"x\"}]"), "functions[0].name", "missing_required_parameter", "name");
    expect_400(B("\"tool_choice\":\"any\""), "tool_choice", "invalid_value", "'none', 'auto', and 'required'");
    expect_400(B("\"tool_choice\":5"), "tool_choice", "invalid_type", "a string or an object");
    expect_400(B("\"tool_choice\":{\"type\":\"function\"}"), "tool_choice.function", "missing_required_parameter",
               "function");
    expect_400(B("\"tool_choice\":{\"type\":\"function\",\"function\":{}}"), "tool_choice.function.name",
               "missing_required_parameter", "name");
    expect_400(B("\"tool_choice\":{\"type\":\"allowed_tools\"}"), "tool_choice.allowed_tools",
               "missing_required_parameter", "allowed_tools");
    expect_400(B("\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"some\",\"tools\":[]}}"),
               "tool_choice.allowed_tools.mode", "invalid_value", "'auto' and 'required'");
    expect_400(B("\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\"}}"),
               "tool_choice.allowed_tools.tools", "missing_required_parameter", "tools");
    expect_400(B("\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\",\"tools\":[{"
                 "\"type\":\"function\"}]}}"),
               "tool_choice.allowed_tools.tools[0].function", "missing_required_parameter", "function");
    expect_400(B("\"function_call\":\"required\""), "function_call", "invalid_value", "'none' and 'auto'");
    expect_400(B("\"function_call\":{}"), "function_call.name", "missing_required_parameter", "name");
    expect_400(B("\"parallel_tool_calls\":1"), "parallel_tool_calls", "invalid_type", "a boolean");
    expect_400(B("\"response_format\":{\"type\":\"xml\"}"), "response_format.type", "invalid_value", "xml");
    expect_400(B("\"response_format\":{}"), "response_format.type", "missing_required_parameter", "type");
    expect_400(B("\"response_format\":{\"type\":\"json_schema\"}"), "response_format.json_schema",
               "missing_required_parameter", "json_schema");
    expect_400(B("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}"),
               "response_format.json_schema.name", "missing_required_parameter", "name");
    expect_400(B("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":[]}}"),
               "response_format.json_schema.schema", "invalid_type", "an object");
}

#define M1(msg) "{\"model\":\"m\",\"messages\":[" msg "]}"

static void test_decode_errors_messages(void **state)
{
    (void)state;
    expect_400(M1("5"), "messages[0]", "invalid_type", "an object");
    expect_400(M1("{\"content\":\"x\"}"), "messages[0].role", "missing_required_parameter", "role");
    expect_400(M1("{\"role\":\"bot\",\"content\":\"x\"}"), "messages[0].role", "invalid_value",
               "=Invalid value: 'bot'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and "
               "'function'.");
    expect_400(M1("{\"role\":\"user\"}"), "messages[0].content", "missing_required_parameter", "content");
    expect_400(M1("{\"role\":\"user\",\"content\":5}"), "messages[0].content", "invalid_type",
               "=Invalid type for 'messages[0].content': expected a string or an array, but got an integer instead.");
    expect_400(M1("{\"role\":\"user\",\"content\":[]}"), "messages[0].content", "empty_array", "empty array");
    expect_400(M1("{\"role\":\"user\",\"content\":\"x\",\"name\":3}"), "messages[0].name", "invalid_type", "string");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}"), "messages[0].content[0].type",
               "invalid_value", "'text', 'image_url', 'input_audio', and 'file'");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}"), "messages[0].content[0].text",
               "missing_required_parameter", "text");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}"), "messages[0].content[0].image_url",
               "missing_required_parameter", "image_url");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"https://x\"}]}"),
               "messages[0].content[0].image_url", "invalid_type", "an object");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\","
                  "\"detail\":\"max\"}}]}"),
               "messages[0].content[0].image_url.detail", "invalid_value", "'auto', 'low', and 'high'");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":1}}]}"),
               "messages[0].content[0].file.file_id", "invalid_type", "a string");
    expect_400(M1("{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}"),
               "messages[0].content[0].type", "invalid_value", "Supported values are: 'text'.");
    expect_400(M1("{\"role\":\"user\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"x\"}]}"),
               "messages[0].content[0].type", "invalid_value", "refusal");
    expect_400(M1("{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\"}]}"), "messages[0].content[0].type",
               "invalid_value", "'text' and 'refusal'");
    expect_400(M1("{\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\"}]}"), "messages[0].content[0].refusal",
               "missing_required_parameter", "refusal");
    expect_400(M1("{\"role\":\"assistant\",\"refusal\":1}"), "messages[0].refusal", "invalid_type", "a string");
    expect_400(M1("{\"role\":\"assistant\",\"tool_calls\":{}}"), "messages[0].tool_calls", "invalid_type", "array");
    expect_400(M1("{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                  "\"arguments\":\"{}\"}}]}"),
               "messages[0].tool_calls[0].id", "missing_required_parameter", "id");
    expect_400(M1("{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{"
                  "\"name\":\"f\"}}]}"),
               "messages[0].tool_calls[0].function.arguments", "missing_required_parameter", "arguments");
    expect_400(M1("{\"role\":\"assistant\",\"function_call\":{\"name\":\"f\"}}"),
               "messages[0].function_call.arguments", "missing_required_parameter", "arguments");
    expect_400(M1("{\"role\":\"tool\",\"content\":\"x\"}"), "messages[0].tool_call_id", "missing_required_parameter",
               "tool_call_id");
    expect_400(M1("{\"role\":\"tool\",\"tool_call_id\":\"c\"}"), "messages[0].content", "missing_required_parameter",
               "content");
    expect_400(M1("{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":[{\"type\":\"image_url\"}]}"),
               "messages[0].content[0].type", "invalid_value", "'text'");
    expect_400(M1("{\"role\":\"function\",\"content\":\"x\"}"), "messages[0].name", "missing_required_parameter",
               "name");
    expect_400(M1("{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}"), "messages[0]", "invalid_value",
               "no earlier assistant 'function_call' named 'f'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_messages),
        cmocka_unit_test(test_decode_legacy_functions),
        cmocka_unit_test(test_decode_tools),
        cmocka_unit_test(test_decode_formats),
        cmocka_unit_test(test_decode_params),
        cmocka_unit_test(test_decode_errors_top),
        cmocka_unit_test(test_decode_errors_unsupported),
        cmocka_unit_test(test_decode_errors_tools),
        cmocka_unit_test(test_decode_errors_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
