/* Borrowed byte views. A slice never owns its bytes; whoever keeps one must copy it. */
#ifndef SY_CORE_SLICE_H
#define SY_CORE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef struct sy_slice {
    const char *ptr;
    size_t      len;
} sy_slice;

#define SY_LIT(s) ((sy_slice){ (s), sizeof(s) - 1 })
#define SY_SLICE_NULL ((sy_slice){ NULL, 0 })
#define SY_SLICE_FMT "%.*s"
#define SY_SLICE_ARG(s) (int)(s).len, (s).ptr

static inline sy_slice sy_slice_from(const char *p, size_t n) { return (sy_slice){ p, n }; }
static inline sy_slice sy_slice_cstr(const char *s) { return (sy_slice){ s, s ? strlen(s) : 0 }; }

static inline bool sy_slice_eq(sy_slice a, sy_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool sy_slice_eq_cstr(sy_slice a, const char *s) { return sy_slice_eq(a, sy_slice_cstr(s)); }

static inline bool sy_slice_case_eq_cstr(sy_slice a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && strncasecmp(a.ptr, s, n) == 0;
}

static inline bool sy_slice_starts_with(sy_slice a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

#endif
