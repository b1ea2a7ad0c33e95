/* Op dispatch, transactions around groups of ops, shared helpers, paged lists and the expiry
 * sweep (see sql_ops.h). */
#include "store/sql_ops.h"

#include "core/log.h"
#include "store/redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SWEEP_BATCH 256   /* rows deleted per transaction */
#define SWEEP_ROUNDS 16   /* transactions per table per sweep; the rest waits for the next one */

static const struct {
    sy_status (*fn)(struct sy_sql_op *o);
    bool write;
} op_table[] = {
    [SY_STORE_PUT_RESPONSE] = { sy_sql_put_response, true },
    [SY_STORE_DELETE_RESPONSE] = { sy_sql_delete_response, true },
    [SY_STORE_CREATE_CONVERSATION] = { sy_sql_create_conversation, true },
    [SY_STORE_UPDATE_CONVERSATION] = { sy_sql_update_conversation, true },
    [SY_STORE_DELETE_CONVERSATION] = { sy_sql_delete_conversation, true },
    [SY_STORE_ADD_CONVERSATION_ITEMS] = { sy_sql_add_conversation_items, true },
    [SY_STORE_DELETE_CONVERSATION_ITEM] = { sy_sql_delete_conversation_item, true },
    [SY_STORE_GET_RESPONSE] = { sy_sql_get_response, false },
    [SY_STORE_LIST_INPUT_ITEMS] = { sy_sql_list_input_items, false },
    [SY_STORE_LOAD_CHAIN] = { sy_sql_load_chain, false },
    [SY_STORE_GET_CONVERSATION] = { sy_sql_get_conversation, false },
    [SY_STORE_LIST_CONVERSATION_ITEMS] = { sy_sql_list_conversation_items, false },
    [SY_STORE_GET_CONVERSATION_ITEM] = { sy_sql_get_conversation_item, false },
    [SY_STORE_UPDATE_RUN] = { sy_sql_update_run, true },
    [SY_STORE_APPEND_EVENTS] = { sy_sql_append_events, true },
    [SY_STORE_READ_EVENTS] = { sy_sql_read_events, false },
    [SY_STORE_REQUEST_CANCEL] = { sy_sql_request_cancel, true },
    [SY_STORE_COUNT_ACTIVE] = { sy_sql_count_active, false },
    [SY_STORE_SWEEP] = { sy_sql_sweep, true },
};

bool sy_sql_is_write(enum sy_store_op op)
{
    return (size_t)op < sizeof op_table / sizeof op_table[0] && op_table[op].write;
}

static sy_status run_one(struct sy_sql_op *o)
{
    enum sy_store_op op = o->rq->op;
    if ((size_t)op >= sizeof op_table / sizeof op_table[0] || !op_table[op].fn)
        return sy_sql_fail(o, SY_EINTERNAL, "store: unknown operation %d", (int)op);
    o->res->status = SY_OK;
    return op_table[op].fn(o);
}

/* One op of a group, under a savepoint. False when the transaction itself is broken. */
static bool run_saved(struct sy_db *db, struct sy_sql_op *o)
{
    if (db->ops->script(db, "SAVEPOINT sy_job") != SY_OK) {
        sy_sql_dberr(o);
        return false;
    }
    if (run_one(o) == SY_OK) {
        if (db->ops->script(db, "RELEASE sy_job") == SY_OK)
            return true;
        sy_sql_dberr(o);
        return false;
    }
    char saved[sizeof db->err];
    snprintf(saved, sizeof saved, "%s", db->err);
    bool ok = db->ops->script(db, "ROLLBACK TO sy_job; RELEASE sy_job") == SY_OK;
    snprintf(db->err, sizeof db->err, "%s", saved);
    return ok;
}

void sy_sql_run_group(struct sy_db *db, struct sy_sql_op *const *ops, size_t n)
{
    if (n == 1 && ops[0]->rq->op == SY_STORE_SWEEP) {
        ops[0]->res->status = SY_OK;
        sy_sql_sweep(ops[0]);
        return;
    }
    bool write = sy_sql_is_write(ops[0]->rq->op);
    if (!write && !db->read_txn) {
        for (size_t i = 0; i < n; i++)
            run_one(ops[i]);
        return;
    }
    if (db->ops->script(db, write ? db->begin_write : "BEGIN") != SY_OK) {
        for (size_t i = 0; i < n; i++)
            sy_sql_dberr(ops[i]);
        return;
    }
    bool broken = false;
    for (size_t i = 0; i < n; i++) {
        if (broken)
            sy_sql_fail(ops[i], SY_EINTERNAL, "%s store: transaction aborted", db->kind);
        else if (n == 1)
            broken = run_one(ops[i]) != SY_OK;
        else
            broken = !run_saved(db, ops[i]);
    }
    if (broken || db->ops->script(db, "COMMIT") != SY_OK) {
        for (size_t i = 0; i < n && !broken; i++)
            if (ops[i]->res->status == SY_OK)
                sy_sql_dberr(ops[i]);
        db->ops->script(db, "ROLLBACK");
    }
}

sy_status sy_sql_fail(struct sy_sql_op *o, sy_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->res->message, sizeof o->res->message, fmt, ap);
    va_end(ap);
    o->res->status = st;
    return st;
}

sy_status sy_sql_dberr(struct sy_sql_op *o)
{
    return sy_sql_fail(o, SY_EINTERNAL, "%s store: %s", o->db->kind, o->db->err);
}

sy_status sy_sql_redis_fail(struct sy_sql_op *o)
{
    return sy_sql_fail(o, SY_EINTERNAL, "redis: %s", sy_redis_err(o->rd));
}

int64_t sy_sql_int(sy_slice s)
{
    char buf[32];
    size_t n = s.len < sizeof buf - 1 ? s.len : sizeof buf - 1;
    memcpy(buf, s.ptr ? s.ptr : "", n);
    buf[n] = '\0';
    return strtoll(buf, NULL, 10);
}

sy_slice sy_sql_dup(struct sy_sql_op *o, sy_slice s)
{
    return s.ptr ? sy_arena_dup(o->a, s) : sy_slice_from("", 0);
}

void sy_sql_push_item(struct sy_sql_op *o, sy_slice id, sy_slice json)
{
    struct sy_store_result *r = o->res;
    size_t n = r->nitems;
    if ((n & (n - 1)) == 0) { /* 0 or a power of two: full; double (the old array stays in the arena) */
        struct sy_store_item *grown = sy_arena_alloc(o->a, (n ? 2 * n : 1) * sizeof *grown);
        if (n)
            memcpy(grown, r->items, n * sizeof *grown);
        r->items = grown;
    }
    r->items[n] = (struct sy_store_item){ sy_sql_dup(o, id), sy_sql_dup(o, json) };
    r->nitems = n + 1;
}

struct sy_db_param sy_sql_expiry(const struct sy_sql_op *o, int64_t t)
{
    return o->ttl_s ? SY_DB_I(t + o->ttl_s) : SY_DB_NUL;
}

static sy_status seek_after(struct sy_sql_op *o, const struct sy_sql_list *q, sy_slice parent, int64_t *from)
{
    sy_slice after = o->rq->page.after;
    if (o->db->ops->query(o->db, q->seek, SY_DB_ARGS(SY_DB_T(parent), SY_DB_T(after))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = o->db->ops->next(o->db);
    if (found)
        *from = sy_sql_int(o->db->ops->col(o->db, 0));
    if (o->db->ops->end(o->db) != SY_OK)
        return sy_sql_dberr(o);
    if (!found)
        return sy_sql_fail(o, SY_ENOTFOUND, "No item found with id '" SY_SLICE_FMT "' (after).", SY_SLICE_ARG(after));
    return SY_OK;
}

sy_status sy_sql_list_items(struct sy_sql_op *o, const struct sy_sql_list *q, sy_slice parent)
{
    const struct sy_store_page *pg = &o->rq->page;
    int64_t from = pg->desc ? INT64_MAX : -1;
    if (pg->after.len && seek_after(o, q, parent, &from) != SY_OK)
        return o->res->status;
    int64_t fetch = pg->limit ? (int64_t)pg->limit + 1 : INT64_MAX;
    struct sy_db *db = o->db;
    if (db->ops->query(db, pg->desc ? q->desc : q->asc, SY_DB_ARGS(SY_DB_T(parent), SY_DB_I(from), SY_DB_I(fetch))) !=
        SY_OK)
        return sy_sql_dberr(o);
    while (db->ops->next(db)) {
        if (pg->limit && o->res->nitems == pg->limit) {
            o->res->has_more = true;
            break;
        }
        sy_sql_push_item(o, db->ops->col(db, 0), db->ops->col(db, 1));
    }
    return db->ops->end(db) == SY_OK ? SY_OK : sy_sql_dberr(o);
}

/* ---- expiry ------------------------------------------------------------------------------ */

struct sweep_sql {
    const char *select;     /* $1 now, $2 batch → ids */
    const char *del_row;    /* $1 id, $2 now → the id when deleted */
    const char *del_items[2]; /* $1 id (the second may be NULL) */
};

/* Redis event logs expire by themselves (EXPIREAT, the same time). */
static const struct sweep_sql sweep_responses = {
    "SELECT id FROM responses WHERE expires_at <= $1 LIMIT $2",
    "DELETE FROM responses WHERE id = $1 AND expires_at <= $2 RETURNING id",
    { "DELETE FROM response_items WHERE response_id = $1", "DELETE FROM response_events WHERE response_id = $1" },
};

static const struct sweep_sql sweep_conversations = {
    "SELECT id FROM conversations WHERE expires_at <= $1 LIMIT $2",
    "DELETE FROM conversations WHERE id = $1 AND expires_at <= $2 RETURNING id",
    { "DELETE FROM conversation_items WHERE conversation_id = $1", NULL },
};

/* One batch: up to SWEEP_BATCH rows of one table with their items. Returns how many were
 * selected (the caller stops below a full batch), or -1 on error. */
static int sweep_batch(struct sy_sql_op *o, const struct sweep_sql *q)
{
    struct sy_db *db = o->db;
    sy_slice ids[SWEEP_BATCH];
    int n = 0;
    if (db->ops->query(db, q->select, SY_DB_ARGS(SY_DB_I(o->now), SY_DB_I(SWEEP_BATCH))) != SY_OK)
        return -1;
    while (n < SWEEP_BATCH && db->ops->next(db))
        ids[n++] = sy_arena_dup(o->a, db->ops->col(db, 0));
    if (db->ops->end(db) != SY_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        if (db->ops->query(db, q->del_row, SY_DB_ARGS(SY_DB_T(ids[i]), SY_DB_I(o->now))) != SY_OK)
            return -1;
        bool deleted = db->ops->next(db);
        if (db->ops->end(db) != SY_OK)
            return -1;
        for (int k = 0; deleted && k < 2 && q->del_items[k]; k++) {
            if (sy_db_exec(db, q->del_items[k], SY_DB_ARGS(SY_DB_T(ids[i]))) != SY_OK)
                return -1;
        }
        o->res->swept += deleted;
    }
    return n;
}

static sy_status sweep_table(struct sy_sql_op *o, const struct sweep_sql *q)
{
    struct sy_db *db = o->db;
    for (int round = 0; round < SWEEP_ROUNDS; round++) {
        if (db->ops->script(db, db->begin_write) != SY_OK)
            return sy_sql_dberr(o);
        uint64_t before = o->res->swept;
        int n = sweep_batch(o, q);
        if (n < 0 || db->ops->script(db, "COMMIT") != SY_OK) {
            sy_sql_dberr(o);
            o->res->swept = before;
            db->ops->script(db, "ROLLBACK");
            return SY_EINTERNAL;
        }
        if (n < SWEEP_BATCH)
            break;
    }
    return SY_OK;
}

sy_status sy_sql_sweep(struct sy_sql_op *o)
{
    uint64_t failed = 0;
    sy_status st = sy_sql_fail_stale_runs(o, &failed);
    if (failed)
        sy_warn("store: %llu background responses failed: the instance running them stopped renewing its lease",
                (unsigned long long)failed);
    if (st != SY_OK)
        return st;
    if (sweep_table(o, &sweep_responses) != SY_OK)
        return o->res->status;
    return sweep_table(o, &sweep_conversations);
}
