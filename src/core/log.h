/* Logging to stderr: leveled operator messages, and one structured access-log line per request.
 * Thread-safe (each line is written with a single write(2)). Secrets never reach this module:
 * callers log key *names* or ids, never key values. */
#ifndef SY_CORE_LOG_H
#define SY_CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum sy_log_level { SY_LOG_DEBUG, SY_LOG_INFO, SY_LOG_WARN, SY_LOG_ERROR };

/* Messages below `lvl` are dropped. Default: SY_LOG_INFO. */
void sy_log_set_level(enum sy_log_level lvl);
void sy_log(enum sy_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sy_debug(...) sy_log(SY_LOG_DEBUG, __VA_ARGS__)
#define sy_info(...)  sy_log(SY_LOG_INFO, __VA_ARGS__)
#define sy_warn(...)  sy_log(SY_LOG_WARN, __VA_ARGS__)
#define sy_error(...) sy_log(SY_LOG_ERROR, __VA_ARGS__)

/* One finished request. Strings are borrowed and may be NULL. */
struct sy_access_entry {
    const char *request_id;
    const char *method;
    const char *path;
    const char *model;
    const char *key_name;      /* gateway key's name, never its value */
    int         status;
    uint64_t    total_us;      /* from request received to last byte queued */
    int64_t     upstream_ms;   /* -1 when no upstream was called */
    uint64_t    bytes_in, bytes_out;
    bool        stream;
    int64_t     prompt_tokens, completion_tokens, total_tokens; /* -1 when unknown */
    const char *error;         /* short reason for failures, or NULL */
    const char *dropped;       /* comma-separated dropped parameters, or NULL */
};

/* Write one access-log line: `access {"ts":...,"request_id":...}` as a JSON object. */
void sy_log_access(const struct sy_access_entry *e);

#endif
