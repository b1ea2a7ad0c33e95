/* Scalar value parsers for the config (see config_values.h). */
#include "config/config_values.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Leading decimal digits of s. Returns how many were read (0 = none); *overflow is set when
 * the value does not fit in 64 bits. */
static size_t read_digits(const char *s, uint64_t *v, bool *overflow)
{
    size_t i = 0;
    *v = 0;
    *overflow = false;
    for (; isdigit((unsigned char)s[i]); i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (*v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            *v = *v * 10 + d;
    }
    return i;
}

static bool range_err(const char *s, uint64_t min, uint64_t max, char *err, size_t n)
{
    snprintf(err, n, "must be between %llu and %llu, got '%s'", (unsigned long long)min,
             (unsigned long long)max, s);
    return false;
}

bool sy_cfg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t n)
{
    uint64_t v;
    bool overflow;
    size_t k = read_digits(s, &v, &overflow);
    if (k == 0 || s[k] != '\0') {
        snprintf(err, n, "expected a %s integer, got '%s'", min > 0 ? "positive" : "non-negative", s);
        return false;
    }
    if (overflow || v < min || v > max)
        return range_err(s, min, max, err, n);
    *out = v;
    return true;
}

static const struct {
    const char *suffix;
    unsigned shift;
} size_suffixes[] = {
    { "", 0 },    { "b", 0 },    { "k", 10 },  { "kb", 10 }, { "kib", 10 }, { "m", 20 },
    { "mb", 20 }, { "mib", 20 }, { "g", 30 },  { "gb", 30 }, { "gib", 30 },
};

bool sy_cfg_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t n)
{
    uint64_t v;
    bool overflow;
    size_t k = read_digits(s, &v, &overflow);
    const char *suffix = s + k;
    while (*suffix == ' ')
        suffix++;
    for (size_t i = 0; k > 0 && i < sizeof size_suffixes / sizeof size_suffixes[0]; i++) {
        if (strcasecmp(suffix, size_suffixes[i].suffix) != 0)
            continue;
        unsigned shift = size_suffixes[i].shift;
        if (overflow || v > (UINT64_MAX >> shift) || (v << shift) < min || (v << shift) > max)
            return range_err(s, min, max, err, n);
        *out = v << shift;
        return true;
    }
    snprintf(err, n, "expected a size such as 16777216, 512KiB or 16MiB, got '%s'", s);
    return false;
}

bool sy_cfg_parse_bool(const char *s, bool *out, char *err, size_t n)
{
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0) {
        *out = true;
        return true;
    }
    if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0) {
        *out = false;
        return true;
    }
    snprintf(err, n, "expected true or false, got '%s'", s);
    return false;
}

bool sy_cfg_parse_seconds(const char *s, uint64_t min_ms, uint64_t max_ms, uint64_t *out, char *err, size_t n)
{
    uint64_t whole, frac_ms = 0;
    bool overflow;
    size_t k = read_digits(s, &whole, &overflow);
    const char *p = s + k;
    size_t fdigits = 0;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, fdigits++) {
            if (fdigits < 3)
                frac_ms = frac_ms * 10 + (uint64_t)(*p - '0');
        }
        for (size_t i = fdigits; i < 3; i++)
            frac_ms *= 10;
    }
    if ((k == 0 && fdigits == 0) || *p != '\0') {
        snprintf(err, n, "expected a number of seconds, got '%s'", s);
        return false;
    }
    bool big = overflow || whole > (UINT64_MAX - 999) / 1000;
    uint64_t ms = big ? UINT64_MAX : whole * 1000 + frac_ms;
    if (ms < min_ms || ms > max_ms) {
        snprintf(err, n, "must be %s and at most %llu seconds, got '%s'", min_ms ? "greater than 0" : "0 or more",
                 (unsigned long long)(max_ms / 1000), s);
        return false;
    }
    *out = ms;
    return true;
}

static bool host_chars_ok(const char *h, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':' && c != '%')
            return false;
    }
    return true;
}

/* Split s into host (h, hlen) and the port text; brackets around an IPv6 host are removed. */
static bool split_hostport(const char *s, const char **h, size_t *hlen, const char **port, char *err, size_t n)
{
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') {
            snprintf(err, n, "expected [IPV6]:PORT, got '%s'", s);
            return false;
        }
        *h = s + 1;
        *hlen = (size_t)(close - s - 1);
        *port = close + 2;
        return true;
    }
    const char *colon = strrchr(s, ':');
    if (!colon) {
        snprintf(err, n, "expected HOST:PORT, got '%s'", s);
        return false;
    }
    *h = s;
    *hlen = (size_t)(colon - s);
    *port = colon + 1;
    if (memchr(s, ':', *hlen)) {
        snprintf(err, n, "an IPv6 host must be in brackets, as in [::1]:8080, got '%s'", s);
        return false;
    }
    return true;
}

bool sy_cfg_parse_listen(const char *s, char *host, size_t hostn, uint16_t *port, char *err, size_t n)
{
    const char *h, *p;
    size_t hlen;
    if (!split_hostport(s, &h, &hlen, &p, err, n))
        return false;
    if (hlen == 0) {
        snprintf(err, n, "missing host in '%s' (use 0.0.0.0:PORT to listen on every interface)", s);
        return false;
    }
    if (hlen >= hostn || !host_chars_ok(h, hlen)) {
        snprintf(err, n, "invalid host in '%s'", s);
        return false;
    }
    uint64_t v;
    bool overflow;
    size_t k = read_digits(p, &v, &overflow);
    if (k == 0 || p[k] != '\0' || overflow || v < 1 || v > 65535) {
        snprintf(err, n, "port must be a number between 1 and 65535, got '%s'", s);
        return false;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)v;
    return true;
}

bool sy_cfg_check_url(char *url, char *err, size_t n)
{
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        url[--len] = '\0';
    size_t scheme = strncasecmp(url, "http://", 7) == 0 ? 7 : strncasecmp(url, "https://", 8) == 0 ? 8 : 0;
    bool spaces = false;
    for (size_t i = 0; i < len; i++)
        spaces |= isspace((unsigned char)url[i]) != 0;
    if (scheme == 0 || len == scheme || url[scheme] == '/' || spaces) {
        snprintf(err, n, "expected an http:// or https:// URL, got '%s'", url);
        return false;
    }
    return true;
}

#define REDIS_URL_FORM "expected redis://[[user]:password@]host[:port][/db]"

static int hex_val(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10) : -1;
}

/* Percent-decode s[0..len) into out[outn]. False when malformed or too long. */
static bool pct_decode(const char *s, size_t len, char *out, size_t outn)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len || hex_val(s[i + 1]) < 0 || hex_val(s[i + 2]) < 0)
                return false;
            c = (char)(hex_val(s[i + 1]) * 16 + hex_val(s[i + 2]));
            i += 2;
        }
        if (c == '\0' || o + 1 >= outn)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

static bool redis_userinfo(const char *s, size_t len, struct sy_redis_addr *a, char *err, size_t n)
{
    const char *colon = memchr(s, ':', len);
    if (!colon) {
        snprintf(err, n, "%s (a password goes after a ':', as in redis://:secret@host)", REDIS_URL_FORM);
        return false;
    }
    size_t ulen = (size_t)(colon - s);
    a->has_user = ulen > 0;
    a->has_password = true;
    if ((ulen && !pct_decode(s, ulen, a->user, sizeof a->user)) ||
        !pct_decode(colon + 1, len - ulen - 1, a->password, sizeof a->password)) {
        snprintf(err, n, "%s: malformed or too long user or password", REDIS_URL_FORM);
        return false;
    }
    return true;
}

/* host[:port] from s[0..len). */
static bool redis_hostport(const char *s, size_t len, struct sy_redis_addr *a, char *err, size_t n)
{
    const char *h = s, *port = NULL;
    size_t hlen = len;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close || (close + 1 < s + len && close[1] != ':')) {
            snprintf(err, n, "%s: an IPv6 host goes in brackets, as in redis://[::1]:6379", REDIS_URL_FORM);
            return false;
        }
        h = s + 1;
        hlen = (size_t)(close - s - 1);
        port = close + 1 < s + len ? close + 2 : NULL;
    } else {
        const char *colon = memchr(s, ':', len);
        if (colon) {
            hlen = (size_t)(colon - s);
            port = colon + 1;
        }
    }
    if (hlen == 0 || hlen >= sizeof a->host || !host_chars_ok(h, hlen)) {
        snprintf(err, n, "%s: missing or invalid host", REDIS_URL_FORM);
        return false;
    }
    memcpy(a->host, h, hlen);
    a->host[hlen] = '\0';
    a->port = 6379;
    if (port) {
        uint64_t v;
        bool overflow;
        size_t plen = (size_t)(s + len - port);
        size_t k = read_digits(port, &v, &overflow);
        if (k == 0 || k != plen || overflow || v < 1 || v > 65535) {
            snprintf(err, n, "%s: the port must be a number between 1 and 65535", REDIS_URL_FORM);
            return false;
        }
        a->port = (uint16_t)v;
    }
    return true;
}

bool sy_cfg_parse_redis_url(const char *s, struct sy_redis_addr *a, char *err, size_t n)
{
    memset(a, 0, sizeof *a);
    if (strncasecmp(s, "rediss://", 9) == 0) {
        snprintf(err, n, "TLS (rediss://) is not supported: hiredis 0.14 has no TLS");
        return false;
    }
    if (strncasecmp(s, "redis://", 8) != 0) {
        snprintf(err, n, "%s", REDIS_URL_FORM);
        return false;
    }
    /* user and password reach to the last '@' (a password from ${NAME} may hold any character);
     * host, port and db after it are strict */
    const char *p = s + 8;
    const char *at = strrchr(p, '@');
    if (at && !redis_userinfo(p, (size_t)(at - p), a, err, n))
        return false;
    const char *hp = at ? at + 1 : p;
    if (strpbrk(hp, "?#")) {
        snprintf(err, n, "%s (no query or fragment)", REDIS_URL_FORM);
        return false;
    }
    const char *slash = strchr(hp, '/');
    size_t hp_len = slash ? (size_t)(slash - hp) : strlen(hp);
    if (!redis_hostport(hp, hp_len, a, err, n))
        return false;
    if (slash && slash[1]) {
        uint64_t v;
        bool overflow;
        size_t k = read_digits(slash + 1, &v, &overflow);
        if (k == 0 || slash[1 + k] != '\0' || overflow || v > 1000000) {
            snprintf(err, n, "%s: the database must be a number", REDIS_URL_FORM);
            return false;
        }
        a->db = (uint32_t)v;
    }
    return true;
}
