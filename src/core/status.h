/* Status codes: one enum for every failure in the gateway, mapped in one table to the HTTP
 * status, the OpenAI `error.type` and the default `error.code` that a client sees. */
#ifndef SY_CORE_STATUS_H
#define SY_CORE_STATUS_H

#include <stddef.h>

#define SY_MUST_CHECK __attribute__((warn_unused_result))

/*  name            http  OpenAI error.type         error.code (NULL = null)   default message */
#define SY_STATUS_MAP(X)                                                                              \
    X(OK,            200, NULL,                     NULL,                    "ok")                    \
    X(EINVAL,        400, "invalid_request_error",  NULL,                    "invalid request")       \
    X(EJSON,         400, "invalid_request_error",  NULL,                    "invalid JSON body")     \
    X(EAUTH,         401, "invalid_request_error",  "invalid_api_key",       "missing or invalid API key") \
    X(ENOTFOUND,     404, "invalid_request_error",  NULL,                    "not found")             \
    X(ENOMODEL,      404, "invalid_request_error",  "model_not_found",       "model not found")       \
    X(EMETHOD,       405, "invalid_request_error",  NULL,                    "method not allowed")    \
    X(ETOOBIG,       413, "invalid_request_error",  "request_too_large",     "payload too large")     \
    X(ERATELIMIT,    429, "rate_limit_error",       "rate_limit_exceeded",   "rate limit exceeded")   \
    X(EINTERNAL,     500, "server_error",           NULL,                    "internal error")        \
    X(EUPSTREAM,     502, "server_error",           "upstream_error",        "upstream provider error") \
    X(EUNAVAILABLE,  503, "server_error",           "unavailable",           "service unavailable")   \
    X(ETIMEDOUT,     504, "server_error",           "upstream_timeout",      "upstream timed out")    \
    X(ECLOSED,       499, "server_error",           NULL,                    "client closed request")

typedef enum sy_status {
#define X(name, http, type, code, msg) SY_##name,
    SY_STATUS_MAP(X)
#undef X
    SY_STATUS__COUNT
} sy_status;

/* HTTP status for `st`. */
int sy_status_http(sy_status st);
/* OpenAI `error.type` for `st` (NULL for SY_OK). Static storage. */
const char *sy_status_type(sy_status st);
/* Default OpenAI `error.code` for `st`, or NULL for JSON null. Static storage. */
const char *sy_status_code(sy_status st);
/* Default human message for `st`. Static storage. */
const char *sy_status_msg(sy_status st);
/* Symbolic name ("EINVAL") for logs and tests. Static storage. */
const char *sy_status_name(sy_status st);

#endif
