/* Bump allocator with chunk chaining and LIFO cleanups. */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

struct chunk {
    struct chunk *next;
    size_t        size, used;
    _Alignas(16) unsigned char data[];
};

struct defer {
    struct defer *next;
    void        (*fn)(void *);
    void         *arg;
};

struct sy_arena {
    struct chunk *head;
    struct defer *defers;
    size_t        chunk_size, total;
};

struct sy_arena *sy_arena_new(size_t chunk_size)
{
    struct sy_arena *a = sy_xcalloc(1, sizeof *a);
    a->chunk_size = chunk_size < 256 ? 256 : chunk_size;
    return a;
}

void sy_arena_free(struct sy_arena *a)
{
    if (!a)
        return;
    while (a->defers) {
        struct defer *d = a->defers;
        a->defers = d->next;
        d->fn(d->arg); /* the defer record itself lives in a chunk, freed below */
    }
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *sy_arena_alloc(struct sy_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > a->chunk_size ? n : a->chunk_size;
        c = sy_xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        /* a big one-off allocation goes behind the current chunk so its free space stays usable */
        if (a->head && n > a->chunk_size) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *sy_arena_strndup(struct sy_arena *a, const char *s, size_t n)
{
    char *d = sy_arena_alloc(a, n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

sy_slice sy_arena_dup(struct sy_arena *a, sy_slice s)
{
    return (sy_slice){ sy_arena_strndup(a, s.ptr, s.len), s.len };
}

void sy_arena_defer(struct sy_arena *a, void (*fn)(void *), void *arg)
{
    struct defer *d = sy_arena_alloc(a, sizeof *d);
    d->fn = fn;
    d->arg = arg;
    d->next = a->defers;
    a->defers = d;
}

size_t sy_arena_used(const struct sy_arena *a)
{
    return a->total;
}
