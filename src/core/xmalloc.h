/* Allocation that aborts on failure. Policy: small internal allocations abort (a gateway that
 * cannot allocate 64 bytes is lost); every size that input controls is capped before it gets here. */
#ifndef SY_CORE_XMALLOC_H
#define SY_CORE_XMALLOC_H

#include <stddef.h>

void *sy_xmalloc(size_t n);
void *sy_xcalloc(size_t count, size_t n);
void *sy_xrealloc(void *p, size_t n);
/* Copy of a NUL-terminated string (NULL in, NULL out). Caller frees. */
char *sy_xstrdup(const char *s);
/* Copy of n bytes plus a terminating NUL. Caller frees. */
char *sy_xstrndup(const char *s, size_t n);

#endif
