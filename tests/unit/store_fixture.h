/* Shared fixture of the store conformance suites (store_test.c, store_runs_test.c): one set of
 * tests run against SQLite (a temp file) and PostgreSQL (SWITCHYARD_TEST_PG_URL, a fresh schema
 * per test), and optionally with Redis (SWITCHYARD_TEST_REDIS_URL, its database 9, flushed per
 * test). Jobs are
 * driven through the public job interface with an event_base loop, as a worker does.
 *
 * Without SWITCHYARD_TEST_PG_URL the PostgreSQL group fails, unless SWITCHYARD_TEST_PG_OPTIONAL=1
 * (then it is skipped with a note): CI must not skip it silently. The same goes for the Redis
 * groups, SWITCHYARD_TEST_REDIS_URL and SWITCHYARD_TEST_REDIS_OPTIONAL. scripts/test.sh starts
 * throwaway servers (scripts/pg-test-server.sh, scripts/redis-test-server.sh).
 *
 * Everything here is static (one copy per suite); FIXTURE marks what a suite may leave unused. */
#ifndef SY_TESTS_STORE_FIXTURE_H
#define SY_TESTS_STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config_values.h"
#include "core/arena.h"
#include "store/store.h"

#define FIXTURE static __attribute__((unused))
/* The database of the test Redis these suites use (and FLUSHDB before each test), apart from the
 * URL's own, which the integration tests use. */
#define STORE_TEST_REDIS_DB 9

static struct {
    const char *backend;          /* "sqlite" / "postgres" */
    bool redis;                   /* the group runs with SWITCHYARD_TEST_REDIS_URL */
    char dir[64];                 /* sqlite temp dir */
    char path[128];
    char *url;                    /* postgres URL with the test schema */
    const char *app;              /* its application_name (this process's connections) */
    char schema[64];              /* this process's PostgreSQL schema (suites run in parallel) */
    struct sy_redis_addr raddr;   /* the test Redis */
    struct sy_config cfg;
    struct sy_store *s;
    struct event_base *base;
    struct sy_arena *a;           /* outcomes */
} T;

/* ---- driving jobs -------------------------------------------------------------------------- */

struct outcome {
    bool done;
    sy_status status;
    char message[256];
    const char *response, *resp_status, *prev, *conv, *conv_id, *metadata, *error;
    int64_t created_at;
    size_t nitems;
    const char **ids, **jsons;
    const char *id_list;          /* ids joined with ',' */
    bool has_more;
    uint64_t swept;
    bool background, cancel_requested;
    size_t nevents;
    int64_t *seqs;
    const char **sses;
    const char *seq_list;         /* event seqs joined with ',' */
    uint64_t active_owner, active_total;
};

static const char *dupz(sy_slice s)
{
    return sy_arena_strndup(T.a, s.ptr ? s.ptr : "", s.len);
}

static void capture_events(struct outcome *o, const struct sy_store_result *r)
{
    o->nevents = r->nevents;
    o->seqs = sy_arena_alloc(T.a, (r->nevents + 1) * sizeof *o->seqs);
    o->sses = sy_arena_alloc(T.a, (r->nevents + 1) * sizeof *o->sses);
    char *list = sy_arena_alloc(T.a, 24 * r->nevents + 1);
    list[0] = '\0';
    for (size_t i = 0; i < r->nevents; i++) {
        o->seqs[i] = r->events[i].seq;
        o->sses[i] = dupz(r->events[i].sse);
        sprintf(list + strlen(list), "%s%lld", i ? "," : "", (long long)r->events[i].seq);
    }
    o->seq_list = list;
}

static void capture(const struct sy_store_result *r, void *ctx)
{
    struct outcome *o = ctx;
    o->done = true;
    o->status = r->status;
    snprintf(o->message, sizeof o->message, "%s", r->message);
    o->response = dupz(r->response);
    o->resp_status = dupz(r->resp_status);
    o->prev = dupz(r->previous_response_id);
    o->conv = dupz(r->conversation_id);
    o->conv_id = dupz(r->conv_id);
    o->metadata = dupz(r->metadata);
    o->error = dupz(r->error);
    o->created_at = r->created_at;
    o->has_more = r->has_more;
    o->swept = r->swept;
    o->background = r->background;
    o->cancel_requested = r->cancel_requested;
    o->active_owner = r->active_owner;
    o->active_total = r->active_total;
    o->nitems = r->nitems;
    o->ids = sy_arena_alloc(T.a, (r->nitems + 1) * sizeof *o->ids);
    o->jsons = sy_arena_alloc(T.a, (r->nitems + 1) * sizeof *o->jsons);
    size_t len = 1;
    for (size_t i = 0; i < r->nitems; i++) {
        o->ids[i] = dupz(r->items[i].id);
        o->jsons[i] = dupz(r->items[i].json);
        len += r->items[i].id.len + 1;
    }
    char *list = sy_arena_alloc(T.a, len);
    list[0] = '\0';
    for (size_t i = 0; i < r->nitems; i++) {
        if (i)
            strcat(list, ",");
        strcat(list, o->ids[i]);
    }
    o->id_list = list;
    capture_events(o, r);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    *(bool *)arg = true;
    event_base_loopbreak(T.base);
}

/* Run the loop until *flag or 20 s (which fails the test). */
FIXTURE void loop_until(const bool *flag)
{
    bool timed_out = false;
    struct event *timer = evtimer_new(T.base, on_timeout, &timed_out);
    struct timeval tv = { 20, 0 };
    evtimer_add(timer, &tv);
    while (!*flag && !timed_out)
        event_base_loop(T.base, EVLOOP_ONCE);
    event_free(timer);
    assert_false(timed_out);
}

FIXTURE struct outcome run(const struct sy_store_req *req)
{
    struct outcome o = { 0 };
    struct sy_store_job *job = sy_store_submit(T.s, T.base, req, capture, &o);
    assert_non_null(job);
    loop_until(&o.done);
    if (o.status != SY_OK && o.status != SY_ENOTFOUND && o.status != SY_ETOOBIG)
        fprintf(stderr, "  [%s%s] op %d: %s: %s\n", T.backend, T.redis ? "+redis" : "", (int)req->op,
                sy_status_name(o.status), o.message);
    return o;
}

/* ---- building requests --------------------------------------------------------------------- */

FIXTURE sy_slice S(const char *s)
{
    return sy_slice_cstr(s);
}

/* Items from "id1,id2,...": each JSON holds its id and some non-ASCII and escaped text. */
FIXTURE struct sy_store_item *items_of(const char *ids, size_t *n)
{
    *n = 0;
    if (!ids || !*ids)
        return NULL;
    struct sy_store_item *it = sy_arena_alloc(T.a, 64 * sizeof *it);
    char *copy = sy_arena_strndup(T.a, ids, strlen(ids));
    for (char *save = NULL, *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
        char *json = sy_arena_alloc(T.a, 160);
        snprintf(json, 160, "{\"id\":\"%s\",\"type\":\"message\",\"content\":\"h\xc3\xa9llo \\\"%s\\\" \\u00e9\"}",
                 id, id);
        it[(*n)++] = (struct sy_store_item){ S(id), S(json) };
    }
    return it;
}

FIXTURE struct sy_store_req put_req(const char *id, const char *owner, const char *prev, const char *conv,
                                    const char *in, const char *out)
{
    struct sy_store_req r = { .op = SY_STORE_PUT_RESPONSE, .id = S(id), .owner = S(owner),
                              .created_at = (int64_t)time(NULL), .status = S("completed"), .model = S("gpt-test"),
                              .previous_response_id = S(prev ? prev : ""), .conversation_id = S(conv ? conv : "") };
    char *json = sy_arena_alloc(T.a, 256);
    snprintf(json, 256, "{\"id\":\"%s\",\"object\":\"response\",\"output_text\":\"\xe2\x9c\x93 \\n\"}", id);
    r.response = S(json);
    r.input = items_of(in, &r.ninput);
    r.output = items_of(out, &r.noutput);
    return r;
}

FIXTURE sy_status put(const char *id, const char *owner, const char *prev, const char *conv, const char *in,
                      const char *out)
{
    struct sy_store_req r = put_req(id, owner, prev, conv, in, out);
    return run(&r).status;
}

FIXTURE struct outcome op(enum sy_store_op kind, const char *id, const char *owner)
{
    struct sy_store_req r = { .op = kind, .id = S(id), .owner = S(owner) };
    return run(&r);
}

FIXTURE struct outcome list(enum sy_store_op kind, const char *id, const char *after, uint32_t limit, bool desc)
{
    struct sy_store_req r = { .op = kind, .id = S(id), .owner = S("alice"),
                              .page = { .after = S(after ? after : ""), .limit = limit, .desc = desc } };
    return run(&r);
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static void default_cfg(void)
{
    memset(&T.cfg, 0, sizeof T.cfg);
    struct sy_store_cfg *c = &T.cfg.store;
    c->kind = strcmp(T.backend, "sqlite") == 0 ? SY_STORE_SQLITE : SY_STORE_POSTGRES;
    c->path = T.path;
    c->url = T.url;
    c->ttl_s = 3600;
    c->sweep_interval_s = 60;
    c->max_response_bytes = (size_t)1 << 20;
    c->max_chain = 100;
    c->max_conversation_items = 1000;
    if (T.redis) {
        struct sy_redis_cfg *r = &T.cfg.redis;
        r->url = getenv("SWITCHYARD_TEST_REDIS_URL");
        r->host = T.raddr.host;
        r->port = T.raddr.port;
        r->db = T.raddr.db;
        r->username = T.raddr.has_user ? T.raddr.user : NULL;
        r->password = T.raddr.has_password ? T.raddr.password : NULL;
    }
}

FIXTURE void open_store(void)
{
    struct sy_diag diag;
    sy_diag_clear(&diag);
    sy_status st = sy_store_open(&T.cfg, &T.s, &diag);
    if (st != SY_OK)
        fprintf(stderr, "sy_store_open: %s\n", diag.message);
    assert_int_equal(st, SY_OK);
    assert_string_equal(sy_store_kind(T.s), T.backend);
    assert_int_equal(sy_store_schema_version(T.s), 3);
}

FIXTURE void reopen(void)
{
    sy_store_close(T.s);
    T.s = NULL;
    open_store();
}

/* Drop this process's schema, and (create) make it again, empty. */
static void pg_fresh_schema(bool create)
{
    PGconn *c = PQconnectdb(getenv("SWITCHYARD_TEST_PG_URL"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE;%s%s", T.schema,
             create ? " CREATE SCHEMA " : "", create ? T.schema : "");
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s", PQresultErrorMessage(r));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

/* A command on the test Redis (NULL reply = connection trouble, which fails the test). */
FIXTURE redisReply *redis_cmd(const char *fmt, ...)
{
    redisContext *c = redisConnect(T.raddr.host, T.raddr.port);
    assert_true(c && !c->err);
    if (T.raddr.has_password) {
        redisReply *a = T.raddr.has_user ? redisCommand(c, "AUTH %s %s", T.raddr.user, T.raddr.password)
                                         : redisCommand(c, "AUTH %s", T.raddr.password);
        freeReplyObject(a);
    }
    freeReplyObject(redisCommand(c, "SELECT %u", (unsigned)T.raddr.db));
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    assert_non_null(r);
    return r;
}

static int setup(void **state)
{
    (void)state;
    T.a = sy_arena_new(1 << 16);
    T.base = event_base_new();
    if (strcmp(T.backend, "sqlite") == 0) {
        snprintf(T.dir, sizeof T.dir, "/tmp/sy-store-test-XXXXXX");
        if (!mkdtemp(T.dir))
            return -1;
        snprintf(T.path, sizeof T.path, "%s/sub/store.db", T.dir);
    } else {
        pg_fresh_schema(true);
    }
    if (T.redis)
        freeReplyObject(redis_cmd("FLUSHDB"));
    default_cfg();
    open_store();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sy_store_close(T.s);
    T.s = NULL;
    event_base_free(T.base);
    sy_arena_free(T.a);
    if (strcmp(T.backend, "sqlite") == 0) {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", T.dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

/* ---- groups -------------------------------------------------------------------------------- */

static int group_end(void **state)
{
    (void)state;
    return 0;
}

/* The test URL with search_path set to the test schema. */
static char *pg_test_url(const char *url)
{
    static char app[64];
    snprintf(app, sizeof app, "sy_store_test_%ld", (long)getpid());
    snprintf(T.schema, sizeof T.schema, "sy_store_test_%ld", (long)getpid());
    size_t n = strlen(url) + 128;
    char *u = malloc(n);
    snprintf(u, n, "%s%coptions=-csearch_path%%3D%s&application_name=%s", url, strchr(url, '?') ? '&' : '?',
             T.schema, app);
    T.app = app;
    return u;
}

/* The server URL of a group from the environment: NULL when the group is to be skipped; *failed
 * is bumped when it is missing and not optional. */
static const char *server_url(const char *what, const char *var, const char *optional_var, const char *script,
                              int *failed)
{
    const char *url = getenv(var);
    if (url && *url)
        return url;
    const char *optional = getenv(optional_var);
    if (optional && strcmp(optional, "1") == 0) {
        fprintf(stderr, "store: %s: SKIPPED (%s unset, %s=1)\n", what, var, optional_var);
        return NULL;
    }
    fprintf(stderr, "store: %s: FAILED: %s is not set. Start a server with `scripts/%s start` and export the URL "
                    "it prints, or set %s=1 to skip it.\n", what, var, script, optional_var);
    (*failed)++;
    return NULL;
}

static int run_group(const char *name, const struct CMUnitTest *tests, size_t n, const char *backend, bool redis)
{
    T.backend = backend;
    T.redis = redis;
    return _cmocka_run_group_tests(name, tests, n, NULL, group_end);
}

/* Run `tests` on SQLite and PostgreSQL, and (with_redis) on both again with Redis. */
FIXTURE int store_suite_main(const char *suite, const struct CMUnitTest *tests, size_t n, bool with_redis)
{
    evthread_use_pthreads();
    char name[128];
    snprintf(name, sizeof name, "%s: sqlite", suite);
    int failed = run_group(name, tests, n, "sqlite", false);
    const char *pg = server_url("postgres", "SWITCHYARD_TEST_PG_URL", "SWITCHYARD_TEST_PG_OPTIONAL",
                                "pg-test-server.sh", &failed);
    if (pg) {
        T.url = pg_test_url(pg);
        snprintf(name, sizeof name, "%s: postgres", suite);
        failed += run_group(name, tests, n, "postgres", false);
    }
    const char *redis = with_redis ? server_url("redis", "SWITCHYARD_TEST_REDIS_URL", "SWITCHYARD_TEST_REDIS_OPTIONAL",
                                                "redis-test-server.sh", &failed)
                                   : NULL;
    char err[400];
    if (redis && !sy_cfg_parse_redis_url(redis, &T.raddr, err, sizeof err)) {
        fprintf(stderr, "store: redis: FAILED: SWITCHYARD_TEST_REDIS_URL: %s\n", err);
        failed++;
        redis = NULL;
    }
    T.raddr.db = STORE_TEST_REDIS_DB;
    if (redis) {
        snprintf(name, sizeof name, "%s: sqlite+redis", suite);
        failed += run_group(name, tests, n, "sqlite", true);
        snprintf(name, sizeof name, "%s: postgres+redis", suite);
        if (pg)
            failed += run_group(name, tests, n, "postgres", true);
    }
    if (pg)
        pg_fresh_schema(false);
    free(T.url);
    return failed;
}

#endif
