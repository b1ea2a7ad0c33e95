/* Routing and gateway auth over the immutable config: which deployment serves a model name,
 * and which gateway key (if any) a request presented. Pure functions; callers keep the
 * per-worker round-robin counter. */
#ifndef SY_ROUTE_ROUTE_H
#define SY_ROUTE_ROUTE_H

#include "config/config.h"
#include "core/slice.h"

/* Deployment for `model`: the entries whose model_name equals it, rotated by *rr; else the
 * "*" catch-all; NULL when nothing serves it. */
const struct sy_deployment *sy_route_pick(const struct sy_config *cfg, sy_slice model, unsigned *rr);

/* The upstream that owns Responses objects Switchyard did not make (GET / DELETE / cancel /
 * input_items by id): the first openai-responses deployment, else the default upstream. */
const struct sy_deployment *sy_route_responses_owner(const struct sy_config *cfg);

enum sy_auth_result { SY_AUTH_OK, SY_AUTH_MISSING, SY_AUTH_INVALID };

/* Check an `Authorization` header value (may be NULL) against the gateway keys in constant
 * time per key (every key is compared; no early exit). With no keys configured: SY_AUTH_OK
 * and *key = NULL. On SY_AUTH_OK with keys, *key is the matching key. */
enum sy_auth_result sy_auth_check(const struct sy_config *cfg, const char *authorization,
                                  const struct sy_gateway_key **key);

/* Constant-time equality of two byte strings (time depends only on the longer length). */
bool sy_ct_equal(sy_slice a, sy_slice b);

#endif
