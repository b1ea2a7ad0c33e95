/* Conformance suite of the store's background runs: PUT of a run, UPDATE_RUN and the cancel
 * flag, the event log (APPEND / READ_EVENTS), COUNT_ACTIVE, stale leases failed by the sweeper,
 * event logs deleted with their response, owner isolation — on SQLite and PostgreSQL, each
 * without and with Redis (see store_fixture.h). */
#include <sqlite3.h>

#include "store/driver.h"
#include "store_fixture.h"

#define STALE_ERROR                                                                                                   \
    "{\"code\":\"server_error\",\"message\":\"The gateway instance running this response stopped before it "       \
    "finished.\"}"

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* A background run as the API puts it at create: status, a lease, this instance. */
static struct sy_store_req run_req(const char *id, const char *owner, const char *status, int64_t lease_until)
{
    struct sy_store_req r = put_req(id, owner, NULL, NULL, "in_1", "");
    r.status = S(status);
    r.background = true;
    r.lease_until = lease_until;
    r.instance = S(sy_store_instance(T.s));
    return r;
}

static sy_status put_run(const char *id, const char *owner, const char *status, int64_t lease_until)
{
    struct sy_store_req r = run_req(id, owner, status, lease_until);
    return run(&r).status;
}

static struct outcome update_run(const char *id, const char *status, const char *snapshot, int64_t lease_until)
{
    struct sy_store_req r = { .op = SY_STORE_UPDATE_RUN, .id = S(id), .status = S(status), .response = S(snapshot),
                              .lease_until = lease_until, .instance = S(sy_store_instance(T.s)) };
    return run(&r);
}

/* The SSE text of event `seq`: non-ASCII, escapes and the blank line that ends an event. */
static const char *sse_text(int64_t seq)
{
    char *t = sy_arena_alloc(T.a, 160);
    snprintf(t, 160, "event: response.output_text.delta\ndata: {\"sequence_number\":%lld,\"delta\":\"h\xc3\xa9 \\n\"}\n\n",
             (long long)seq);
    return t;
}

/* Append events from..to (inclusive) in one job. */
static sy_status append(const char *id, int64_t from, int64_t to)
{
    size_t n = (size_t)(to - from + 1);
    struct sy_store_event *ev = sy_arena_alloc(T.a, n * sizeof *ev);
    for (size_t i = 0; i < n; i++)
        ev[i] = (struct sy_store_event){ from + (int64_t)i, S(sse_text(from + (int64_t)i)) };
    struct sy_store_req r = { .op = SY_STORE_APPEND_EVENTS, .id = S(id), .events = ev, .nevents = n };
    return run(&r).status;
}

static struct outcome read_events(const char *id, const char *owner, int64_t after, uint32_t limit)
{
    struct sy_store_req r = { .op = SY_STORE_READ_EVENTS, .id = S(id), .owner = S(owner), .after_seq = after,
                              .page = { .limit = limit } };
    return run(&r);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_put_background_run(void **state)
{
    (void)state;
    const char *inst = sy_store_instance(T.s);
    assert_int_equal(strlen(inst), 21);
    assert_memory_equal(inst, "inst_", 5);
    assert_int_equal(strspn(inst + 5, "0123456789abcdef"), 16);

    assert_int_equal(put_run("r_bg", "alice", "queued", now_s() + 30), SY_OK);
    struct outcome g = op(SY_STORE_GET_RESPONSE, "r_bg", "alice");
    assert_int_equal(g.status, SY_OK);
    assert_true(g.background);
    assert_string_equal(g.resp_status, "queued");
    assert_string_equal(g.error, "");
    /* the final put: same id, terminal status, lease 0 */
    struct sy_store_req fin = run_req("r_bg", "alice", "completed", 0);
    fin.output = items_of("out_1", &fin.noutput);
    assert_int_equal(run(&fin).status, SY_OK);
    g = op(SY_STORE_GET_RESPONSE, "r_bg", "alice");
    assert_true(g.background);
    assert_string_equal(g.resp_status, "completed");
    assert_string_equal(list(SY_STORE_LIST_INPUT_ITEMS, "r_bg", NULL, 0, false).id_list, "in_1");
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_bg", "bob").status, SY_ENOTFOUND);
}

static void test_update_run_and_cancel(void **state)
{
    (void)state;
    assert_int_equal(put_run("r_run", "alice", "queued", now_s() + 30), SY_OK);
    const char *snap = "{\"id\":\"r_run\",\"status\":\"in_progress\",\"output_text\":\"\xe2\x9c\x93\"}";
    struct outcome u = update_run("r_run", "in_progress", snap, now_s() + 30);
    assert_int_equal(u.status, SY_OK);
    assert_false(u.cancel_requested);
    struct outcome g = op(SY_STORE_GET_RESPONSE, "r_run", "alice");
    assert_string_equal(g.resp_status, "in_progress");
    assert_string_equal(g.response, snap);

    assert_int_equal(op(SY_STORE_REQUEST_CANCEL, "r_run", "bob").status, SY_ENOTFOUND);
    assert_false(update_run("r_run", "in_progress", snap, now_s() + 30).cancel_requested);
    struct outcome c = op(SY_STORE_REQUEST_CANCEL, "r_run", "alice");
    assert_int_equal(c.status, SY_OK);
    assert_string_equal(c.resp_status, "in_progress"); /* the running instance finishes the cancel */
    assert_true(c.background);
    assert_string_equal(c.response, snap);
    assert_string_equal(c.error, "");
    assert_true(update_run("r_run", "in_progress", snap, now_s() + 30).cancel_requested);
    /* a re-put keeps the request */
    assert_int_equal(put_run("r_run", "alice", "in_progress", now_s() + 30), SY_OK);
    assert_true(update_run("r_run", "in_progress", snap, now_s() + 30).cancel_requested);
    if (T.redis) {
        redisReply *ttl = redis_cmd("TTL sy:cancel:r_run");
        assert_true(ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 3500 && ttl->integer <= 3600);
        freeReplyObject(ttl);
        /* the Redis flag alone is enough */
        assert_int_equal(put_run("r_flag", "alice", "in_progress", now_s() + 30), SY_OK);
        assert_false(update_run("r_flag", "in_progress", snap, now_s() + 30).cancel_requested);
        freeReplyObject(redis_cmd("SET sy:cancel:r_flag 1"));
        assert_true(update_run("r_flag", "in_progress", snap, now_s() + 30).cancel_requested);
    }

    /* a finished response: nothing to cancel */
    assert_int_equal(put("r_done", "alice", NULL, NULL, "i1", "o1"), SY_OK);
    c = op(SY_STORE_REQUEST_CANCEL, "r_done", "alice");
    assert_int_equal(c.status, SY_OK);
    assert_string_equal(c.resp_status, "completed");
    assert_false(c.background);
    assert_false(update_run("r_done", "completed", "{}", 0).cancel_requested);

    assert_int_equal(update_run("r_missing", "in_progress", "{}", now_s() + 30).status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_REQUEST_CANCEL, "r_missing", "alice").status, SY_ENOTFOUND);
    char *big = sy_arena_alloc(T.a, (1 << 20) + 2);
    memset(big, 'x', (1 << 20) + 1);
    big[(1 << 20) + 1] = '\0';
    struct outcome tb = update_run("r_run", "in_progress", big, now_s() + 30);
    assert_int_equal(tb.status, SY_ETOOBIG);
    assert_non_null(strstr(tb.message, "store.max_response_bytes"));
}

static void test_events_after_seq(void **state)
{
    (void)state;
    assert_int_equal(put_run("r_ev", "alice", "in_progress", now_s() + 30), SY_OK);
    struct outcome r = read_events("r_ev", "alice", -1, 0);
    assert_int_equal(r.status, SY_OK);
    assert_int_equal(r.nevents, 0);
    assert_string_equal(r.resp_status, "in_progress");
    assert_true(r.background);
    assert_int_equal(append("r_ev", 0, 8), SY_OK);   /* 8 in one statement + 1 */
    assert_int_equal(append("r_ev", 9, 19), SY_OK);
    assert_int_equal(append("r_ev", 5, 6), SY_OK);   /* a retry: already there */

    r = read_events("r_ev", "alice", -1, 0);
    assert_int_equal(r.nevents, 20);
    assert_false(r.has_more);
    for (size_t i = 0; i < 20; i++) {
        assert_int_equal(r.seqs[i], (int64_t)i);
        assert_string_equal(r.sses[i], sse_text((int64_t)i));
    }
    assert_non_null(strstr(r.response, "\"r_ev\""));
    r = read_events("r_ev", "alice", 4, 3);
    assert_string_equal(r.seq_list, "5,6,7");
    assert_true(r.has_more);
    r = read_events("r_ev", "alice", 17, 3);
    assert_string_equal(r.seq_list, "18,19");
    assert_false(r.has_more);
    r = read_events("r_ev", "alice", 17, 2);
    assert_string_equal(r.seq_list, "18,19");
    assert_false(r.has_more);
    assert_int_equal(read_events("r_ev", "alice", 19, 0).nevents, 0);
    assert_int_equal(append("r_nope", 0, 1), SY_ENOTFOUND);
    if (T.redis) { /* the log lives in Redis, expiring with the response */
        redisReply *ttl = redis_cmd("TTL sy:ev:r_ev");
        assert_true(ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 3500 && ttl->integer <= 3600);
        freeReplyObject(ttl);
    }
}

static void test_run_owner_isolation(void **state)
{
    (void)state;
    assert_int_equal(put_run("r_iso", "alice", "in_progress", now_s() + 30), SY_OK);
    assert_int_equal(append("r_iso", 0, 2), SY_OK);
    struct outcome r = read_events("r_iso", "bob", -1, 0);
    assert_int_equal(r.status, SY_ENOTFOUND);
    assert_int_equal(r.nevents, 0);
    assert_int_equal(op(SY_STORE_REQUEST_CANCEL, "r_iso", "bob").status, SY_ENOTFOUND);
    assert_false(update_run("r_iso", "in_progress", "{}", now_s() + 30).cancel_requested);
    assert_int_equal(read_events("r_iso", "alice", -1, 0).nevents, 3);
}

static struct outcome count_active(const char *owner)
{
    struct sy_store_req r = { .op = SY_STORE_COUNT_ACTIVE, .owner = S(owner) };
    return run(&r);
}

static void test_count_active(void **state)
{
    (void)state;
    int64_t lease = now_s() + 30;
    assert_int_equal(put_run("a1", "alice", "queued", lease), SY_OK);
    assert_int_equal(put_run("a2", "alice", "in_progress", lease), SY_OK);
    assert_int_equal(put_run("a3", "alice", "completed", 0), SY_OK);
    assert_int_equal(put_run("a4", "alice", "in_progress", now_s() - 5), SY_OK); /* stale: not counted */
    assert_int_equal(put_run("b1", "bob", "in_progress", lease), SY_OK);
    struct sy_store_req fg = put_req("a5", "alice", NULL, NULL, "i", ""); /* not background */
    fg.status = S("in_progress");
    assert_int_equal(run(&fg).status, SY_OK);
    struct sy_store_req old = run_req("a6", "alice", "in_progress", lease); /* expired */
    old.created_at = now_s() - 7200;
    assert_int_equal(run(&old).status, SY_OK);

    struct outcome c = count_active("alice");
    assert_int_equal(c.status, SY_OK);
    assert_int_equal(c.active_owner, 2);
    assert_int_equal(c.active_total, 3);
    c = count_active("carol");
    assert_int_equal(c.active_owner, 0);
    assert_int_equal(c.active_total, 3);
    assert_int_equal(update_run("a1", "completed", "{}", 0).status, SY_OK);
    assert_int_equal(count_active("alice").active_owner, 1);
}

static void test_stale_lease_fails(void **state)
{
    (void)state;
    assert_int_equal(put_run("r_stale", "alice", "in_progress", now_s() - 5), SY_OK);
    assert_int_equal(put_run("r_queued_stale", "alice", "queued", now_s() - 1), SY_OK);
    assert_int_equal(put_run("r_fresh", "alice", "in_progress", now_s() + 30), SY_OK);
    assert_int_equal(put_run("r_nolease", "alice", "in_progress", 0), SY_OK);
    assert_int_equal(put_run("r_ended", "alice", "completed", now_s() - 5), SY_OK);
    struct sy_store_req fg = put_req("r_fg", "alice", NULL, NULL, "i", "");
    fg.status = S("in_progress");
    fg.lease_until = now_s() - 5;
    assert_int_equal(run(&fg).status, SY_OK);
    assert_int_equal(append("r_stale", 0, 1), SY_OK);

    struct outcome sw = op(SY_STORE_SWEEP, "", "");
    assert_int_equal(sw.status, SY_OK);
    assert_int_equal(sw.swept, 0); /* nothing deleted */
    struct outcome g = op(SY_STORE_GET_RESPONSE, "r_stale", "alice");
    assert_string_equal(g.resp_status, "failed");
    assert_string_equal(g.error, STALE_ERROR);
    assert_non_null(strstr(g.response, "\"r_stale\"")); /* the last snapshot stays */
    assert_string_equal(op(SY_STORE_GET_RESPONSE, "r_queued_stale", "alice").resp_status, "failed");
    struct outcome r = read_events("r_stale", "alice", -1, 0);
    assert_string_equal(r.resp_status, "failed");
    assert_string_equal(r.error, STALE_ERROR);
    assert_int_equal(r.nevents, 2);
    struct outcome c = op(SY_STORE_REQUEST_CANCEL, "r_stale", "alice");
    assert_string_equal(c.resp_status, "failed");
    assert_string_equal(c.error, STALE_ERROR);
    /* a stalled instance that comes back cannot revive the run: its update is refused */
    struct outcome u = update_run("r_stale", "in_progress", "{\"revived\":true}", now_s() + 30);
    assert_int_equal(u.status, SY_ENOTFOUND);
    g = op(SY_STORE_GET_RESPONSE, "r_stale", "alice");
    assert_string_equal(g.resp_status, "failed");
    assert_null(strstr(g.response, "revived"));
    const char *untouched[][2] = { { "r_fresh", "in_progress" }, { "r_nolease", "in_progress" },
                                   { "r_ended", "completed" }, { "r_fg", "in_progress" } };
    for (size_t i = 0; i < sizeof untouched / sizeof untouched[0]; i++) {
        g = op(SY_STORE_GET_RESPONSE, untouched[i][0], "alice");
        assert_string_equal(g.resp_status, untouched[i][1]);
        assert_string_equal(g.error, "");
    }
    assert_int_equal(count_active("alice").active_owner, 2);
}

static void test_events_deleted_with_response(void **state)
{
    (void)state;
    /* DELETE_RESPONSE */
    assert_int_equal(put_run("r_del", "alice", "in_progress", now_s() + 30), SY_OK);
    assert_int_equal(append("r_del", 0, 3), SY_OK);
    assert_int_equal(op(SY_STORE_REQUEST_CANCEL, "r_del", "alice").status, SY_OK);
    assert_int_equal(op(SY_STORE_DELETE_RESPONSE, "r_del", "alice").status, SY_OK);
    assert_int_equal(read_events("r_del", "alice", -1, 0).status, SY_ENOTFOUND);
    assert_int_equal(update_run("r_del", "in_progress", "{}", now_s() + 30).status, SY_ENOTFOUND);
    assert_int_equal(append("r_del", 4, 5), SY_ENOTFOUND);
    assert_int_equal(put_run("r_del", "alice", "in_progress", now_s() + 30), SY_OK); /* the id again: a new log */
    assert_int_equal(read_events("r_del", "alice", -1, 0).nevents, 0);
    assert_false(update_run("r_del", "in_progress", "{}", now_s() + 30).cancel_requested);

    /* expiry: a run that expires within a second (ttl is 3600) */
    struct sy_store_req r = run_req("r_exp", "alice", "in_progress", now_s() + 30);
    r.created_at = now_s() - 3599;
    assert_int_equal(run(&r).status, SY_OK);
    assert_int_equal(append("r_exp", 0, 2), SY_OK);
    int64_t expires = r.created_at + 3600;
    while (now_s() <= expires)
        usleep(50 * 1000);
    assert_int_equal(read_events("r_exp", "alice", -1, 0).status, SY_ENOTFOUND);
    assert_int_equal(append("r_exp", 3, 3), SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_SWEEP, "", "").swept, 1);
    assert_int_equal(put_run("r_exp", "alice", "in_progress", now_s() + 30), SY_OK);
    assert_int_equal(read_events("r_exp", "alice", -1, 0).nevents, 0);
    if (T.redis) {
        redisReply *n = redis_cmd("EXISTS sy:ev:r_del sy:cancel:r_del");
        assert_int_equal(n->integer, 0);
        freeReplyObject(n);
    }
}

/* Redis: connections killed under the store are made again (the command is sent once more);
 * an unreachable Redis stops the open with a message. */
static void test_redis_reconnect(void **state)
{
    (void)state;
    if (!T.redis)
        skip();
    assert_int_equal(put_run("r_rc", "alice", "in_progress", now_s() + 30), SY_OK);
    assert_int_equal(append("r_rc", 0, 1), SY_OK);
    redisReply *k = redis_cmd("CLIENT KILL TYPE normal");
    assert_true(k->type == REDIS_REPLY_INTEGER && k->integer >= 1);
    freeReplyObject(k);
    for (int i = 0; i < 4; i++) /* reads and writes, on every store thread */
        assert_int_equal(read_events("r_rc", "alice", -1, 0).nevents, 2);
    assert_int_equal(append("r_rc", 2, 2), SY_OK);
    assert_int_equal(op(SY_STORE_REQUEST_CANCEL, "r_rc", "alice").status, SY_OK);

    sy_store_close(T.s);
    T.s = NULL;
    T.cfg.redis.port = 1;
    struct sy_diag diag;
    sy_diag_clear(&diag);
    assert_int_equal(sy_store_open(&T.cfg, &T.s, &diag), SY_EINTERNAL);
    assert_null(T.s);
    assert_non_null(strstr(diag.message, "redis: "));
    assert_non_null(strstr(diag.message, ":1: cannot connect"));
    T.cfg.redis.port = T.raddr.port;
    open_store();
}

/* A SQLite file at schema version 2 (before background runs) migrates with its data. */
static void test_migrate_from_v2(void **state)
{
    (void)state;
    if (strcmp(T.backend, "sqlite") != 0)
        skip();
    sy_store_close(T.s);
    T.s = NULL;
    unlink(T.path);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(T.path, &db), SQLITE_OK);
    for (int v = 0; v < 2; v++)
        assert_int_equal(sqlite3_exec(db, sy_migration_sql(v, "sqlite"), NULL, NULL, NULL), SQLITE_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "PRAGMA user_version = 2; INSERT INTO responses (id, owner, created_at, expires_at, status, model,"
             " response, bytes) VALUES ('r_v2', 'alice', %lld, %lld, 'completed', 'm', '{\"id\":\"r_v2\"}', 13)",
             (long long)now_s(), (long long)now_s() + 3600);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    open_store();
    struct outcome g = op(SY_STORE_GET_RESPONSE, "r_v2", "alice");
    assert_int_equal(g.status, SY_OK);
    assert_string_equal(g.response, "{\"id\":\"r_v2\"}");
    assert_false(g.background);
    assert_int_equal(count_active("alice").active_total, 0);
}

#define TESTS(X)                                                                                                  \
    X(test_put_background_run) X(test_update_run_and_cancel) X(test_events_after_seq)                            \
    X(test_run_owner_isolation) X(test_count_active) X(test_stale_lease_fails)                                    \
    X(test_events_deleted_with_response) X(test_redis_reconnect) X(test_migrate_from_v2)

#define ENTRY(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown),

int main(void)
{
    const struct CMUnitTest tests[] = { TESTS(ENTRY) };
    return store_suite_main("store runs", tests, sizeof tests / sizeof tests[0], true);
}
