/* The list of request parameters a translation could not carry to the upstream. Codecs add
 * names as they meet them; the endpoint reports them in `x-switchyard-dropped` and the access
 * log, or refuses the request when the deployment or request is strict. */
#ifndef SY_TRANSLATE_DROPPED_H
#define SY_TRANSLATE_DROPPED_H

#include <stdbool.h>

#include "core/buf.h"

struct sy_dropped {
    struct sy_buf names;  /* "a, b.c, d" — capped */
    unsigned      count;
    char          first[128]; /* the first dropped parameter (for a strict-mode 400's `param`) */
};

void sy_dropped_init(struct sy_dropped *d);
/* Record one dropped parameter path (e.g. "reasoning.summary"); duplicates are kept once. */
void sy_dropped_add(struct sy_dropped *d, const char *param);
void sy_dropped_free(struct sy_dropped *d);

#endif
