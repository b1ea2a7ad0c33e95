/* Unit tests for core/base64: the RFC 4648 test vectors both ways, round trips of every byte
 * value and length, and the strict decoder's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/base64.h"

static const char *const vectors[][2] = {
    { "", "" },         { "f", "Zg==" },        { "fo", "Zm8=" },         { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        struct sy_buf b;
        sy_buf_init(&b, 1024);
        assert_int_equal(sy_base64_encode(&b, sy_slice_cstr(vectors[i][0])), SY_OK);
        assert_string_equal(b.data ? b.data : "", vectors[i][1]);
        assert_int_equal(sy_base64_encoded_len(strlen(vectors[i][0])), strlen(vectors[i][1]));
        sy_buf_reset(&b);
        assert_int_equal(sy_base64_decode(&b, sy_slice_cstr(vectors[i][1])), SY_OK);
        assert_int_equal(b.len, strlen(vectors[i][0]));
        assert_memory_equal(b.data ? b.data : "", vectors[i][0], b.len);
        sy_buf_free(&b);
    }
}

static void test_round_trip_all_bytes(void **state)
{
    (void)state;
    unsigned char in[300];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(255 - i * 7);
    for (size_t n = 0; n <= sizeof in; n++) {
        struct sy_buf enc, dec;
        sy_buf_init(&enc, SY_BUF_UNCAPPED);
        sy_buf_init(&dec, SY_BUF_UNCAPPED);
        assert_int_equal(sy_base64_encode(&enc, sy_slice_from((const char *)in, n)), SY_OK);
        assert_int_equal(enc.len, sy_base64_encoded_len(n));
        assert_int_equal(sy_base64_decode(&dec, sy_buf_slice(&enc)), SY_OK);
        assert_int_equal(dec.len, n);
        if (n)
            assert_memory_equal(dec.data, in, n);
        sy_buf_free(&enc);
        sy_buf_free(&dec);
    }
}

static void test_appends_to_existing_content(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, 1024);
    assert_int_equal(sy_buf_append_cstr(&b, "sy1:"), SY_OK);
    assert_int_equal(sy_base64_encode(&b, SY_LIT("\xff\xfe\x00")), SY_OK);
    assert_string_equal(b.data, "sy1://4A");
    sy_buf_free(&b);
}

static void test_decode_refuses_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg=",       /* length not a multiple of 4 */
        "Zg",        /* unpadded */
        "Zm9v\n",    /* whitespace */
        "Zm 9",      /* space inside */
        "Zh==",      /* unused bits set: not canonical ("Zg==" is) */
        "Zm9=",      /* unused bits set ("Zm8=") */
        "Zg==Zg==",  /* padding in the middle */
        "=Zg=",      /* padding first */
        "Z===",      /* three pads */
        "Zm-v",      /* URL-safe alphabet */
        "Zm_v",
        "====",
        "gAAAAABp",  /* fine base64 ... */
    };
    for (size_t i = 0; i + 1 < sizeof bad / sizeof bad[0]; i++) {
        struct sy_buf b;
        sy_buf_init(&b, 1024);
        assert_int_equal(sy_buf_append_cstr(&b, "keep"), SY_OK);
        assert_int_equal(sy_base64_decode(&b, sy_slice_cstr(bad[i])), SY_EINVAL);
        assert_string_equal(b.data, "keep"); /* unchanged on failure */
        sy_buf_free(&b);
    }
    struct sy_buf b;
    sy_buf_init(&b, 1024);
    assert_int_equal(sy_base64_decode(&b, sy_slice_cstr(bad[sizeof bad / sizeof bad[0] - 1])), SY_OK);
    assert_int_equal(b.len, 6);
    sy_buf_free(&b);
}

static void test_cap(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, 6);
    assert_int_equal(sy_base64_encode(&b, SY_LIT("foobar")), SY_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(sy_base64_decode(&b, SY_LIT("Zm9vYmFyYg==")), SY_ETOOBIG);
    assert_int_equal(b.len, 0);
    sy_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_round_trip_all_bytes),
        cmocka_unit_test(test_appends_to_existing_content),
        cmocka_unit_test(test_decode_refuses_malformed),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
