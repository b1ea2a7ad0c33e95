/* Background responses (`background: true` on POST /v1/responses to a chat upstream): the
 * generation runs on a worker loop without a client attached (api/background_run.c); its
 * progress, event log and cancel flag live in the store, so that any instance can answer
 * polling GETs, resume streams and cancel (api/background_api.c). */
#ifndef SY_API_BACKGROUND_H
#define SY_API_BACKGROUND_H

#include <stdbool.h>
#include <stdint.h>

#include "api/exchange.h"
#include "config/config.h"

struct sy_bg_start {
    const struct sy_deployment *dep;
    sy_slice body;          /* the client's request body (validated) */
    sy_slice context;       /* stored context as a create body ({"model","input":[items]}), or empty */
    sy_slice response_id;
    int64_t  created_at;
    bool     stream;        /* the creating client follows the events live */
};

/* Start a background run for a validated request (limits already checked). Takes over the
 * exchange: answers the queued Response, or streams the events live when s->stream. */
void sy_bg_start(struct sy_exchange *ex, const struct sy_bg_start *s);
/* The worker's loop has stopped (runs count as open exchanges, so a draining worker waited for
 * them up to its deadline): free the runs it still had (their leases run out and the store marks
 * them failed). */
void sy_bg_worker_exit(struct sy_worker *w);
/* Ask the run of `id`, if it runs in this process, to cancel now (any thread). */
bool sy_bg_signal_cancel(sy_slice id);

/* POST /v1/responses with background: check the caps (429 beyond them), then sy_bg_start. */
void sy_bg_create(struct sy_exchange *ex, const struct sy_bg_start *s);
/* GET /v1/responses/{id}?stream=true[&starting_after=N]: replay the event log after N, then
 * follow it live to the end. */
void sy_bg_resume(struct sy_exchange *ex, sy_slice id, int64_t after);
/* POST /v1/responses/{id}/cancel. */
void sy_bg_cancel(struct sy_exchange *ex, sy_slice id);

struct sy_store_result;
/* Reply 200 with a stored Response (a run its instance abandoned: marked failed with its error). */
void sy_api_reply_stored_response(struct sy_exchange *ex, const struct sy_store_result *r);
/* An id the store does not know: the Responses upstream that owns it when there is one, else 404. */
void sy_api_responses_unknown(struct sy_exchange *ex, sy_slice id);

#endif
