/* PostgreSQL driver (driver.h): one blocking libpq connection per store thread (the threads are
 * the store's own, never a worker loop), text parameters, reconnect before the next job when a
 * connection broke. Migrations run in one transaction under an advisory lock, so two gateway
 * instances starting together migrate once; the version lives in table schema_version. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/driver.h"

#define MAX_PARAMS 32
/* Arbitrary key of the advisory lock held while migrating. */
#define MIGRATION_LOCK "738577001"

struct pg_db {
    struct sy_db base;
    PGconn *conn;
    PGresult *res;            /* result of the statement in progress */
    int row, nrows;
};

static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Copy a libpq message into err, without its trailing newline. */
static void set_err(struct pg_db *d, const char *prefix, const char *msg)
{
    const char *lost = PQstatus(d->conn) == CONNECTION_BAD ? "connection lost: " : "";
    snprintf(d->base.err, sizeof d->base.err, "%s%s%s", lost, prefix, msg ? msg : "");
    size_t n = strlen(d->base.err);
    while (n > 0 && (d->base.err[n - 1] == '\n' || d->base.err[n - 1] == ' '))
        d->base.err[--n] = '\0';
}

static bool result_ok(struct pg_db *d, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return true;
    /* the primary message only: DETAIL lines can quote stored values */
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    set_err(d, "", primary ? primary : PQerrorMessage(d->conn));
    return false;
}

static sy_status pg_end(struct sy_db *db)
{
    struct pg_db *d = (struct pg_db *)db;
    PQclear(d->res);
    d->res = NULL;
    return SY_OK;
}

static sy_status pg_query(struct sy_db *db, const char *sql, const struct sy_db_param *p, size_t n)
{
    struct pg_db *d = (struct pg_db *)db;
    pg_end(db);
    if (n > MAX_PARAMS) {
        snprintf(d->base.err, sizeof d->base.err, "too many parameters (%zu)", n);
        return SY_EINTERNAL;
    }
    const char *values[MAX_PARAMS];
    char ints[MAX_PARAMS][24];
    for (size_t i = 0; i < n; i++) {
        if (p[i].type == SY_DB_INT) {
            snprintf(ints[i], sizeof ints[i], "%" PRId64, p[i].i);
            values[i] = ints[i];
        } else {
            values[i] = p[i].type == SY_DB_NULL ? NULL : p[i].s;
        }
    }
    PGresult *r = PQexecParams(d->conn, sql, (int)n, NULL, values, NULL, NULL, 0);
    if (!result_ok(d, r)) {
        PQclear(r);
        return SY_EINTERNAL;
    }
    d->res = r;
    d->row = -1;
    d->nrows = PQntuples(r);
    return SY_OK;
}

static bool pg_next(struct sy_db *db)
{
    struct pg_db *d = (struct pg_db *)db;
    if (!d->res || d->row + 1 >= d->nrows)
        return false;
    d->row++;
    return true;
}

static sy_slice pg_col(struct sy_db *db, int i)
{
    struct pg_db *d = (struct pg_db *)db;
    if (PQgetisnull(d->res, d->row, i))
        return SY_SLICE_NULL;
    return sy_slice_from(PQgetvalue(d->res, d->row, i), (size_t)PQgetlength(d->res, d->row, i));
}

static sy_status pg_script(struct sy_db *db, const char *sql)
{
    struct pg_db *d = (struct pg_db *)db;
    pg_end(db);
    PGresult *r = PQexec(d->conn, sql);
    bool ok = result_ok(d, r);
    PQclear(r);
    return ok ? SY_OK : SY_EINTERNAL;
}

static bool pg_ready(struct sy_db *db)
{
    struct pg_db *d = (struct pg_db *)db;
    if (PQstatus(d->conn) == CONNECTION_OK)
        return true;
    pg_end(db);
    PQreset(d->conn);
    if (PQstatus(d->conn) == CONNECTION_OK) {
        db->resets++;
        PQsetNoticeProcessor(d->conn, no_notices, NULL);
        return true;
    }
    set_err(d, "cannot reconnect: ", PQerrorMessage(d->conn));
    return false;
}

static void pg_close(struct sy_db *db)
{
    struct pg_db *d = (struct pg_db *)db;
    if (!d)
        return;
    pg_end(db);
    PQfinish(d->conn);
    free(d);
}

static const struct sy_db_ops pg_ops = {
    .query = pg_query, .next = pg_next, .col = pg_col, .end = pg_end,
    .script = pg_script, .ready = pg_ready, .close = pg_close,
};

static sy_status pg_connect(const struct sy_store_cfg *cfg, bool primary, struct sy_db **out, struct sy_diag *diag)
{
    (void)primary;
    *out = NULL;
    /* defaults first: what the URL says wins, except the encoding, which the store relies on */
    const char *const keys[] = { "connect_timeout", "application_name", "dbname", "client_encoding", NULL };
    const char *const vals[] = { "10", "switchyard", cfg->url, "UTF8", NULL };
    struct pg_db *d = sy_xcalloc(1, sizeof *d);
    d->base = (struct sy_db){ .ops = &pg_ops, .kind = "postgres", .begin_write = "BEGIN" };
    d->conn = PQconnectdbParams(keys, vals, 1);
    if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "", d->conn ? PQerrorMessage(d->conn) : "out of memory");
        sy_diag_setf(diag, "postgres: cannot connect: %s", d->base.err);
        pg_close(&d->base);
        return SY_EINTERNAL;
    }
    PQsetNoticeProcessor(d->conn, no_notices, NULL);
    *out = &d->base;
    return SY_OK;
}

/* Read the version (creating the table at 0), under the migration lock already taken. */
static sy_status read_version(struct sy_db *db, int *version)
{
    sy_status rc = pg_script(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    if (rc == SY_OK)
        rc = pg_query(db, "SELECT version FROM schema_version", NULL, 0);
    if (rc != SY_OK)
        return rc;
    bool have = pg_next(db);
    *version = have ? atoi(pg_col(db, 0).ptr) : 0;
    pg_end(db);
    return have ? SY_OK : pg_script(db, "INSERT INTO schema_version (version) VALUES (0)");
}

static sy_status pg_migrate(struct sy_db *db, int *version, struct sy_diag *diag)
{
    sy_status rc = pg_script(db, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")");
    if (rc == SY_OK)
        rc = read_version(db, version);
    if (rc == SY_OK && *version > sy_migrations_count) {
        sy_diag_setf(diag, "postgres: the database schema (version %d) is newer than this gateway knows (%d)",
                     *version, sy_migrations_count);
        pg_script(db, "ROLLBACK");
        return SY_EINTERNAL;
    }
    int v = rc == SY_OK ? *version : 0;
    for (; rc == SY_OK && v < sy_migrations_count; v++)
        rc = pg_script(db, sy_migration_sql(v, "postgres"));
    if (rc == SY_OK)
        rc = sy_db_exec(db, "UPDATE schema_version SET version = $1", SY_DB_ARGS(SY_DB_I(v)));
    if (rc == SY_OK)
        rc = pg_script(db, "COMMIT");
    if (rc != SY_OK) {
        sy_diag_setf(diag, "postgres: migration to schema version %d failed: %s", v + 1, db->err);
        pg_script(db, "ROLLBACK");
        return rc;
    }
    *version = v;
    return SY_OK;
}

const struct sy_backend sy_backend_postgres = {
    .kind = "postgres",
    .nthreads = 4,
    .split_reads = false,
    .write_batch = 1,
    .connect = pg_connect,
    .migrate = pg_migrate,
};
