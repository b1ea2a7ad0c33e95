/* SQLite backend: open, pragmas, and versioned migrations. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/xmalloc.h"
#include "store/store.h"

struct sy_store {
    sqlite3 *db;
    int      version;
};

/* Each entry moves the schema from version i to i+1. Never edit a released entry: append. */
static const char *const migrations[] = {
    "CREATE TABLE IF NOT EXISTS gateway_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO gateway_meta (key, value) VALUES ('created_by', 'switchyard');",
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

static sy_status exec(struct sy_store *s, const char *sql, struct sy_diag *diag)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) == SQLITE_OK)
        return SY_OK;
    sy_diag_setf(diag, "sqlite: %s", err ? err : sqlite3_errmsg(s->db));
    sqlite3_free(err);
    return SY_EINTERNAL;
}

static sy_status migrate(struct sy_store *s, struct sy_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        sy_diag_setf(diag, "sqlite: cannot read the schema version: %s", sqlite3_errmsg(s->db));
        return SY_EINTERNAL;
    }
    s->version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int target = (int)(sizeof migrations / sizeof migrations[0]);
    if (s->version > target) {
        sy_diag_setf(diag, "sqlite: the database schema (version %d) is newer than this gateway knows (%d)",
                     s->version, target);
        return SY_EINTERNAL;
    }
    for (int v = s->version; v < target; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        sy_status rc = exec(s, "BEGIN IMMEDIATE;", diag);
        if (rc == SY_OK)
            rc = exec(s, migrations[v], diag);
        if (rc == SY_OK)
            rc = exec(s, bump, diag);
        if (rc == SY_OK)
            rc = exec(s, "COMMIT;", diag);
        if (rc != SY_OK) {
            sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
            return rc;
        }
        s->version = v + 1;
    }
    return SY_OK;
}

sy_status sy_store_open(const struct sy_config *cfg, struct sy_store **out, struct sy_diag *diag)
{
    *out = NULL;
    if (cfg->store.kind != SY_STORE_SQLITE) {
        sy_diag_setf(diag, "store kind '%s' is not available in this version (use sqlite)",
                     cfg->store.kind == SY_STORE_POSTGRES ? "postgres" : "memory");
        return SY_EINVAL;
    }
    const char *path = cfg->store.path;
    char *dir = sy_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir_p(dir) != 0) {
            sy_diag_setf(diag, "cannot create data directory '%s': %s", dir, strerror(errno));
            free(dir);
            return SY_EINTERNAL;
        }
    }
    free(dir);
    struct sy_store *s = sy_xcalloc(1, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sy_diag_setf(diag, "sqlite: cannot open '%s': %s", path, sqlite3_errmsg(s->db));
        sy_store_close(s);
        return SY_EINTERNAL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sy_status rc = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", diag);
    if (rc == SY_OK)
        rc = migrate(s, diag);
    if (rc != SY_OK) {
        sy_store_close(s);
        return rc;
    }
    *out = s;
    return SY_OK;
}

int sy_store_schema_version(const struct sy_store *s) { return s->version; }

void sy_store_close(struct sy_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}
