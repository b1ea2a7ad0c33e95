/* The endpoint handlers behind the dispatcher. Each takes over the exchange and finishes it. */
#ifndef SY_API_ENDPOINTS_H
#define SY_API_ENDPOINTS_H

#include "api/exchange.h"

/* POST /v1/responses. */
void sy_api_responses(struct sy_exchange *ex);
/* POST /v1/chat/completions. */
void sy_api_chat(struct sy_exchange *ex);
/* GET /v1/models and GET /v1/models/{id} from the configured model_list. */
void sy_api_models(struct sy_exchange *ex, sy_slice id);
/* Any other /v1/... route: proxied to the default upstream as it is. */
void sy_api_proxy(struct sy_exchange *ex);
/* GET /healthz and /readyz. */
void sy_api_health(struct sy_exchange *ex, bool readiness);

/* Parse the request body as a JSON object; on failure answers 400 and returns NULL. */
struct sy_json *sy_api_parse_object(struct sy_exchange *ex);
/* The client's body with the top-level "model" value replaced by `model` (NULL: unchanged);
 * every other byte kept. Arena memory. */
sy_slice sy_api_rewrite_model(struct sy_exchange *ex, sy_slice body, const char *model);
/* Upstream URL: the deployment's api_base + suffix (e.g. "/chat/completions"), arena memory. */
const char *sy_api_upstream_url(struct sy_exchange *ex, const struct sy_deployment *d, sy_slice suffix, sy_slice query);

#endif
