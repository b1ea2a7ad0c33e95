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

static size_t put_int(char *out, size_t k, size_t cap, int64_t v)
{
    if (v < 0)
        return k + (size_t)snprintf(out + k, cap > k ? cap - k : 0, "null");
    return k + (size_t)snprintf(out + k, cap > k ? cap - k : 0, "%lld", (long long)v);
}

#define KEY(name) (k += (size_t)snprintf(line + k, sizeof line > k ? sizeof line - k : 0, ",\"" name "\":"))

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
    KEY("ms");         k += (size_t)snprintf(line + k, sizeof line - k, "%.3f", (double)e->total_us / 1000.0);
    KEY("upstream_ms"); k = put_int(line, k, sizeof line, e->upstream_ms);
    KEY("bytes_in");   k = put_int(line, k, sizeof line, (int64_t)e->bytes_in);
    KEY("bytes_out");  k = put_int(line, k, sizeof line, (int64_t)e->bytes_out);
    KEY("stream");     k += (size_t)snprintf(line + k, sizeof line - k, "%s", e->stream ? "true" : "false");
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
