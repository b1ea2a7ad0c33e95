/* Base64 (RFC 4648 section 4: the standard alphabet, `=` padding). The decoder is strict: the
 * input length is a multiple of 4, padding appears only at the end, there is no whitespace, and
 * the unused bits of the last group are zero, so every byte string has exactly one encoding. */
#ifndef SY_CORE_BASE64_H
#define SY_CORE_BASE64_H

#include <stddef.h>

#include "core/buf.h"
#include "core/slice.h"
#include "core/status.h"

/* Length of the encoding of n bytes: 4 * ceil(n / 3). */
size_t sy_base64_encoded_len(size_t n);
/* Append the encoding of in to out. SY_ETOOBIG (out unchanged) when out's cap is hit. */
sy_status sy_base64_encode(struct sy_buf *out, sy_slice in) SY_MUST_CHECK;
/* Append the bytes in encodes to out. SY_EINVAL (out unchanged) when in is not a canonical
 * encoding; SY_ETOOBIG (out unchanged) when out's cap is hit. */
sy_status sy_base64_decode(struct sy_buf *out, sy_slice in) SY_MUST_CHECK;

#endif
