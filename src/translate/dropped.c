/* Dropped-parameter list. */
#include "translate/dropped.h"

#include <stdio.h>
#include <string.h>

void sy_dropped_init(struct sy_dropped *d)
{
    sy_buf_init(&d->names, 4096);
    d->count = 0;
    d->first[0] = '\0';
}

static bool contains(const struct sy_dropped *d, const char *param)
{
    size_t n = strlen(param);
    const char *p = d->names.data;
    while (p && (p = strstr(p, param)) != NULL) {
        bool start = p == d->names.data || p[-1] == ' ';
        bool end = p[n] == '\0' || p[n] == ',';
        if (start && end)
            return true;
        p += n;
    }
    return false;
}

void sy_dropped_add(struct sy_dropped *d, const char *param)
{
    if (contains(d, param))
        return;
    if (d->count == 0)
        snprintf(d->first, sizeof d->first, "%s", param);
    sy_status st = d->count ? sy_buf_append_cstr(&d->names, ", ") : SY_OK;
    if (st == SY_OK && sy_buf_append_cstr(&d->names, param) == SY_OK)
        d->count++;
}

void sy_dropped_free(struct sy_dropped *d)
{
    sy_buf_free(&d->names);
}
