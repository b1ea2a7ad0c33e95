/* Human detail for an error: the message a client or operator reads, the offending parameter
 * (OpenAI `param`), an optional `code` override, and for config errors a file:line:col position.
 * Fixed-size storage: a diag never allocates. */
#ifndef SY_CORE_DIAG_H
#define SY_CORE_DIAG_H

#include <stdbool.h>

#include "core/status.h"

struct sy_diag {
    char message[512];  /* empty: use sy_status_msg() */
    char param[128];    /* empty: JSON null */
    char code[64];      /* empty: use sy_status_code() */
    const char *file;   /* borrowed; NULL when not from a file */
    int  line, col;     /* 1-based; 0 when unknown */
};

void sy_diag_clear(struct sy_diag *d);
/* Set the message (printf-style). Returns nothing; truncates at the buffer size. */
void sy_diag_setf(struct sy_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sy_diag_param(struct sy_diag *d, const char *param);
void sy_diag_code(struct sy_diag *d, const char *code);
/* Convenience: set message and param together; returns `st` so callers can `return sy_diag_fail(...)`. */
sy_status sy_diag_fail(struct sy_diag *d, sy_status st, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool sy_diag_is_set(const struct sy_diag *d);

/* A list of positioned problems (config validation reports every one, not just the first). */
struct sy_diag_list {
    struct sy_diag *items;
    unsigned        count, cap;
};
void sy_diag_list_init(struct sy_diag_list *l);
/* Append a positioned problem. */
void sy_diag_list_add(struct sy_diag_list *l, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void sy_diag_list_free(struct sy_diag_list *l);

#endif
