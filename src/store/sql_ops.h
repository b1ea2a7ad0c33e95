/* The store's operations as SQL over the driver interface (internal to src/store). Each op runs
 * inside a transaction its caller opened (sy_sql_run_group) and reports through the result. */
#ifndef SY_STORE_SQL_OPS_H
#define SY_STORE_SQL_OPS_H

#include <stdint.h>

#include "core/arena.h"
#include "store/driver.h"
#include "store/store.h"

/* "not expired" for a table's expires_at, with the current time as parameter $N. */
#define SY_SQL_LIVE(n) "(expires_at IS NULL OR expires_at > $" #n ")"

struct sy_sql_op {
    struct sy_db *db;
    const struct sy_store_req *rq;
    struct sy_store_result *res;
    struct sy_arena *a;                 /* result memory */
    const struct sy_store_limits *lim;
    int64_t now;                        /* unix seconds */
    int64_t ttl_s;                      /* 0 = rows never expire */
    struct sy_redis *rd;                /* event logs and cancel flags there; NULL = in SQL */
};

/* Writes go to the writer (SQLite) and run in a write transaction. */
bool sy_sql_is_write(enum sy_store_op op);
/* Run ops[0..n) in one transaction (each under its own savepoint when n > 1, so one failing
 * op does not undo the others). SWEEP must come alone (it commits in batches). */
void sy_sql_run_group(struct sy_db *db, struct sy_sql_op *const *ops, size_t n);

/* Helpers for the op files. */
sy_status sy_sql_fail(struct sy_sql_op *o, sy_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
sy_status sy_sql_dberr(struct sy_sql_op *o);
int64_t sy_sql_int(sy_slice s);
/* Copy of a column into the result (empty for SQL NULL). */
sy_slice sy_sql_dup(struct sy_sql_op *o, sy_slice s);
/* Append (copies of) one item to res->items. */
void sy_sql_push_item(struct sy_sql_op *o, sy_slice id, sy_slice json);
/* expires_at for a row whose clock starts at t. */
struct sy_db_param sy_sql_expiry(const struct sy_sql_op *o, int64_t t);
/* ENOTFOUND "No response found with id '<rq->id>'." */
sy_status sy_sql_response_not_found(struct sy_sql_op *o);
/* EINTERNAL with what Redis met. */
sy_status sy_sql_redis_fail(struct sy_sql_op *o);

/* A paged list of items: `seek` finds the seq of the `after` item ($1 parent, $2 item id); `asc`
 * and `desc` list (item_id, item) rows of $1 past seq $2, at most $3. */
struct sy_sql_list {
    const char *seek, *asc, *desc;
};
sy_status sy_sql_list_items(struct sy_sql_op *o, const struct sy_sql_list *q, sy_slice parent);

/* The ops (sql_responses.c, sql_conversations.c). */
sy_status sy_sql_put_response(struct sy_sql_op *o);
sy_status sy_sql_get_response(struct sy_sql_op *o);
sy_status sy_sql_delete_response(struct sy_sql_op *o);
sy_status sy_sql_list_input_items(struct sy_sql_op *o);
sy_status sy_sql_load_chain(struct sy_sql_op *o);
sy_status sy_sql_create_conversation(struct sy_sql_op *o);
sy_status sy_sql_update_conversation(struct sy_sql_op *o);
sy_status sy_sql_delete_conversation(struct sy_sql_op *o);
sy_status sy_sql_get_conversation(struct sy_sql_op *o);
sy_status sy_sql_add_conversation_items(struct sy_sql_op *o);
sy_status sy_sql_delete_conversation_item(struct sy_sql_op *o);
sy_status sy_sql_get_conversation_item(struct sy_sql_op *o);
sy_status sy_sql_list_conversation_items(struct sy_sql_op *o);
/* Background runs (sql_runs.c). */
sy_status sy_sql_update_run(struct sy_sql_op *o);
sy_status sy_sql_append_events(struct sy_sql_op *o);
sy_status sy_sql_read_events(struct sy_sql_op *o);
sy_status sy_sql_request_cancel(struct sy_sql_op *o);
sy_status sy_sql_count_active(struct sy_sql_op *o);
/* Fail background runs whose lease has passed, in bounded batches (each its own transaction). */
sy_status sy_sql_fail_stale_runs(struct sy_sql_op *o, uint64_t *failed);
/* Append items to conversation `id` (checked: exists, owner, live, room for them) after the
 * ones it has, bumping its updated_at. `fill` copies the conversation into the result. */
sy_status sy_sql_conversation_append(struct sy_sql_op *o, sy_slice id, const struct sy_store_item *const *lists,
                                     const size_t *counts, size_t nlists, bool fill);
/* Fail stale background runs, then delete expired rows, in bounded batches, each its own
 * transaction. */
sy_status sy_sql_sweep(struct sy_sql_op *o);

#endif
