/* The state store. This first part opens the embedded SQLite database under the data
 * directory, in WAL mode, and brings its schema to the current version with versioned
 * migrations (the tables of stored responses and conversations arrive with those features). */
#ifndef SY_STORE_STORE_H
#define SY_STORE_STORE_H

#include "config/config.h"
#include "core/diag.h"
#include "core/status.h"

struct sy_store;

/* Open (creating the data directory and file as needed) and migrate. Blocking: call it at
 * start-up on the main thread or on the storage thread, never on a worker loop. */
sy_status sy_store_open(const struct sy_config *cfg, struct sy_store **out, struct sy_diag *diag) SY_MUST_CHECK;
/* Schema version after migrations. */
int sy_store_schema_version(const struct sy_store *s);
void sy_store_close(struct sy_store *s);

#endif
