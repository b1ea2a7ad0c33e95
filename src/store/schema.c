/* The store's schema, one text for SQLite and PostgreSQL (see driver.h). Types are the common
 * subset: TEXT for ids and JSON (kept byte for byte, never re-encoded), BIGINT for unix
 * seconds. A NULL expires_at never expires. */
#include <string.h>

#include "store/driver.h"

const struct sy_migration sy_migrations[] = {
    /* 1: the first release (SQLite only then): kept as it was so existing data files match */
    {
        .sqlite = "CREATE TABLE IF NOT EXISTS gateway_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
                  "INSERT OR IGNORE INTO gateway_meta (key, value) VALUES ('created_by', 'switchyard');",
        .postgres = "CREATE TABLE IF NOT EXISTS gateway_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                    "INSERT INTO gateway_meta (key, value) VALUES ('created_by', 'switchyard') ON CONFLICT DO NOTHING;",
    },
    /* 2: stored responses and conversations */
    {
        .sql = "CREATE TABLE responses ("
               " id TEXT PRIMARY KEY,"
               " owner TEXT NOT NULL,"
               " created_at BIGINT NOT NULL,"
               " expires_at BIGINT,"
               " status TEXT NOT NULL,"
               " model TEXT NOT NULL,"
               " previous_response_id TEXT,"
               " conversation_id TEXT,"
               " response TEXT NOT NULL,"
               " bytes BIGINT NOT NULL);"
               "CREATE INDEX responses_expires ON responses (expires_at);"
               "CREATE TABLE response_items ("
               " response_id TEXT NOT NULL,"
               " seq BIGINT NOT NULL,"
               " kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),"
               " item_id TEXT NOT NULL,"
               " item TEXT NOT NULL,"
               " PRIMARY KEY (response_id, seq));"
               "CREATE TABLE conversations ("
               " id TEXT PRIMARY KEY,"
               " owner TEXT NOT NULL,"
               " created_at BIGINT NOT NULL,"
               " updated_at BIGINT NOT NULL,"
               " expires_at BIGINT,"
               " metadata TEXT NOT NULL);"
               "CREATE INDEX conversations_expires ON conversations (expires_at);"
               "CREATE TABLE conversation_items ("
               " conversation_id TEXT NOT NULL,"
               " seq BIGINT NOT NULL,"
               " item_id TEXT NOT NULL,"
               " item TEXT NOT NULL,"
               " created_at BIGINT NOT NULL,"
               " PRIMARY KEY (conversation_id, seq));"
               "CREATE INDEX conversation_items_item ON conversation_items (conversation_id, item_id);",
    },
    /* 3: background runs: the run's lease and owner instance, the cancel flag, the error the
     * stale-run sweeper records, and the event log (seq → SSE event text) */
    {
        .sql = "ALTER TABLE responses ADD COLUMN background INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE responses ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;"
               "ALTER TABLE responses ADD COLUMN instance TEXT;"
               "ALTER TABLE responses ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE responses ADD COLUMN error TEXT;"
               "CREATE INDEX responses_running ON responses (lease_until)"
               " WHERE background = 1 AND status IN ('queued', 'in_progress');"
               "CREATE TABLE response_events ("
               " response_id TEXT NOT NULL,"
               " seq BIGINT NOT NULL,"
               " sse TEXT NOT NULL,"
               " PRIMARY KEY (response_id, seq));",
    },
};

const int sy_migrations_count = (int)(sizeof sy_migrations / sizeof sy_migrations[0]);

const char *sy_migration_sql(int i, const char *kind)
{
    const struct sy_migration *m = &sy_migrations[i];
    if (m->sql)
        return m->sql;
    return strcmp(kind, "sqlite") == 0 ? m->sqlite : m->postgres;
}

sy_status sy_db_exec(struct sy_db *db, const char *sql, const struct sy_db_param *p, size_t n)
{
    sy_status rc = db->ops->query(db, sql, p, n);
    if (rc != SY_OK)
        return rc;
    while (db->ops->next(db))
        ;
    return db->ops->end(db);
}
