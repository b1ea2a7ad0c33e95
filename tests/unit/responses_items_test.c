/* Unit tests for the stored-state parts of the Responses codec (src/translate/responses_items.c)
 * and the Conversations wire format (src/translate/conversations.c): input items normalised
 * with ids and status (exact bytes), output items split from a Response, the context body that
 * turns stored items back into IR items, list / deletion / error-event objects, and the
 * conversation body decoder's errors. */
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
#include "translate/conversations.h"
#include "translate/responses_items.h"

static struct sy_json *parse(const char *text)
{
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(sy_json_parse(sy_slice_cstr(text), &root, &d), SY_OK);
    return root;
}

static int counter;
static sy_slice test_id(void *ctx, const char *prefix)
{
    static char buf[64];
    (void)ctx;
    int n = snprintf(buf, sizeof buf, "%s%d", prefix, ++counter);
    return sy_slice_from(buf, (size_t)n);
}

static void assert_slice(sy_slice got, const char *want)
{
    char *g = strndup(got.ptr ? got.ptr : "", got.len);
    assert_string_equal(g, want);
    free(g);
}

static void test_string_input(void **state)
{
    (void)state;
    counter = 0;
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_json *in = parse("\"hi \\\"you\\\"\"");
    struct sy_responses_item *items;
    size_t n;
    assert_int_equal(sy_responses_input_items(a, in, test_id, NULL, &items, &n), SY_OK);
    assert_int_equal(n, 1);
    assert_slice(items[0].id, "msg_1");
    assert_slice(items[0].json, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":"
                                "\"input_text\",\"text\":\"hi \\\"you\\\"\"}],\"status\":\"completed\"}");
    sy_json_free(in);
    sy_arena_free(a);
}

static void test_array_input(void **state)
{
    (void)state;
    counter = 0;
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_json *in = parse(
        "[{\"role\":\"developer\",\"content\":\"be brief\"},"
        "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"ok\"},"
        "{\"type\":\"function_call\",\"id\":\"fc_keep\",\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\","
        "\"status\":\"completed\"},"
        "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"42\"},"
        "{\"type\":\"reasoning\",\"summary\":[]}]");
    struct sy_responses_item *items;
    size_t n;
    assert_int_equal(sy_responses_input_items(a, in, test_id, NULL, &items, &n), SY_OK);
    assert_int_equal(n, 5);
    assert_slice(items[0].json, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"developer\",\"content\":[{\"type\":"
                                "\"input_text\",\"text\":\"be brief\"}],\"status\":\"completed\"}");
    assert_slice(items[1].json, "{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":"
                                "\"output_text\",\"text\":\"ok\",\"annotations\":[]}],\"status\":\"completed\"}");
    assert_slice(items[2].id, "fc_keep");
    assert_slice(items[2].json, "{\"id\":\"fc_keep\",\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\","
                                "\"arguments\":\"{}\",\"status\":\"completed\"}");
    assert_slice(items[3].json, "{\"id\":\"fco_3\",\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":"
                                "\"42\",\"status\":\"completed\"}");
    assert_slice(items[4].json, "{\"id\":\"rs_4\",\"type\":\"reasoning\",\"summary\":[]}");
    sy_json_free(in);
    sy_arena_free(a);
}

/* Output items come back from the Response text, and with the input they decode as context. */
static void test_output_items_and_context(void **state)
{
    (void)state;
    struct sy_arena *a = sy_arena_new(4096);
    const char *resp = "{\"id\":\"resp_1\",\"object\":\"response\",\"output\":[{\"id\":\"msg_9\",\"type\":\"message\","
                       "\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
                       "\"text\":\"Hello\",\"annotations\":[],\"logprobs\":[]}]},{\"id\":\"fc_9\",\"type\":"
                       "\"function_call\",\"status\":\"completed\",\"call_id\":\"call_9\",\"name\":\"get\","
                       "\"arguments\":\"{\\\"a\\\":1}\"}],\"usage\":null}";
    struct sy_responses_item *items;
    size_t n;
    assert_int_equal(sy_responses_output_items(a, sy_slice_cstr(resp), &items, &n), SY_OK);
    assert_int_equal(n, 2);
    assert_slice(items[0].id, "msg_9");
    assert_slice(items[1].id, "fc_9");
    assert_slice(items[1].json, "{\"id\":\"fc_9\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":"
                                "\"call_9\",\"name\":\"get\",\"arguments\":\"{\\\"a\\\":1}\"}");
    sy_slice texts[2] = { items[0].json, items[1].json };
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    assert_int_equal(sy_responses_context_body(&b, SY_LIT("m"), texts, 2), SY_OK);
    struct sy_json *root = parse(b.data);
    struct sy_ir_request req;
    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(sy_responses_decode_request(a, root, &req, NULL, &d), SY_OK);
    assert_int_equal(req.nitems, 2);
    assert_int_equal(req.items[1].kind, SY_ITEM_FUNCTION_CALL);
    assert_slice(req.items[1].call_id, "call_9");
    assert_int_equal(sy_responses_output_items(a, SY_LIT("{\"id\":1}"), &items, &n), SY_EINVAL);
    sy_json_free(root);
    sy_buf_free(&b);
    sy_arena_free(a);
}

static void test_objects(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    sy_slice items[2] = { SY_LIT("{\"id\":\"a\"}"), SY_LIT("{\"id\":\"b\"}") };
    sy_slice ids[2] = { SY_LIT("a"), SY_LIT("b") };
    assert_int_equal(sy_responses_write_item_list(&b, items, ids, 2, true), SY_OK);
    assert_string_equal(b.data, "{\"object\":\"list\",\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"first_id\":\"a\","
                                "\"last_id\":\"b\",\"has_more\":true}");
    sy_buf_reset(&b);
    assert_int_equal(sy_responses_write_item_list(&b, NULL, NULL, 0, false), SY_OK);
    assert_string_equal(b.data, "{\"object\":\"list\",\"data\":[],\"first_id\":null,\"last_id\":null,\"has_more\":false}");
    sy_buf_reset(&b);
    assert_int_equal(sy_responses_write_deleted(&b, SY_LIT("resp_1"), "response.deleted"), SY_OK);
    assert_string_equal(b.data, "{\"id\":\"resp_1\",\"object\":\"response.deleted\",\"deleted\":true}");
    sy_buf_reset(&b);
    assert_int_equal(sy_conversation_write(&b, SY_LIT("conv_1"), 17, SY_LIT("")), SY_OK);
    assert_string_equal(b.data, "{\"id\":\"conv_1\",\"object\":\"conversation\",\"created_at\":17,\"metadata\":{}}");
    sy_buf_reset(&b);
    assert_int_equal(sy_responses_write_error_event(&b, 12, "store_error", "disk full"), SY_OK);
    assert_string_equal(b.data, "event: error\ndata: {\"type\":\"error\",\"code\":\"store_error\",\"message\":\"disk "
                                "full\",\"param\":null,\"sequence_number\":12}\n\ndata: [DONE]\n\n");
    assert_int_equal(sy_responses_first_sequence(SY_LIT("event: x\ndata: {\"type\":\"x\",\"sequence_number\":31}\n\n")),
                     31);
    assert_int_equal(sy_responses_first_sequence(SY_LIT("data: {\"type\":\"x\"}\n\n")), -1);
    sy_buf_free(&b);
}

static void expect_conv_error(enum sy_conversation_body_kind kind, const char *body, const char *param)
{
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_json *root = parse(body);
    struct sy_conversation_body out;
    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(sy_conversation_decode(a, root, kind, test_id, NULL, &out, &d), SY_EINVAL);
    assert_string_equal(d.param, param);
    sy_json_free(root);
    sy_arena_free(a);
}

static void test_conversation_bodies(void **state)
{
    (void)state;
    counter = 0;
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_json *root = parse("{\"metadata\":{\"topic\":\"x\"},\"items\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    struct sy_conversation_body out;
    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(sy_conversation_decode(a, root, SY_CONV_CREATE, test_id, NULL, &out, &d), SY_OK);
    assert_slice(out.metadata, "{\"topic\":\"x\"}");
    assert_int_equal(out.nitems, 1);
    assert_slice(out.items[0].id, "msg_1");
    sy_json_free(root);
    sy_arena_free(a);

    expect_conv_error(SY_CONV_CREATE, "{\"nope\":1}", "nope");
    expect_conv_error(SY_CONV_CREATE, "{\"items\":{}}", "items");
    expect_conv_error(SY_CONV_CREATE, "{\"items\":[{\"type\":\"bogus\"}]}", "items[0].type");
    expect_conv_error(SY_CONV_UPDATE, "{}", "metadata");
    expect_conv_error(SY_CONV_UPDATE, "{\"items\":[]}", "items");
    expect_conv_error(SY_CONV_ADD_ITEMS, "{\"items\":[]}", "items");
    expect_conv_error(SY_CONV_ADD_ITEMS, "{\"metadata\":{}}", "metadata");
    char big[4096] = "{\"items\":[";
    for (int i = 0; i < 21; i++)
        strcat(big, i ? ",{\"role\":\"user\",\"content\":\"x\"}" : "{\"role\":\"user\",\"content\":\"x\"}");
    strcat(big, "]}");
    expect_conv_error(SY_CONV_ADD_ITEMS, big, "items");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_input),
        cmocka_unit_test(test_array_input),
        cmocka_unit_test(test_output_items_and_context),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_conversation_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
