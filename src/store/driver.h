/* The tiny database driver interface the store's SQL runs over (internal to src/store): run
 * one statement with text or integer parameters, walk its rows as text, run a script of
 * statements without parameters. Two implementations: sqlite.c and postgres.c. One sy_db is one
 * connection, used by one thread at a time, with at most one statement in progress.
 *
 * The SQL is shared: parameters are written `$1, $2, ...` (PostgreSQL's native form; the SQLite
 * driver binds each `$N` by its number, whatever order the statement mentions them in). */
#ifndef SY_STORE_DRIVER_H
#define SY_STORE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/diag.h"
#include "core/slice.h"
#include "core/status.h"

enum sy_db_type { SY_DB_TEXT, SY_DB_INT, SY_DB_NULL };

/* One parameter. Text must be NUL-terminated at s[len] (libpq reads C strings). */
struct sy_db_param {
    enum sy_db_type type;
    const char *s;
    size_t len;
    int64_t i;
};

#define SY_DB_T(slice) ((struct sy_db_param){ .type = SY_DB_TEXT, .s = (slice).ptr, .len = (slice).len })
#define SY_DB_S(cstr) ((struct sy_db_param){ .type = SY_DB_TEXT, .s = (cstr), .len = strlen(cstr) })
#define SY_DB_I(v) ((struct sy_db_param){ .type = SY_DB_INT, .i = (int64_t)(v) })
#define SY_DB_NUL ((struct sy_db_param){ .type = SY_DB_NULL })
/* Text, or NULL when the slice is empty. */
#define SY_DB_OPT(slice) ((slice).len ? SY_DB_T(slice) : SY_DB_NUL)

struct sy_db;

struct sy_db_ops {
    /* Prepare, bind and run sql. On failure db->err says why and no statement is in progress. */
    sy_status (*query)(struct sy_db *db, const char *sql, const struct sy_db_param *p, size_t n);
    /* Next row of the statement in progress: true when there is one. */
    bool (*next)(struct sy_db *db);
    /* Column i of the current row as text (valid until the next call); ptr NULL for SQL NULL. */
    sy_slice (*col)(struct sy_db *db, int i);
    /* Finish the statement in progress: SY_OK, or the error a step met (db->err). */
    sy_status (*end)(struct sy_db *db);
    /* Several ;-separated statements without parameters and without rows. */
    sy_status (*script)(struct sy_db *db, const char *sql);
    /* Before each job: true when the connection is usable (PostgreSQL reconnects if it broke). */
    bool (*ready)(struct sy_db *db);
    void (*close)(struct sy_db *db);
};

struct sy_db {
    const struct sy_db_ops *ops;
    const char *kind;          /* "sqlite" / "postgres" */
    const char *begin_write;   /* statement that opens a write transaction */
    bool read_txn;             /* wrap reads in a transaction (SQLite: one snapshot for the
                                  op's statements; PostgreSQL's READ COMMITTED would not give
                                  one, so reads there skip the two round trips) */
    unsigned resets;           /* reconnections so far */
    char err[240];
};

/* A backend: how to connect, migrate, and how many store threads it wants. */
struct sy_backend {
    const char *kind;
    unsigned nthreads;         /* store threads, each with its own connection */
    bool split_reads;          /* thread 0 takes the writes, the others the reads (SQLite) */
    unsigned write_batch;      /* writes grouped into one transaction (1 = no grouping) */
    /* Open one connection. `primary` is the first one (it migrates; SQLite: the writer). */
    sy_status (*connect)(const struct sy_store_cfg *cfg, bool primary, struct sy_db **out, struct sy_diag *diag);
    /* Bring the schema to the current version; *version gets it. Primary connection only. */
    sy_status (*migrate)(struct sy_db *db, int *version, struct sy_diag *diag);
};

extern const struct sy_backend sy_backend_sqlite;
extern const struct sy_backend sy_backend_postgres;

/* The versioned schema (schema.c). Entry i moves a database from version i to i+1. Never edit
 * a released entry: append. `sql` is shared; an entry may instead have one text per backend. */
struct sy_migration {
    const char *sql;
    const char *sqlite, *postgres;
};
extern const struct sy_migration sy_migrations[];
extern const int sy_migrations_count;
/* The text of migration i for a backend kind. */
const char *sy_migration_sql(int i, const char *kind);

/* Run a statement to the end, discarding rows. */
sy_status sy_db_exec(struct sy_db *db, const char *sql, const struct sy_db_param *p, size_t n);

#define SY_DB_NP(...) (sizeof((const struct sy_db_param[]){ __VA_ARGS__ }) / sizeof(struct sy_db_param))
#define SY_DB_ARGS(...) (const struct sy_db_param[]){ __VA_ARGS__ }, SY_DB_NP(__VA_ARGS__)

#endif
