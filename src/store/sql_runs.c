/* Background runs: the running instance's progress and lease (UPDATE_RUN), the event log
 * (APPEND / READ_EVENTS: table response_events, or Redis when configured), cancel requests,
 * the count of active runs, and failing the runs whose lease has passed (the sweeper). */
#include <stdio.h>
#include <string.h>

#include "store/redis.h"
#include "store/sql_ops.h"

#define RESPONSE_LIVE "id = $1 AND owner = $2 AND " SY_SQL_LIVE(3)
/* A run that has not ended. */
#define RUN_ACTIVE "background = 1 AND status IN ('queued', 'in_progress')"
/* ... whose lease has passed ($1 now). */
#define RUN_STALE RUN_ACTIVE " AND lease_until > 0 AND lease_until < $1"

#define STALE_BATCH 256   /* runs failed per transaction */
#define STALE_ROUNDS 16   /* transactions per sweep */
#define EVENTS_PER_INSERT 8

static const char stale_error[] = "{\"code\":\"server_error\",\"message\":\"The gateway instance running this response "
                                  "stopped before it finished.\"}";

/* ---- UPDATE_RUN ------------------------------------------------------------------------- */

sy_status sy_sql_update_run(struct sy_sql_op *o)
{
    const struct sy_store_req *rq = o->rq;
    if (rq->response.len > o->lim->max_response_bytes)
        return sy_sql_fail(o, SY_ETOOBIG, "response too large to store: %zu bytes (store.max_response_bytes is %zu)",
                           rq->response.len, o->lim->max_response_bytes);
    struct sy_db *db = o->db;
    if (db->ops->query(db,
                       "UPDATE responses SET status = $2, response = $3, lease_until = $4, instance = $5"
                       " WHERE id = $1 AND " SY_SQL_LIVE(6) " AND status IN ('queued', 'in_progress')"
                       " RETURNING cancel_requested",
                       SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->status), SY_DB_T(rq->response), SY_DB_I(rq->lease_until),
                                  SY_DB_OPT(rq->instance), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    bool cancel = found && sy_sql_int(db->ops->col(db, 0)) != 0;
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    if (!found)
        return sy_sql_response_not_found(o);
    if (!cancel && o->rd && !sy_redis_get_cancel(o->rd, rq->id, &cancel))
        return sy_sql_redis_fail(o);
    o->res->cancel_requested = cancel;
    return SY_OK;
}

/* ---- APPEND_EVENTS ---------------------------------------------------------------------- */

static const char sql_insert_event[] =
    "INSERT INTO response_events (response_id, seq, sse) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
static const char sql_insert_events[] =
    "INSERT INTO response_events (response_id, seq, sse) VALUES ($1, $2, $3), ($1, $4, $5), ($1, $6, $7),"
    " ($1, $8, $9), ($1, $10, $11), ($1, $12, $13), ($1, $14, $15), ($1, $16, $17) ON CONFLICT DO NOTHING";

static sy_status insert_events(struct sy_sql_op *o, const struct sy_store_event *ev, size_t n)
{
    struct sy_db *db = o->db;
    size_t i = 0;
    for (; i + EVENTS_PER_INSERT <= n; i += EVENTS_PER_INSERT) {
        struct sy_db_param p[1 + 2 * EVENTS_PER_INSERT];
        p[0] = SY_DB_T(o->rq->id);
        for (size_t k = 0; k < EVENTS_PER_INSERT; k++) {
            p[1 + 2 * k] = SY_DB_I(ev[i + k].seq);
            p[2 + 2 * k] = SY_DB_T(ev[i + k].sse);
        }
        if (sy_db_exec(db, sql_insert_events, p, sizeof p / sizeof p[0]) != SY_OK)
            return sy_sql_dberr(o);
    }
    for (; i < n; i++) {
        if (sy_db_exec(db, sql_insert_event, SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_I(ev[i].seq), SY_DB_T(ev[i].sse))) !=
            SY_OK)
            return sy_sql_dberr(o);
    }
    return SY_OK;
}

/* The response must be there (any owner, alive). In SQL the no-op update also locks its row
 * until the commit, so a concurrent delete cannot leave events behind; Redis needs no lock
 * (its log expires with the response) — a plain read will do. *expires_at: 0 = never. */
static sy_status lock_response(struct sy_sql_op *o, int64_t *expires_at)
{
    struct sy_db *db = o->db;
    const char *sql = o->rd ? "SELECT expires_at FROM responses WHERE id = $1 AND " SY_SQL_LIVE(2)
                            : "UPDATE responses SET lease_until = lease_until WHERE id = $1 AND " SY_SQL_LIVE(2)
                              " RETURNING expires_at";
    if (db->ops->query(db, sql, SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    *expires_at = found ? sy_sql_int(db->ops->col(db, 0)) : 0;
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return found ? SY_OK : sy_sql_response_not_found(o);
}

sy_status sy_sql_append_events(struct sy_sql_op *o)
{
    const struct sy_store_req *rq = o->rq;
    int64_t expires_at = 0;
    if (lock_response(o, &expires_at) != SY_OK)
        return o->res->status;
    if (!o->rd)
        return insert_events(o, rq->events, rq->nevents);
    if (!sy_redis_append_events(o->rd, rq->id, rq->events, rq->nevents, expires_at))
        return sy_sql_redis_fail(o);
    return SY_OK;
}

/* ---- READ_EVENTS / REQUEST_CANCEL ------------------------------------------------------- */

/* Fill the run's state into the result (owner-checked); *expires_at: 0 = never. */
static sy_status load_run(struct sy_sql_op *o, int64_t *expires_at)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db, "SELECT status, background, response, error, expires_at FROM responses WHERE " RESPONSE_LIVE,
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    if (found) {
        struct sy_store_result *r = o->res;
        r->resp_status = sy_sql_dup(o, db->ops->col(db, 0));
        r->background = sy_sql_int(db->ops->col(db, 1)) != 0;
        r->response = sy_sql_dup(o, db->ops->col(db, 2));
        r->error = sy_sql_dup(o, db->ops->col(db, 3));
        if (expires_at)
            *expires_at = sy_sql_int(db->ops->col(db, 4));
    }
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return found ? SY_OK : sy_sql_response_not_found(o);
}

/* Append (a copy of) one event to res->events; with a page limit, one past it sets has_more. */
static void push_event(void *ctx, int64_t seq, sy_slice sse)
{
    struct sy_sql_op *o = ctx;
    struct sy_store_result *r = o->res;
    uint32_t limit = o->rq->page.limit;
    if (r->has_more || (limit && r->nevents == limit)) {
        r->has_more = true;
        return;
    }
    size_t n = r->nevents;
    if ((n & (n - 1)) == 0) { /* 0 or a power of two: full; double (the old array stays in the arena) */
        struct sy_store_event *grown = sy_arena_alloc(o->a, (n ? 2 * n : 1) * sizeof *grown);
        if (n)
            memcpy(grown, r->events, n * sizeof *grown);
        r->events = grown;
    }
    r->events[n] = (struct sy_store_event){ seq, sy_sql_dup(o, sse) };
    r->nevents = n + 1;
}

sy_status sy_sql_read_events(struct sy_sql_op *o)
{
    if (load_run(o, NULL) != SY_OK)
        return o->res->status;
    const struct sy_store_req *rq = o->rq;
    int64_t after = rq->after_seq < -1 ? -1 : rq->after_seq;
    uint32_t limit = rq->page.limit;
    if (o->rd) {
        if (!sy_redis_read_events(o->rd, rq->id, after, limit ? (uint64_t)limit + 1 : 0, push_event, o))
            return sy_sql_redis_fail(o);
        return SY_OK;
    }
    struct sy_db *db = o->db;
    if (db->ops->query(db, "SELECT seq, sse FROM response_events WHERE response_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                       SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_I(after), SY_DB_I(limit ? (int64_t)limit + 1 : INT64_MAX))) !=
        SY_OK)
        return sy_sql_dberr(o);
    while (db->ops->next(db))
        push_event(o, sy_sql_int(db->ops->col(db, 0)), db->ops->col(db, 1));
    return db->ops->end(db) == SY_OK ? SY_OK : sy_sql_dberr(o);
}

sy_status sy_sql_request_cancel(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db,
                       "UPDATE responses SET cancel_requested = 1 WHERE " RESPONSE_LIVE
                       " AND status IN ('queued', 'in_progress') RETURNING id",
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool requested = db->ops->next(db);
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    int64_t expires_at = 0;
    if (load_run(o, &expires_at) != SY_OK)
        return o->res->status;
    if (requested && o->rd) {
        int64_t ttl = expires_at > 0 ? (expires_at - o->now > 0 ? expires_at - o->now : 1) : 0;
        if (!sy_redis_set_cancel(o->rd, o->rq->id, ttl))
            return sy_sql_redis_fail(o);
    }
    return SY_OK;
}

/* ---- COUNT_ACTIVE ----------------------------------------------------------------------- */

sy_status sy_sql_count_active(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db,
                       "SELECT COUNT(*), COALESCE(SUM(CASE WHEN owner = $1 THEN 1 ELSE 0 END), 0) FROM responses"
                       " WHERE " RUN_ACTIVE " AND (lease_until = 0 OR lease_until >= $2) AND " SY_SQL_LIVE(2),
                       SY_DB_ARGS(SY_DB_T(o->rq->owner), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    if (db->ops->next(db)) {
        o->res->active_total = (uint64_t)sy_sql_int(db->ops->col(db, 0));
        o->res->active_owner = (uint64_t)sy_sql_int(db->ops->col(db, 1));
    }
    return db->ops->end(db) == SY_OK ? SY_OK : sy_sql_dberr(o);
}

/* ---- stale runs (the sweeper) ----------------------------------------------------------- */

/* One batch in its own transaction: how many runs were failed, or -1. */
static int fail_stale_batch(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    if (db->ops->script(db, db->begin_write) != SY_OK)
        return -1;
    int n = 0;
    if (db->ops->query(db,
                       "UPDATE responses SET status = 'failed', error = $3 WHERE id IN (SELECT id FROM responses WHERE "
                       RUN_STALE " LIMIT $2) AND " RUN_STALE " RETURNING id",
                       SY_DB_ARGS(SY_DB_I(o->now), SY_DB_I(STALE_BATCH), SY_DB_S(stale_error))) == SY_OK) {
        while (db->ops->next(db))
            n++;
        if (db->ops->end(db) == SY_OK && db->ops->script(db, "COMMIT") == SY_OK)
            return n;
    }
    char saved[sizeof db->err];
    snprintf(saved, sizeof saved, "%s", db->err);
    db->ops->script(db, "ROLLBACK");
    snprintf(db->err, sizeof db->err, "%s", saved);
    return -1;
}

sy_status sy_sql_fail_stale_runs(struct sy_sql_op *o, uint64_t *failed)
{
    for (int round = 0; round < STALE_ROUNDS; round++) {
        int n = fail_stale_batch(o);
        if (n < 0)
            return sy_sql_dberr(o);
        *failed += (uint64_t)n;
        if (n < STALE_BATCH)
            break;
    }
    return SY_OK;
}
