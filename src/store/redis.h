/* Redis side of the store (internal to src/store): background responses' event logs and cancel
 * flags, shared by every gateway instance. Synchronous hiredis on the store threads, one
 * connection per thread (made at open, made again before the next command after an error).
 *
 * Layout (docs/decisions.md):
 *   sy:ev:<response id>      sorted set, score = seq, member = "<seq>:<SSE event text>";
 *                            EXPIREAT the response's expires_at (none when it never expires)
 *   sy:cancel:<response id>  "1", EX until the response expires
 * Appending an event that is already there (same seq, same text) changes nothing. */
#ifndef SY_STORE_REDIS_H
#define SY_STORE_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/slice.h"
#include "store/store.h"

struct sy_redis;

/* Copies what it needs from cfg; connects on first use (or sy_redis_connect). */
struct sy_redis *sy_redis_new(const struct sy_redis_cfg *cfg);
void sy_redis_free(struct sy_redis *r);
/* Connect now (AUTH, SELECT). False with sy_redis_err set. */
bool sy_redis_connect(struct sy_redis *r);
/* What the last failing call met ("host:port: message"; never the password). */
const char *sy_redis_err(const struct sy_redis *r);

/* Every call below is false on trouble (connection, or an error reply), with sy_redis_err set.
 * A command that meets a broken connection is sent once more on a new one (all are idempotent). */

/* Add events to the log of `id`; expires_at 0 = the log never expires. */
bool sy_redis_append_events(struct sy_redis *r, sy_slice id, const struct sy_store_event *ev, size_t n,
                            int64_t expires_at);
/* Events of `id` with seq > after, ascending, at most `max` (0 = all), each passed to fn (its
 * text is valid during the call only). */
bool sy_redis_read_events(struct sy_redis *r, sy_slice id, int64_t after, uint64_t max,
                          void (*fn)(void *ctx, int64_t seq, sy_slice sse), void *ctx);
/* Set the cancel flag of `id`, living ttl_s seconds (0 = until deleted). */
bool sy_redis_set_cancel(struct sy_redis *r, sy_slice id, int64_t ttl_s);
bool sy_redis_get_cancel(struct sy_redis *r, sy_slice id, bool *set);
/* Delete the event log and the cancel flag of `id`. */
bool sy_redis_delete(struct sy_redis *r, sy_slice id);

#endif
