/* Parsers for the scalar value kinds of the config (integers, sizes, booleans, seconds,
 * HOST:PORT, upstream URLs). Pure functions over NUL-terminated text; on failure they write a
 * lower-case message (without the key path) into err. Internal to src/config. */
#ifndef SY_CONFIG_VALUES_H
#define SY_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unsigned decimal integer in [min, max]; no sign, no spaces. */
bool sy_cfg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t n);
/* Byte size: an integer with an optional suffix k/K/KB/KiB, M/MB/MiB, G/GB/GiB (all 1024-based),
 * in [min, max]. */
bool sy_cfg_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t n);
/* true/false/yes/no, any case. */
bool sy_cfg_parse_bool(const char *s, bool *out, char *err, size_t n);
/* Seconds as a non-negative decimal ("600", "0.5") → milliseconds in [min_ms, max_ms]. */
bool sy_cfg_parse_seconds(const char *s, uint64_t min_ms, uint64_t max_ms, uint64_t *out, char *err, size_t n);
/* "HOST:PORT" or "[IPV6]:PORT"; host (without brackets) is copied into host[hostn]. */
bool sy_cfg_parse_listen(const char *s, char *host, size_t hostn, uint16_t *port, char *err, size_t n);
/* Check an http:// or https:// URL and strip its trailing '/' characters in place. */
bool sy_cfg_check_url(char *url, char *err, size_t n);

/* A Redis URL, redis://[[user]:password@]host[:port][/db] (port default 6379, db default 0;
 * user and password percent-decoded). Messages never echo the URL (it may hold a password). */
struct sy_redis_addr {
    char host[256];
    uint16_t port;
    uint32_t db;
    char user[128], password[256];
    bool has_user, has_password;
};
bool sy_cfg_parse_redis_url(const char *s, struct sy_redis_addr *out, char *err, size_t n);

#endif
