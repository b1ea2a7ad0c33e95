/* Request-scoped memory: everything a request allocates comes from its arena and dies with it.
 * Non-memory resources register a cleanup with sy_arena_defer(). Not thread-safe (one owner). */
#ifndef SY_CORE_ARENA_H
#define SY_CORE_ARENA_H

#include <stddef.h>

#include "core/slice.h"

struct sy_arena;

/* New arena whose chunks are at least chunk_size bytes. */
struct sy_arena *sy_arena_new(size_t chunk_size);
/* Run the defers (last registered first), then free all memory. Accepts NULL. */
void sy_arena_free(struct sy_arena *a);
/* n bytes, 16-byte aligned, zeroed. Aborts on OOM. */
void *sy_arena_alloc(struct sy_arena *a, size_t n);
/* Copy of s (NUL-terminated too) that lives as long as the arena. */
sy_slice sy_arena_dup(struct sy_arena *a, sy_slice s);
char *sy_arena_strndup(struct sy_arena *a, const char *s, size_t n);
/* Run fn(arg) when the arena is freed. */
void sy_arena_defer(struct sy_arena *a, void (*fn)(void *), void *arg);
/* Bytes handed out so far (for memory accounting in tests and benchmarks). */
size_t sy_arena_used(const struct sy_arena *a);

#endif
