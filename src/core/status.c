/* The one table from sy_status to HTTP status and OpenAI error vocabulary. */
#include "core/status.h"

struct status_row {
    const char *name;
    int         http;
    const char *type;
    const char *code;
    const char *msg;
};

static const struct status_row rows[SY_STATUS__COUNT] = {
#define X(name, http, type, code, msg) { #name, http, type, code, msg },
    SY_STATUS_MAP(X)
#undef X
};

static const struct status_row *row(sy_status st)
{
    return (unsigned)st < SY_STATUS__COUNT ? &rows[st] : &rows[SY_EINTERNAL];
}

int sy_status_http(sy_status st) { return row(st)->http; }
const char *sy_status_type(sy_status st) { return row(st)->type; }
const char *sy_status_code(sy_status st) { return row(st)->code; }
const char *sy_status_msg(sy_status st) { return row(st)->msg; }
const char *sy_status_name(sy_status st) { return row(st)->name; }
