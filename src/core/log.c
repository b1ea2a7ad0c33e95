/* stderr logger. Lines are formatted into a local buffer and written with one write(2) so that
 * lines from different worker threads never interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic int min_level = SY_LOG_INFO;

void sy_log_set_level(enum sy_log_level lvl)
{
    atomic_store(&min_level, (int)lvl);
}

static size_t timestamp(char *out, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    k += (size_t)snprintf(out + k, n - k, ".%03dZ", (int)(tv.tv_usec / 1000));
    return k;
}

static void write_line(char *line, size_t len, size_t cap)
{
    if (len >= cap - 1)
        len = cap - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void sy_log(enum sy_log_level lvl, const char *fmt, ...)
{
    static const char *names[] = { "debug", "info", "warn", "error" };
    if ((int)lvl < atomic_load(&min_level))
        return;
    char line[2048];
    size_t k = timestamp(line, sizeof line);
    k += (size_t)snprintf(line + k, sizeof line - k, " %s ", names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + k, sizeof line - k, fmt, ap);
    va_end(ap);
    k += n > 0 ? (size_t)n : 0;
    write_line(line, k < sizeof line ? k : sizeof line - 1, sizeof line);
}

/* Append s as a JSON string (or null); stops quietly at the end of the line buffer. */
static size_t put_str(char *out, size_t k, size_t cap, const char *s)
{
    if (!s)
        return k + (size_t)snprintf(out + k, cap > k ? cap - k : 0, "null");
    if (k + 2 >= cap)
        return k;
    out[k++] = '"';
    for (; *s && k + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)snprintf(out + k, cap - k, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k++] = '"';
    return k;
}

/* Decimal text of v (or null when negative); no printf on the per-request path. */
static size_t put_int(char *out, size_t k, size_t cap, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    if (v < 0) {
        memcpy(tmp, "null", 4);
        n = 4;
    } else {
        char rev[24];
        uint64_t u = (uint64_t)v;
        do {
            rev[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        for (size_t i = 0; i < n; i++)
            tmp[i] = rev[n - 1 - i];
    }
    if (k + n >= cap)
        return k;
    memcpy(out + k, tmp, n);
    return k + n;
}

static size_t put_lit(char *out, size_t k, size_t cap, const char *lit, size_t n)
{
    if (k + n >= cap)
        return k;
    memcpy(out + k, lit, n);
    return k + n;
}

/* Microseconds as milliseconds with three decimals ("1.234"). */
static size_t put_millis(char *out, size_t k, size_t cap, uint64_t us)
{
    k = put_int(out, k, cap, (int64_t)(us / 1000));
    unsigned frac = (unsigned)(us % 1000);
    char d[4] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10), (char)('0' + frac % 10) };
    return put_lit(out, k, cap, d, sizeof d);
}

#define KEY(name) (k = put_lit(line, k, sizeof line, ",\"" name "\":", sizeof(",\"" name "\":") - 1))

void sy_log_access(const struct sy_access_entry *e)
{
    char line[4096];
    size_t k = (size_t)snprintf(line, sizeof line, "access {\"ts\":\"");
    k += timestamp(line + k, sizeof line - k);
    line[k++] = '"';
    KEY("request_id"); k = put_str(line, k, sizeof line, e->request_id);
    KEY("method");     k = put_str(line, k, sizeof line, e->method);
    KEY("path");       k = put_str(line, k, sizeof line, e->path);
    KEY("model");      k = put_str(line, k, sizeof line, e->model);
    KEY("key");        k = put_str(line, k, sizeof line, e->key_name);
    KEY("status");     k = put_int(line, k, sizeof line, e->status);
    KEY("ms");         k = put_millis(line, k, sizeof line, e->total_us);
    KEY("upstream_ms"); k = put_int(line, k, sizeof line, e->upstream_ms);
    KEY("bytes_in");   k = put_int(line, k, sizeof line, (int64_t)e->bytes_in);
    KEY("bytes_out");  k = put_int(line, k, sizeof line, (int64_t)e->bytes_out);
    KEY("stream");     k = e->stream ? put_lit(line, k, sizeof line, "true", 4) : put_lit(line, k, sizeof line, "false", 5);
    KEY("prompt_tokens");     k = put_int(line, k, sizeof line, e->prompt_tokens);
    KEY("completion_tokens"); k = put_int(line, k, sizeof line, e->completion_tokens);
    KEY("total_tokens");      k = put_int(line, k, sizeof line, e->total_tokens);
    if (e->error) {
        KEY("error");
        k = put_str(line, k, sizeof line, e->error);
    }
    if (e->dropped) {
        KEY("dropped");
        k = put_str(line, k, sizeof line, e->dropped);
    }
    if (k < sizeof line - 2)
        line[k++] = '}';
    write_line(line, k, sizeof line);
}
