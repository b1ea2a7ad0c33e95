/* SQLite driver (driver.h): one connection per store thread (WAL, synchronous=NORMAL,
 * busy_timeout), prepared statements cached per connection, migrations by PRAGMA user_version. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/xmalloc.h"
#include "store/driver.h"

#define CACHE_MAX 64

struct sq_db {
    struct sy_db base;
    sqlite3 *db;
    sqlite3_stmt *cur;        /* statement in progress */
    bool cur_cached, failed, done;
    struct {
        const char *sql;      /* keyed by address: the store's SQL is static text */
        sqlite3_stmt *st;
    } cache[CACHE_MAX];
    unsigned ncache;
};

static void set_err(struct sq_db *d, const char *what)
{
    snprintf(d->base.err, sizeof d->base.err, "%s: %s", what, sqlite3_errmsg(d->db));
}

static sqlite3_stmt *prepare(struct sq_db *d, const char *sql)
{
    for (unsigned i = 0; i < d->ncache; i++) {
        if (d->cache[i].sql == sql) {
            d->cur_cached = true;
            return d->cache[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    bool keep = d->ncache < CACHE_MAX;
    if (sqlite3_prepare_v3(d->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
        set_err(d, "prepare");
        sqlite3_finalize(st);
        return NULL;
    }
    if (keep) {
        d->cache[d->ncache].sql = sql;
        d->cache[d->ncache++].st = st;
    }
    d->cur_cached = keep;
    return st;
}

/* Bind every `$N` to p[N-1]: SQLite numbers named parameters by first appearance, so look
 * each one's number up by its name. Text is bound without copying (valid until end()). */
static bool bind(struct sq_db *d, sqlite3_stmt *st, const struct sy_db_param *p, size_t n)
{
    int count = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        long k = name && name[0] == '$' ? strtol(name + 1, NULL, 10) : 0;
        if (k < 1 || (size_t)k > n) {
            snprintf(d->base.err, sizeof d->base.err, "bind: parameter %s has no value", name ? name : "?");
            return false;
        }
        const struct sy_db_param *v = &p[k - 1];
        int rc = v->type == SY_DB_INT    ? sqlite3_bind_int64(st, i, v->i)
                 : v->type == SY_DB_NULL ? sqlite3_bind_null(st, i)
                                         : sqlite3_bind_text64(st, i, v->s, v->len, SQLITE_STATIC, SQLITE_UTF8);
        if (rc != SQLITE_OK) {
            set_err(d, "bind");
            return false;
        }
    }
    return true;
}

static sy_status sq_end(struct sy_db *db);

static sy_status sq_query(struct sy_db *db, const char *sql, const struct sy_db_param *p, size_t n)
{
    struct sq_db *d = (struct sq_db *)db;
    if (d->cur)
        sq_end(db);
    sqlite3_stmt *st = prepare(d, sql);
    if (!st)
        return SY_EINTERNAL;
    d->cur = st;
    d->failed = d->done = false;
    if (!bind(d, st, p, n)) {
        d->failed = true;
        sq_end(db);
        return SY_EINTERNAL;
    }
    return SY_OK;
}

static bool sq_next(struct sy_db *db)
{
    struct sq_db *d = (struct sq_db *)db;
    if (!d->cur || d->failed || d->done)
        return false;
    int rc = sqlite3_step(d->cur);
    if (rc == SQLITE_ROW)
        return true;
    d->done = true;
    if (rc != SQLITE_DONE) {
        d->failed = true;
        set_err(d, "step");
    }
    return false;
}

static sy_slice sq_col(struct sy_db *db, int i)
{
    struct sq_db *d = (struct sq_db *)db;
    if (sqlite3_column_type(d->cur, i) == SQLITE_NULL)
        return SY_SLICE_NULL;
    const char *t = (const char *)sqlite3_column_text(d->cur, i);
    return sy_slice_from(t ? t : "", (size_t)sqlite3_column_bytes(d->cur, i));
}

static sy_status sq_end(struct sy_db *db)
{
    struct sq_db *d = (struct sq_db *)db;
    if (!d->cur)
        return SY_OK;
    sqlite3_reset(d->cur);
    sqlite3_clear_bindings(d->cur);
    if (!d->cur_cached)
        sqlite3_finalize(d->cur);
    d->cur = NULL;
    return d->failed ? SY_EINTERNAL : SY_OK;
}

static sy_status sq_script(struct sy_db *db, const char *sql)
{
    struct sq_db *d = (struct sq_db *)db;
    char *err = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &err) == SQLITE_OK)
        return SY_OK;
    snprintf(d->base.err, sizeof d->base.err, "%s", err ? err : sqlite3_errmsg(d->db));
    sqlite3_free(err);
    return SY_EINTERNAL;
}

static bool sq_ready(struct sy_db *db)
{
    (void)db;
    return true;
}

static void sq_close(struct sy_db *db)
{
    struct sq_db *d = (struct sq_db *)db;
    if (!d)
        return;
    sq_end(db);
    for (unsigned i = 0; i < d->ncache; i++)
        sqlite3_finalize(d->cache[i].st);
    sqlite3_close(d->db);
    free(d);
}

static const struct sy_db_ops sq_ops = {
    .query = sq_query, .next = sq_next, .col = sq_col, .end = sq_end,
    .script = sq_script, .ready = sq_ready, .close = sq_close,
};

static int mkdir_p(const char *dir)
{
    char *p = sy_xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

static sy_status make_parent_dir(const char *path, struct sy_diag *diag)
{
    char *dir = sy_xstrdup(path);
    char *slash = strrchr(dir, '/');
    sy_status rc = SY_OK;
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir_p(dir) != 0) {
            sy_diag_setf(diag, "cannot create data directory '%s': %s", dir, strerror(errno));
            rc = SY_EINTERNAL;
        }
    }
    free(dir);
    return rc;
}

static sy_status sq_connect(const struct sy_store_cfg *cfg, bool primary, struct sy_db **out, struct sy_diag *diag)
{
    *out = NULL;
    if (primary && make_parent_dir(cfg->path, diag) != SY_OK)
        return SY_EINTERNAL;
    struct sq_db *d = sy_xcalloc(1, sizeof *d);
    d->base = (struct sy_db){ .ops = &sq_ops, .kind = "sqlite", .begin_write = "BEGIN IMMEDIATE", .read_txn = true };
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (primary ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(cfg->path, &d->db, flags, NULL) != SQLITE_OK) {
        sy_diag_setf(diag, "sqlite: cannot open '%s': %s", cfg->path, sqlite3_errmsg(d->db));
        sq_close(&d->base);
        return SY_EINTERNAL;
    }
    sqlite3_busy_timeout(d->db, 5000);
    const char *pragmas = primary ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                                  : "PRAGMA synchronous=NORMAL; PRAGMA query_only=ON;";
    if (sq_script(&d->base, pragmas) != SY_OK) {
        sy_diag_setf(diag, "sqlite: %s", d->base.err);
        sq_close(&d->base);
        return SY_EINTERNAL;
    }
    *out = &d->base;
    return SY_OK;
}

static sy_status sq_user_version(struct sq_db *d, int *v, struct sy_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        sy_diag_setf(diag, "sqlite: cannot read the schema version: %s", sqlite3_errmsg(d->db));
        return SY_EINTERNAL;
    }
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return SY_OK;
}

static sy_status sq_migrate(struct sy_db *db, int *version, struct sy_diag *diag)
{
    struct sq_db *d = (struct sq_db *)db;
    if (sq_user_version(d, version, diag) != SY_OK)
        return SY_EINTERNAL;
    if (*version > sy_migrations_count) {
        sy_diag_setf(diag, "sqlite: the database schema (version %d) is newer than this gateway knows (%d)", *version,
                     sy_migrations_count);
        return SY_EINTERNAL;
    }
    for (int v = *version; v < sy_migrations_count; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        sy_status rc = sq_script(db, "BEGIN IMMEDIATE;");
        if (rc == SY_OK)
            rc = sq_script(db, sy_migration_sql(v, "sqlite"));
        if (rc == SY_OK)
            rc = sq_script(db, bump);
        if (rc == SY_OK)
            rc = sq_script(db, "COMMIT;");
        if (rc != SY_OK) {
            sy_diag_setf(diag, "sqlite: migration to schema version %d failed: %s", v + 1, db->err);
            sqlite3_exec(d->db, "ROLLBACK;", NULL, NULL, NULL);
            return rc;
        }
        *version = v + 1;
    }
    return SY_OK;
}

const struct sy_backend sy_backend_sqlite = {
    .kind = "sqlite",
    .nthreads = 3,          /* one writer, two readers */
    .split_reads = true,
    .write_batch = 64,
    .connect = sq_connect,
    .migrate = sq_migrate,
};
