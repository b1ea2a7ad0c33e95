/* Routing (model → deployment, round robin, catch-all), gateway key checks, and the one
 * status → HTTP / OpenAI error table with the error envelope built from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "api/exchange.h"
#include "core/buf.h"
#include "core/status.h"
#include "route/route.h"

static struct sy_deployment deps[4];
static struct sy_gateway_key keys[2];
static struct sy_config cfg;

static int setup(void **state)
{
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    memset(deps, 0, sizeof deps);
    deps[0] = (struct sy_deployment){ .model_name = "gpt-a", .kind = SY_PROVIDER_OPENAI_CHAT, .api_base = "http://a" };
    deps[1] = (struct sy_deployment){ .model_name = "gpt-b", .kind = SY_PROVIDER_OPENAI_RESPONSES, .api_base = "http://b1" };
    deps[2] = (struct sy_deployment){ .model_name = "gpt-b", .kind = SY_PROVIDER_OPENAI_CHAT, .api_base = "http://b2" };
    deps[3] = (struct sy_deployment){ .model_name = "*", .kind = SY_PROVIDER_OPENAI_CHAT, .api_base = "http://any" };
    cfg.deployments = deps;
    cfg.ndeployments = 3; /* no catch-all unless a test adds it */
    cfg.default_upstream = &deps[0];
    keys[0] = (struct sy_gateway_key){ .key = "sk-team-a-0123456789", .name = "team-a" };
    keys[1] = (struct sy_gateway_key){ .key = "sk-team-b", .name = "team-b" };
    return 0;
}

static void test_pick_exact_and_unknown(void **state)
{
    (void)state;
    unsigned rr = 0;
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("gpt-a"), &rr), &deps[0]);
    assert_null(sy_route_pick(&cfg, SY_LIT("gpt-c"), &rr));
    assert_null(sy_route_pick(&cfg, SY_LIT("gpt-"), &rr)); /* no prefix matching */
    assert_null(sy_route_pick(&cfg, SY_LIT("GPT-A"), &rr)); /* names are case-sensitive */
}

static void test_pick_round_robin(void **state)
{
    (void)state;
    unsigned rr = 0;
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("gpt-b"), &rr), &deps[1]);
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("gpt-b"), &rr), &deps[2]);
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("gpt-b"), &rr), &deps[1]);
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("gpt-b"), NULL), &deps[1]); /* no counter: first */
}

static void test_pick_catch_all(void **state)
{
    (void)state;
    cfg.ndeployments = 4;
    unsigned rr = 0;
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("anything"), &rr), &deps[3]);
    assert_ptr_equal(sy_route_pick(&cfg, SY_LIT("gpt-a"), &rr), &deps[0]); /* exact names win */
}

static void test_responses_owner(void **state)
{
    (void)state;
    assert_ptr_equal(sy_route_responses_owner(&cfg), &deps[1]);
    deps[1].kind = SY_PROVIDER_OPENAI_CHAT;
    assert_ptr_equal(sy_route_responses_owner(&cfg), &deps[0]); /* none: the default upstream */
}

static void test_auth(void **state)
{
    (void)state;
    const struct sy_gateway_key *k = (const void *)1;
    assert_int_equal(sy_auth_check(&cfg, NULL, &k), SY_AUTH_OK); /* no keys configured */
    assert_null(k);
    cfg.keys = keys;
    cfg.nkeys = 2;
    assert_int_equal(sy_auth_check(&cfg, NULL, &k), SY_AUTH_MISSING);
    assert_int_equal(sy_auth_check(&cfg, "Basic abc", &k), SY_AUTH_MISSING);
    assert_int_equal(sy_auth_check(&cfg, "Bearer ", &k), SY_AUTH_MISSING);
    assert_int_equal(sy_auth_check(&cfg, "Bearer sk-team-b", &k), SY_AUTH_OK);
    assert_string_equal(k->name, "team-b");
    assert_int_equal(sy_auth_check(&cfg, "bearer  sk-team-a-0123456789 ", &k), SY_AUTH_OK);
    assert_string_equal(k->name, "team-a");
    assert_int_equal(sy_auth_check(&cfg, "Bearer sk-team-b2", &k), SY_AUTH_INVALID);
    assert_null(k);
    assert_int_equal(sy_auth_check(&cfg, "Bearer sk-team-", &k), SY_AUTH_INVALID); /* a prefix is not a key */
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(sy_ct_equal(SY_LIT("abc"), SY_LIT("abc")));
    assert_false(sy_ct_equal(SY_LIT("abc"), SY_LIT("abd")));
    assert_false(sy_ct_equal(SY_LIT("abc"), SY_LIT("abcabc"))); /* wraps, but lengths differ */
    assert_false(sy_ct_equal(SY_LIT(""), SY_LIT("a")));
    assert_true(sy_ct_equal(SY_LIT(""), SY_LIT("")));
}

static void test_status_table(void **state)
{
    (void)state;
    assert_int_equal(sy_status_http(SY_EINVAL), 400);
    assert_int_equal(sy_status_http(SY_EAUTH), 401);
    assert_int_equal(sy_status_http(SY_ENOMODEL), 404);
    assert_int_equal(sy_status_http(SY_ETOOBIG), 413);
    assert_int_equal(sy_status_http(SY_ERATELIMIT), 429);
    assert_int_equal(sy_status_http(SY_EUPSTREAM), 502);
    assert_int_equal(sy_status_http(SY_ETIMEDOUT), 504);
    assert_string_equal(sy_status_type(SY_EAUTH), "invalid_request_error");
    assert_string_equal(sy_status_code(SY_EAUTH), "invalid_api_key");
    assert_string_equal(sy_status_code(SY_ENOMODEL), "model_not_found");
    assert_string_equal(sy_status_type(SY_EUPSTREAM), "server_error");
    assert_null(sy_status_code(SY_EINVAL));
    assert_int_equal(sy_status_http((sy_status)999), 500); /* out of range: internal error */
}

static void envelope_is(sy_status st, const struct sy_diag *d, const char *want)
{
    struct sy_buf b;
    sy_buf_init(&b, 4096);
    assert_int_equal(sy_error_envelope(&b, st, d), SY_OK);
    assert_string_equal(b.data, want);
    sy_buf_free(&b);
}

static void test_error_envelope(void **state)
{
    (void)state;
    envelope_is(SY_ENOMODEL, NULL,
                "{\"error\":{\"message\":\"model not found\",\"type\":\"invalid_request_error\",\"param\":null,"
                "\"code\":\"model_not_found\"}}");
    struct sy_diag d;
    sy_diag_clear(&d);
    (void)sy_diag_fail(&d, SY_EINVAL, "messages", "Invalid type for '%s': \"quoted\"\n", "messages");
    sy_diag_code(&d, "invalid_type");
    envelope_is(SY_EINVAL, &d,
                "{\"error\":{\"message\":\"Invalid type for 'messages': \\\"quoted\\\"\\n\",\"type\":"
                "\"invalid_request_error\",\"param\":\"messages\",\"code\":\"invalid_type\"}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pick_exact_and_unknown, setup),
        cmocka_unit_test_setup(test_pick_round_robin, setup),
        cmocka_unit_test_setup(test_pick_catch_all, setup),
        cmocka_unit_test_setup(test_responses_owner, setup),
        cmocka_unit_test_setup(test_auth, setup),
        cmocka_unit_test(test_ct_equal),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_error_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
