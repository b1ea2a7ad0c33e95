/* Conversations and their items. A conversation's clock restarts whenever it changes
 * (updated_at; expires_at = updated_at + ttl). Items are numbered by seq, in the order added. */
#include "store/sql_ops.h"

#define CONV_LIVE "id = $1 AND owner = $2 AND " SY_SQL_LIVE(3)

static const char sql_insert_item[] =
    "INSERT INTO conversation_items (conversation_id, seq, item_id, item, created_at) VALUES ($1, $2, $3, $4, $5)";

static sy_status conv_not_found(struct sy_sql_op *o, sy_slice id)
{
    return sy_sql_fail(o, SY_ENOTFOUND, "No conversation found with id '" SY_SLICE_FMT "'.", SY_SLICE_ARG(id));
}

/* Run a query returning (created_at, metadata) of conversation `id`; fill copies it to the
 * result. ENOTFOUND when there is no row. */
static sy_status conv_row(struct sy_sql_op *o, sy_slice id, bool fill, const char *sql, const struct sy_db_param *p,
                          size_t n)
{
    struct sy_db *db = o->db;
    if (db->ops->query(db, sql, p, n) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    if (found && fill) {
        o->res->conv_id = sy_sql_dup(o, id);
        o->res->created_at = sy_sql_int(db->ops->col(db, 0));
        o->res->metadata = sy_sql_dup(o, db->ops->col(db, 1));
    }
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return found ? SY_OK : conv_not_found(o, id);
}

static sy_status load_conv(struct sy_sql_op *o, bool fill)
{
    return conv_row(o, o->rq->id, fill, "SELECT created_at, metadata FROM conversations WHERE " CONV_LIVE,
                    SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->owner), SY_DB_I(o->now)));
}

/* Restart the clock of a live conversation (this also locks its row in PostgreSQL, which
 * serialises appends to it). */
static sy_status touch(struct sy_sql_op *o, sy_slice id, bool fill)
{
    return conv_row(o, id, fill,
                    "UPDATE conversations SET updated_at = $3, expires_at = $4 WHERE " CONV_LIVE
                    " RETURNING created_at, metadata",
                    SY_DB_ARGS(SY_DB_T(id), SY_DB_T(o->rq->owner), SY_DB_I(o->now), sy_sql_expiry(o, o->now)));
}

static sy_status insert_items(struct sy_sql_op *o, sy_slice conv, const struct sy_store_item *items, size_t n,
                              int64_t *seq, int64_t t)
{
    for (size_t i = 0; i < n; i++) {
        if (sy_db_exec(o->db, sql_insert_item,
                       SY_DB_ARGS(SY_DB_T(conv), SY_DB_I(++*seq), SY_DB_T(items[i].id), SY_DB_T(items[i].json),
                                  SY_DB_I(t))) != SY_OK)
            return sy_sql_dberr(o);
    }
    return SY_OK;
}

static sy_status too_many(struct sy_sql_op *o, sy_slice id, uint64_t n)
{
    return sy_sql_fail(o, SY_ETOOBIG,
                       "Conversation '" SY_SLICE_FMT "' would have %llu items; the limit is %u "
                       "(store.max_conversation_items).",
                       SY_SLICE_ARG(id), (unsigned long long)n, o->lim->max_conversation_items);
}

sy_status sy_sql_conversation_append(struct sy_sql_op *o, sy_slice id, const struct sy_store_item *const *lists,
                                     const size_t *counts, size_t nlists, bool fill)
{
    if (touch(o, id, fill) != SY_OK)
        return o->res->status;
    struct sy_db *db = o->db;
    if (db->ops->query(db, "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM conversation_items WHERE conversation_id = $1",
                       SY_DB_ARGS(SY_DB_T(id))) != SY_OK)
        return sy_sql_dberr(o);
    int64_t have = 0, seq = 0;
    if (db->ops->next(db)) {
        have = sy_sql_int(db->ops->col(db, 0));
        seq = sy_sql_int(db->ops->col(db, 1));
    }
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    uint64_t total = (uint64_t)have;
    for (size_t i = 0; i < nlists; i++)
        total += counts[i];
    if (total > o->lim->max_conversation_items)
        return too_many(o, id, total);
    for (size_t i = 0; i < nlists; i++)
        if (insert_items(o, id, lists[i], counts[i], &seq, o->now) != SY_OK)
            return o->res->status;
    return SY_OK;
}

sy_status sy_sql_create_conversation(struct sy_sql_op *o)
{
    const struct sy_store_req *rq = o->rq;
    if (rq->nitems > o->lim->max_conversation_items)
        return too_many(o, rq->id, rq->nitems);
    sy_slice metadata = rq->metadata.len ? rq->metadata : SY_LIT("{}");
    int64_t created = rq->created_at > 0 ? rq->created_at : o->now;
    if (sy_db_exec(o->db,
                   "INSERT INTO conversations (id, owner, created_at, updated_at, expires_at, metadata)"
                   " VALUES ($1, $2, $3, $3, $4, $5)",
                   SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->owner), SY_DB_I(created), sy_sql_expiry(o, created),
                              SY_DB_T(metadata))) != SY_OK)
        return sy_sql_dberr(o);
    int64_t seq = 0;
    if (insert_items(o, rq->id, rq->items, rq->nitems, &seq, created) != SY_OK)
        return o->res->status;
    o->res->conv_id = sy_sql_dup(o, rq->id);
    o->res->created_at = created;
    o->res->metadata = sy_sql_dup(o, metadata);
    return SY_OK;
}

sy_status sy_sql_update_conversation(struct sy_sql_op *o)
{
    const struct sy_store_req *rq = o->rq;
    sy_slice metadata = rq->metadata.len ? rq->metadata : SY_LIT("{}");
    return conv_row(o, rq->id, true,
                    "UPDATE conversations SET metadata = $5, updated_at = $3, expires_at = $4 WHERE " CONV_LIVE
                    " RETURNING created_at, metadata",
                    SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->owner), SY_DB_I(o->now), sy_sql_expiry(o, o->now),
                               SY_DB_T(metadata)));
}

sy_status sy_sql_delete_conversation(struct sy_sql_op *o)
{
    const struct sy_store_req *rq = o->rq;
    if (conv_row(o, rq->id, true, "DELETE FROM conversations WHERE " CONV_LIVE " RETURNING created_at, metadata",
                 SY_DB_ARGS(SY_DB_T(rq->id), SY_DB_T(rq->owner), SY_DB_I(o->now))) != SY_OK)
        return o->res->status;
    if (sy_db_exec(o->db, "DELETE FROM conversation_items WHERE conversation_id = $1", SY_DB_ARGS(SY_DB_T(rq->id))) !=
        SY_OK)
        return sy_sql_dberr(o);
    return SY_OK;
}

sy_status sy_sql_get_conversation(struct sy_sql_op *o)
{
    return load_conv(o, true);
}

sy_status sy_sql_add_conversation_items(struct sy_sql_op *o)
{
    const struct sy_store_item *lists[] = { o->rq->items };
    size_t counts[] = { o->rq->nitems };
    return sy_sql_conversation_append(o, o->rq->id, lists, counts, 1, true);
}

static sy_status item_not_found(struct sy_sql_op *o)
{
    return sy_sql_fail(o, SY_ENOTFOUND, "No item found with id '" SY_SLICE_FMT "' in conversation '" SY_SLICE_FMT "'.",
                       SY_SLICE_ARG(o->rq->item_id), SY_SLICE_ARG(o->rq->id));
}

sy_status sy_sql_delete_conversation_item(struct sy_sql_op *o)
{
    if (touch(o, o->rq->id, true) != SY_OK)
        return o->res->status;
    struct sy_db *db = o->db;
    if (db->ops->query(db, "DELETE FROM conversation_items WHERE conversation_id = $1 AND item_id = $2 RETURNING seq",
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->item_id))) != SY_OK)
        return sy_sql_dberr(o);
    bool found = db->ops->next(db);
    while (db->ops->next(db))
        ;
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return found ? SY_OK : item_not_found(o);
}

sy_status sy_sql_get_conversation_item(struct sy_sql_op *o)
{
    if (load_conv(o, false) != SY_OK)
        return o->res->status;
    struct sy_db *db = o->db;
    if (db->ops->query(db,
                       "SELECT item_id, item FROM conversation_items WHERE conversation_id = $1 AND item_id = $2"
                       " ORDER BY seq LIMIT 1",
                       SY_DB_ARGS(SY_DB_T(o->rq->id), SY_DB_T(o->rq->item_id))) != SY_OK)
        return sy_sql_dberr(o);
    if (db->ops->next(db))
        sy_sql_push_item(o, db->ops->col(db, 0), db->ops->col(db, 1));
    if (db->ops->end(db) != SY_OK)
        return sy_sql_dberr(o);
    return o->res->nitems ? SY_OK : item_not_found(o);
}

static const struct sy_sql_list conversation_items = {
    .seek = "SELECT seq FROM conversation_items WHERE conversation_id = $1 AND item_id = $2 ORDER BY seq LIMIT 1",
    .asc = "SELECT item_id, item FROM conversation_items WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    .desc = "SELECT item_id, item FROM conversation_items WHERE conversation_id = $1 AND seq < $2"
            " ORDER BY seq DESC LIMIT $3",
};

sy_status sy_sql_list_conversation_items(struct sy_sql_op *o)
{
    if (load_conv(o, false) != SY_OK)
        return o->res->status;
    return sy_sql_list_items(o, &conversation_items, o->rq->id);
}
