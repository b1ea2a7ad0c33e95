/* One client request from arrival to its access-log line: the request arena, the request id,
 * what the access log reports, and the uniform OpenAI error reply. Every exchange ends through
 * sy_ex_finish exactly once (after the reply ended or the client left). */
#ifndef SY_API_EXCHANGE_H
#define SY_API_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/slice.h"
#include "core/status.h"

struct sy_http_req;

struct sy_exchange {
    struct sy_worker            *w;
    struct sy_http_req          *req;      /* NULL once the reply ended or the client left */
    struct sy_arena             *arena;
    uint64_t                     t0_us;
    char                         request_id[40];
    const char                  *method, *path;  /* arena copies for the access log */
    const char                  *model;          /* client's model name, or NULL */
    const struct sy_gateway_key *key;            /* presented gateway key, or NULL */
    sy_slice                     owner;          /* its store owner id, once asked (sy_api_owner) */
    bool                         stream;
    int                          status;
    int64_t                      upstream_ms;
    int64_t                      prompt_tokens, completion_tokens, total_tokens;
    const char                  *error;          /* short reason for the access log */
    const char                  *dropped;        /* parameters dropped in translation, or NULL */
    uint64_t                     bytes_in, bytes_out;
    bool                         finished;
};

/* New exchange for r (counts as open on the worker). */
struct sy_exchange *sy_ex_new(struct sy_worker *w, struct sy_http_req *r);
/* Log the access line, release everything, and let a draining worker stop when idle. */
void sy_ex_finish(struct sy_exchange *ex);
/* Reply with the OpenAI error envelope built from st + diag (diag may be NULL), then finish. */
void sy_ex_fail(struct sy_exchange *ex, sy_status st, const struct sy_diag *diag);
/* Reply with a JSON body and finish. */
void sy_ex_reply_json(struct sy_exchange *ex, int status, sy_slice body);
/* Add `x-request-id` (ours) to the reply headers. */
void sy_ex_add_request_id(struct sy_exchange *ex);

/* Append the error envelope {"error":{"message","type","param","code"}} for st + diag to out. */
sy_status sy_error_envelope(struct sy_buf *out, sy_status st, const struct sy_diag *diag) SY_MUST_CHECK;

#endif
