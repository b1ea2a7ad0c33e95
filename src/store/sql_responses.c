/* Stored responses: put (with items, and the conversation append), get, delete, input items,
 * and the previous_response_id chain. */
#include "store/redis.h"
#include "store/sql_ops.h"

#define RESPONSE_LIVE "id = $1 AND owner = $2 AND " SY_SQL_LIVE(3)

static const char sql_insert_response[] =
    "INSERT INTO responses (id, owner, created_at, expires_at, status, model, previous_response_id,"
    " conversation_id, response, bytes, background, lease_until, instance, cancel_requested)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
static const char sql_insert_item[] =
    "INSERT INTO response_items (response_id, seq, kind, item_id, item) VALUES ($1, $2, $3, $4, $5)";
static const char sql_replace_response[] =
    "DELETE FROM responses WHERE id = $1 AND owner = $2 RETURNING cancel_requested";
static const char sql_delete_items[] = "DELETE FROM response_items WHERE response_id = $1";
static const char sql_delete_events[] = "DELETE FROM response_events WHERE response_id = $1";

static size_t put_bytes(const struct sy_store_req *rq)
{
    size_t n = rq->response.len;
    for (size_t i = 0; i < rq->ninput; i++)
        n += rq->input[i].json.len;
    for (size_t i = 0; i < rq->noutput; i++)
        n += rq->output[i].json.len;
    return n;
}

static sy_status insert_items(struct sy_sql_op *o, const struct sy_store_item *items, size_t n, const char *kind,
                              int64_t *seq)
{
    for (size_t i = 0; i < n; i++) {
        if (sy_db_exec(o->db, sql_insert_item,
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_I((*seq)++), SY_DB_S(kind), SY_DB_T(items[i].id),
                                  SY_DB_T(items[i].json))) != SY_OK)
            return sy_sql_dberr(o);
    }
    return SY_OK;
}

/* A response stored again (same owner) replaces the earlier version and its items (its event
 * log stays, and so does a cancel request: *cancel gets it). */
static sy_status drop_earlier(struct sy_sql_op *o, int64_t *cancel)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db, sql_replace_response, SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner))) != SY_OK)
        return sy_sql_dberr(o);
    bool existed = db->ops->next(db);
    *cancel = existed ? sy_sql_int(db->ops->col(db, 0)) : 0;
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    if (existed && sy_db_exec(db, sql_delete_items, SY_DB_ARGS(SY_DB_T(o->rq->id))) != SY_OK)
        return sy_sql_dberr(o);
    return SY_OK;
}

sy_status sy_sql_put_response(struct sy_sql_op *o)
{
    const struct sy_store_req *rq = o->rq;
    size_t bytes = put_bytes(rq);
    if (bytes > o->lim->max_response_bytes)
        return sy_sql_fail(o, SY_ETOOBIG, "response too large to store: %zu bytes (store.max_response_bytes is %zu)",
                           bytes, o->lim->max_response_bytes);
    if (rq->conversation_id.len) {
        const struct sy_store_item *lists[] = { rq->input, rq->output };
        size_t counts[] = { rq->ninput, rq->noutput };
        if (sy_sql_conversation_append(o, rq->conversation_id, lists, counts, 2, false) != SY_OK)
            return o->res->status;
    }
    int64_t cancel = 0;
    if (drop_earlier(o, &cancel) != SY_OK)
        return o->res->status;
    int64_t created = rq->created_at > 0 ? rq->created_at : o->now;
    if (sy_db_exec(o->db, sql_insert_response,
                   SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->owner), SY_DB_I(created), sy_sql_expiry(o, created), SY_DB_T(rq->status), SY_DB_T(rq->model),
                              SY_DB_OPT(rq->previous_response_id), SY_DB_OPT(rq->conversation_id),
                              SY_DB_T(rq->response), SY_DB_I(bytes), SY_DB_I(rq->background),
                              SY_DB_I(rq->lease_until), SY_DB_OPT(rq->instance), SY_DB_I(cancel))) != SY_OK)
        return sy_sql_dberr(o);
    int64_t seq = 0;
    if (insert_items(o, rq->input, rq->ninput, "input", &seq) != SY_OK ||
        insert_items(o, rq->output, rq->noutput, "output", &seq) != SY_OK)
        return o->res->status;
    return SY_OK;
}

sy_status sy_sql_response_not_found(struct sy_sql_op *o)
{
    return sy_sql_fail(o, SY_ENOTFOUND, "No response found with id '" SY_SLICE_FMT "'.", SY_SLICE_ARG(o->rq->id));
}

sy_status sy_sql_get_response(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db,
                       "SELECT response, status, previous_response_id, conversation_id, created_at, background,"
                       " error FROM responses WHERE " RESPONSE_LIVE,
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    if (found) {
        struct sy_store_result *r = o->res;
        r->response = sy_sql_dup(o, db->ops->col(db, 0));
        r->resp_status = sy_sql_dup(o, db->ops->col(db, 1));
        r->previous_response_id = sy_sql_dup(o, db->ops->col(db, 2));
        r->conversation_id = sy_sql_dup(o, db->ops->col(db, 3));
        r->created_at = sy_sql_int(db->ops->col(db, 4));
        r->background = sy_sql_int(db->ops->col(db, 5)) != 0;
        r->error = sy_sql_dup(o, db->ops->col(db, 6));
    }
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return found ? SY_OK : sy_sql_response_not_found(o);
}

sy_status sy_sql_delete_response(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db, "DELETE FROM responses WHERE " RESPONSE_LIVE " RETURNING id",
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    if (!found)
        return sy_sql_response_not_found(o);
    if (sy_db_exec(db, sql_delete_items, SY_DB_ARGS(SY_DB_T(o->rq->id))) != SY_OK ||
        sy_db_exec(db, sql_delete_events, SY_DB_ARGS(SY_DB_T(o->rq->id))) != SY_OK)
        return sy_sql_dberr(o);
    if (o->rd && !sy_redis_delete(o->rd, o->rq->id))
        return sy_sql_redis_fail(o);
    return SY_OK;
}

static const struct sy_sql_list input_items = {
    .seek = "SELECT seq FROM response_items WHERE response_id = $1 AND kind = 'input' AND item_id = $2"
            " ORDER BY seq LIMIT 1",
    .asc = "SELECT item_id, item FROM response_items WHERE response_id = $1 AND kind = 'input' AND seq > $2"
           " ORDER BY seq LIMIT $3",
    .desc = "SELECT item_id, item FROM response_items WHERE response_id = $1 AND kind = 'input' AND seq < $2"
            " ORDER BY seq DESC LIMIT $3",
};

sy_status sy_sql_list_input_items(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db, "SELECT 1 FROM responses WHERE " RESPONSE_LIVE,
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner), SY_DB_I(o->now))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return found ? sy_sql_list_items(o, &input_items, o->rq->id) : sy_sql_response_not_found(o);
}

/* The chain ending at $1: each link's owner $2, alive at $3, at most $4 + 1 deep (one more
 * than allowed, to tell "too long" from "complete"). depth 1 is the newest. */
#define CHAIN_CTE                                                                                         \
    "WITH RECURSIVE chain (id, prev, depth) AS ("                                                         \
    " SELECT id, previous_response_id, 1 FROM responses WHERE " RESPONSE_LIVE                             \
    " UNION ALL"                                                                                          \
    " SELECT r.id, r.previous_response_id, c.depth + 1 FROM responses r JOIN chain c ON r.id = c.prev"    \
    " WHERE r.owner = $2 AND (r.expires_at IS NULL OR r.expires_at > $3) AND c.depth <= $4) "

/* Check the chain is complete (its oldest link has no previous response) and short enough. */
static sy_status check_chain(struct sy_sql_op *o)
{
    struct sy_db *db = o->db;
    const struct sy_store_req *rq = o->rq;
    if (db->ops->query(db, CHAIN_CTE "SELECT id, prev, depth FROM chain ORDER BY depth DESC LIMIT 1",
                       SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->owner), SY_DB_I(o->now), SY_DB_I(o->lim->max_chain))) !=
        SY_OK)
        return sy_sql_dberr(o);
    if (!db->ops->next(db)) {
        db->ops->end(db);
        return sy_sql_response_not_found(o);
    }
    sy_slice prev = sy_sql_dup(o, db->ops->col(db, 1));
    int64_t depth = sy_sql_int(db->ops->col(db, 2));
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    if (depth > (int64_t)o->lim->max_chain)
        return sy_sql_fail(o, SY_ETOOBIG,
                           "The previous_response_id chain is longer than %u responses (store.max_chain).",
                           o->lim->max_chain);
    if (prev.len)
        return sy_sql_fail(o, SY_ENOTFOUND, "Previous response with id '" SY_SLICE_FMT "' not found.",
                           SY_SLICE_ARG(prev));
    return SY_OK;
}

sy_status sy_sql_load_chain(struct sy_sql_op *o)
{
    if (check_chain(o) != SY_OK)
        return o->res->status;
    struct sy_db *db = o->db;
    const struct sy_store_req *rq = o->rq;
    if (db->ops->query(db,
                       CHAIN_CTE "SELECT i.item_id, i.item FROM chain c JOIN response_items i ON i.response_id = c.id"
                                 " ORDER BY c.depth DESC, i.seq",
                       SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->owner), SY_DB_I(o->now), SY_DB_I(o->lim->max_chain))) !=
        SY_OK)
        return sy_sql_dberr(o);
    while (db->ops->next(db))
        sy_sql_push_item(o, db->ops->col(db, 0), db->ops->col(db, 1));
    return db->ops->end(db) == SY_OK ? SY_OK : sy_sql_dberr(o);
}
