/* Redis event logs and cancel flags over synchronous hiredis (see redis.h). Commands go out as
 * one pipeline per call (hiredis argv form: binary-safe, nothing is escaped). */
#include "store/redis.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xmalloc.h"

#define TIMEOUT_S 5           /* connect, and each command */
#define MAX_CMDS 4            /* commands per pipeline */
#define RETRY_MS 1000         /* after a failed connect, jobs fail at once for this long */

struct sy_redis {
    redisContext *c;
    char *host, *username, *password;
    int port;
    uint32_t db;
    int64_t retry_at;         /* monotonic ms: no new connect attempt before */
    char err[240];
};

/* One command: argv with lengths (the caller's memory). */
struct cmd {
    int argc;
    const char **argv;
    const size_t *lens;
};

struct sy_redis *sy_redis_new(const struct sy_redis_cfg *cfg)
{
    struct sy_redis *r = sy_xcalloc(1, sizeof *r);
    r->host = sy_xstrdup(cfg->host);
    r->port = cfg->port;
    r->db = cfg->db;
    r->username = cfg->username ? sy_xstrdup(cfg->username) : NULL;
    r->password = cfg->password ? sy_xstrdup(cfg->password) : NULL;
    return r;
}

static void drop(struct sy_redis *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

void sy_redis_free(struct sy_redis *r)
{
    if (!r)
        return;
    drop(r);
    free(r->host);
    free(r->username);
    if (r->password)
        memset(r->password, 0, strlen(r->password));
    free(r->password);
    free(r);
}

const char *sy_redis_err(const struct sy_redis *r)
{
    return r->err;
}

static bool fail(struct sy_redis *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct sy_redis *r, const char *fmt, ...)
{
    int k = snprintf(r->err, sizeof r->err, "%s:%d: ", r->host, r->port);
    va_list ap;
    va_start(ap, fmt);
    if (k > 0 && (size_t)k < sizeof r->err)
        vsnprintf(r->err + k, sizeof r->err - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

/* A command on the fresh connection, during connect: true when it answered +OK. */
static bool setup_cmd(struct sy_redis *r, int argc, const char **argv, const char *what)
{
    redisReply *rep = redisCommandArgv(r->c, argc, argv, NULL);
    bool ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (!rep)
        fail(r, "%s: %s", what, r->c->errstr);
    else if (!ok)
        fail(r, "%s: %.*s", what, rep->type == REDIS_REPLY_ERROR ? (int)rep->len : 0, rep->str ? rep->str : "");
    freeReplyObject(rep);
    return ok;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool connect_now(struct sy_redis *r)
{
    drop(r);
    struct timeval tv = { TIMEOUT_S, 0 };
    r->c = redisConnectWithTimeout(r->host, r->port, tv);
    if (!r->c || r->c->err) {
        fail(r, "cannot connect: %s", r->c ? r->c->errstr : "out of memory");
        drop(r);
        return false;
    }
    redisSetTimeout(r->c, tv);
    bool ok = true;
    if (r->password) {
        const char *auth[] = { "AUTH", r->username ? r->username : r->password, r->password };
        ok = setup_cmd(r, r->username ? 3 : 2, auth, "AUTH");
    }
    if (ok && r->db) {
        char db[16];
        snprintf(db, sizeof db, "%" PRIu32, r->db);
        const char *sel[] = { "SELECT", db };
        ok = setup_cmd(r, 2, sel, "SELECT");
    }
    if (!ok)
        drop(r);
    return ok;
}

bool sy_redis_connect(struct sy_redis *r)
{
    bool ok = connect_now(r);
    r->retry_at = ok ? 0 : mono_ms() + RETRY_MS;
    return ok;
}

/* Connect unless a connect failed a moment ago (then fail at once with that error: a Redis
 * that is down must not hold every job for the connect timeout). */
static bool ensure_connected(struct sy_redis *r)
{
    if (r->retry_at && mono_ms() < r->retry_at)
        return false;
    return sy_redis_connect(r);
}

static void free_replies(redisReply **rep, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rep[i])
            freeReplyObject(rep[i]);
        rep[i] = NULL;
    }
}

/* Send cmds as one pipeline and read every reply into rep (the caller frees them with
 * free_replies). A connection that breaks is made again and the pipeline sent once more,
 * unless the connection was new already. Error replies are the caller's to judge. */
static bool pipeline(struct sy_redis *r, const struct cmd *cmds, size_t n, redisReply **rep)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fresh = !r->c;
        if (fresh && !ensure_connected(r))
            return false;
        for (size_t i = 0; i < n; i++)
            redisAppendCommandArgv(r->c, cmds[i].argc, cmds[i].argv, cmds[i].lens);
        size_t got = 0;
        while (got < n) {
            void *reply = NULL;
            if (redisGetReply(r->c, &reply) != REDIS_OK)
                break;
            rep[got++] = reply;
        }
        if (got == n)
            return true;
        fail(r, "%s", r->c->errstr[0] ? r->c->errstr : "connection lost");
        free_replies(rep, got);
        drop(r);
        if (fresh)
            return false;
    }
    return false;
}

/* False (with the message) when a reply is an error. */
static bool reply_ok(struct sy_redis *r, const redisReply *rep)
{
    if (rep->type != REDIS_REPLY_ERROR)
        return true;
    return fail(r, "%.*s", (int)rep->len, rep->str);
}

/* "sy:<kind>:<id>" in buf (malloc'd when longer than buf). */
static char *make_key(char *buf, size_t bufn, const char *kind, sy_slice id, size_t *len)
{
    *len = 3 + strlen(kind) + 1 + id.len;
    char *k = *len < bufn ? buf : sy_xmalloc(*len + 1);
    snprintf(k, *len + 1, "sy:%s:%.*s", kind, (int)id.len, id.ptr);
    return k;
}

static void free_key(char *k, const char *buf)
{
    if (k != buf)
        free(k);
}

bool sy_redis_append_events(struct sy_redis *r, sy_slice id, const struct sy_store_event *ev, size_t n,
                            int64_t expires_at)
{
    if (n == 0)
        return true;
    char kbuf[160], when[24];
    size_t klen, total = 0;
    char *key = make_key(kbuf, sizeof kbuf, "ev", id, &klen);
    for (size_t i = 0; i < n; i++)
        total += ev[i].sse.len + 48;
    size_t argc = 2 + 2 * n;
    const char **argv = sy_xmalloc(argc * sizeof *argv);
    size_t *lens = sy_xmalloc(argc * sizeof *lens);
    char *text = sy_xmalloc(total), *p = text;
    argv[0] = "ZADD", lens[0] = 4;
    argv[1] = key, lens[1] = klen;
    for (size_t i = 0; i < n; i++) {
        char *score = p;
        p += snprintf(p, 24, "%" PRId64, ev[i].seq) + 1;
        char *member = p;
        p += snprintf(p, 24, "%" PRId64 ":", ev[i].seq);
        memcpy(p, ev[i].sse.ptr, ev[i].sse.len);
        p += ev[i].sse.len;
        argv[2 + 2 * i] = score, lens[2 + 2 * i] = strlen(score);
        argv[3 + 2 * i] = member, lens[3 + 2 * i] = (size_t)(p - member);
    }
    snprintf(when, sizeof when, "%" PRId64, expires_at);
    const char *exp_argv[] = { "EXPIREAT", key, when };
    size_t exp_lens[] = { 8, klen, strlen(when) };
    struct cmd cmds[] = { { (int)argc, argv, lens }, { 3, exp_argv, exp_lens } };
    redisReply *rep[MAX_CMDS] = { NULL };
    size_t ncmds = expires_at > 0 ? 2 : 1;
    bool ok = pipeline(r, cmds, ncmds, rep);
    for (size_t i = 0; ok && i < ncmds; i++)
        ok = reply_ok(r, rep[i]);
    free_replies(rep, ncmds);
    free(text);
    free(lens);
    free(argv);
    free_key(key, kbuf);
    return ok;
}

/* One member "<seq>:<text>" → seq and text. */
static bool parse_member(const redisReply *m, int64_t *seq, sy_slice *sse)
{
    if (m->type != REDIS_REPLY_STRING)
        return false;
    const char *colon = memchr(m->str, ':', m->len);
    if (!colon)
        return false;
    char *end;
    *seq = strtoll(m->str, &end, 10);
    *sse = sy_slice_from(colon + 1, m->len - (size_t)(colon + 1 - m->str));
    return end == colon;
}

bool sy_redis_read_events(struct sy_redis *r, sy_slice id, int64_t after, uint64_t max,
                          void (*fn)(void *ctx, int64_t seq, sy_slice sse), void *ctx)
{
    char kbuf[160], from[24], count[24];
    size_t klen;
    char *key = make_key(kbuf, sizeof kbuf, "ev", id, &klen);
    snprintf(from, sizeof from, "(%" PRId64, after);
    snprintf(count, sizeof count, "%" PRIu64, max);
    const char *argv[] = { "ZRANGEBYSCORE", key, from, "+inf", "LIMIT", "0", count };
    size_t lens[] = { 13, klen, strlen(from), 4, 5, 1, strlen(count) };
    struct cmd c = { max ? 7 : 4, argv, lens };
    redisReply *rep[1] = { NULL };
    bool ok = pipeline(r, &c, 1, rep) && reply_ok(r, rep[0]);
    if (ok && rep[0]->type != REDIS_REPLY_ARRAY)
        ok = fail(r, "ZRANGEBYSCORE: unexpected reply type %d", rep[0]->type);
    int64_t last = after;
    for (size_t i = 0; ok && i < rep[0]->elements; i++) {
        int64_t seq;
        sy_slice sse;
        if (!parse_member(rep[0]->element[i], &seq, &sse))
            ok = fail(r, "malformed event in the log of '%.*s'", (int)id.len, id.ptr);
        else if (seq > last) /* one event per seq, should a seq have been written twice */
            fn(ctx, last = seq, sse);
    }
    free_replies(rep, 1);
    free_key(key, kbuf);
    return ok;
}

bool sy_redis_set_cancel(struct sy_redis *r, sy_slice id, int64_t ttl_s)
{
    char kbuf[160], ttl[24];
    size_t klen;
    char *key = make_key(kbuf, sizeof kbuf, "cancel", id, &klen);
    snprintf(ttl, sizeof ttl, "%" PRId64, ttl_s);
    const char *argv[] = { "SET", key, "1", "EX", ttl };
    size_t lens[] = { 3, klen, 1, 2, strlen(ttl) };
    struct cmd c = { ttl_s > 0 ? 5 : 3, argv, lens };
    redisReply *rep[1] = { NULL };
    bool ok = pipeline(r, &c, 1, rep) && reply_ok(r, rep[0]);
    free_replies(rep, 1);
    free_key(key, kbuf);
    return ok;
}

bool sy_redis_get_cancel(struct sy_redis *r, sy_slice id, bool *set)
{
    char kbuf[160];
    size_t klen;
    char *key = make_key(kbuf, sizeof kbuf, "cancel", id, &klen);
    const char *argv[] = { "EXISTS", key };
    size_t lens[] = { 6, klen };
    struct cmd c = { 2, argv, lens };
    redisReply *rep[1] = { NULL };
    bool ok = pipeline(r, &c, 1, rep) && reply_ok(r, rep[0]);
    *set = ok && rep[0]->type == REDIS_REPLY_INTEGER && rep[0]->integer > 0;
    free_replies(rep, 1);
    free_key(key, kbuf);
    return ok;
}

bool sy_redis_delete(struct sy_redis *r, sy_slice id)
{
    char kbuf[160], cbuf[160];
    size_t klen, clen;
    char *key = make_key(kbuf, sizeof kbuf, "ev", id, &klen);
    char *ckey = make_key(cbuf, sizeof cbuf, "cancel", id, &clen);
    const char *argv[] = { "DEL", key, ckey };
    size_t lens[] = { 3, klen, clen };
    struct cmd c = { 3, argv, lens };
    redisReply *rep[1] = { NULL };
    bool ok = pipeline(r, &c, 1, rep) && reply_ok(r, rep[0]);
    free_replies(rep, 1);
    free_key(ckey, cbuf);
    free_key(key, kbuf);
    return ok;
}
