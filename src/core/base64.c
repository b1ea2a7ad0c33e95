/* Base64 encoder and strict decoder (see base64.h). */
#include "core/base64.h"

#include <stdint.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sy_base64_encoded_len(size_t n) { return (n / 3 + (n % 3 != 0)) * 4; }

sy_status sy_base64_encode(struct sy_buf *out, sy_slice in)
{
    const unsigned char *p = (const unsigned char *)in.ptr;
    char group[4];
    size_t mark = out->len;
    for (size_t i = 0; i < in.len; i += 3) {
        size_t left = in.len - i;
        uint32_t v = (uint32_t)p[i] << 16;
        if (left > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (left > 2)
            v |= p[i + 2];
        group[0] = alphabet[(v >> 18) & 63];
        group[1] = alphabet[(v >> 12) & 63];
        group[2] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
        group[3] = left > 2 ? alphabet[v & 63] : '=';
        if (sy_buf_append(out, group, sizeof group) != SY_OK) {
            if (out->data) {
                out->len = mark;
                out->data[mark] = '\0';
            }
            return SY_ETOOBIG;
        }
    }
    return SY_OK;
}

/* Value of one alphabet character, or -1. */
static int value_of(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode one group of 4 characters into bytes[]; returns how many bytes it holds (1..3), or
 * 0 when the group is malformed. `last`: the group may end with padding. */
static size_t decode_group(const unsigned char *g, bool last, unsigned char bytes[3])
{
    size_t pad = last ? (g[3] == '=') + (g[3] == '=' && g[2] == '=') : 0;
    uint32_t v = 0;
    for (size_t k = 0; k < 4 - pad; k++) {
        int x = value_of(g[k]);
        if (x < 0)
            return 0;
        v = v << 6 | (uint32_t)x;
    }
    v <<= 6 * pad;
    if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
        return 0; /* non-zero unused bits: not the canonical encoding */
    bytes[0] = (unsigned char)(v >> 16);
    bytes[1] = (unsigned char)(v >> 8);
    bytes[2] = (unsigned char)v;
    return 3 - pad;
}

sy_status sy_base64_decode(struct sy_buf *out, sy_slice in)
{
    if (in.len % 4 != 0)
        return SY_EINVAL;
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t mark = out->len;
    sy_status st = SY_OK;
    for (size_t i = 0; i < in.len && st == SY_OK; i += 4) {
        unsigned char bytes[3];
        size_t n = decode_group(p + i, i + 4 == in.len, bytes);
        st = n == 0 ? SY_EINVAL : sy_buf_append(out, bytes, n);
    }
    if (st != SY_OK && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return st;
}
