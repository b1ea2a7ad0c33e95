/* The endpoint handlers behind the dispatcher. Each takes over the exchange and finishes it. */
#ifndef SY_API_ENDPOINTS_H
#define SY_API_ENDPOINTS_H

#include "api/exchange.h"
#include "core/buf.h"

/* POST /v1/responses. */
void sy_api_responses(struct sy_exchange *ex);
/* POST /v1/responses/compact (chat upstreams: a summary in a gateway compaction item). */
void sy_api_responses_compact(struct sy_exchange *ex);
/* POST /v1/responses/input_tokens (chat upstreams: counted by the upstream itself). */
void sy_api_responses_input_tokens(struct sy_exchange *ex);
/* /v1/responses/{id}, /input_items, /cancel: stored responses, else the Responses upstream. */
void sy_api_responses_by_id(struct sy_exchange *ex);
/* The Conversations API (/v1/conversations...). */
void sy_api_conversations(struct sy_exchange *ex);
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
/* The client body for a non-2xx upstream answer that is relayed in another format: an
 * OpenAI-style error body ({"error":{...}}) passes as it is; anything else becomes an envelope
 * "upstream answered HTTP <status>" (server_error when status >= 500, else
 * invalid_request_error). */
void sy_api_upstream_error_body(int status, sy_slice body, struct sy_buf *out);
/* Responses client, Responses upstream: POST the body to api_base + suffix with only the model
 * value replaced, relayed byte for byte. */
void sy_api_responses_passthrough(struct sy_exchange *ex, const struct sy_deployment *dep, sy_slice suffix);
/* Send a translated request body (copied) to api_base + suffix through the translating relay;
 * reports `dropped` in x-switchyard-dropped and the access log. */
struct sy_dropped;
struct sy_relay_translator;
struct sy_relay;
struct sy_relay *sy_api_start_translation(struct sy_exchange *ex, const struct sy_deployment *dep, sy_slice suffix,
                                          const struct sy_buf *body, const struct sy_dropped *dropped,
                                          const struct sy_relay_translator *tr);
/* POST /v1/chat/completions to an openai-responses deployment; takes `root` (the parsed body). */
struct sy_json;
void sy_api_chat_over_responses(struct sy_exchange *ex, const struct sy_deployment *dep, struct sy_json *root);
/* Proxy the request as it is to `dep` (RAW relay). */
void sy_api_proxy_to(struct sy_exchange *ex, const struct sy_deployment *dep);
/* Strict mode (deployment `strict` or header `x-switchyard-strict: 1`): any dropped parameter is a
 * 400 unsupported_parameter naming the first one. */
sy_status sy_api_check_strict(struct sy_exchange *ex, const struct sy_deployment *dep, const struct sy_dropped *dropped,
                              struct sy_diag *d);
/* The exchange's token counts for the access log from u (NULL: unknown, left as they are). */
struct sy_ir_usage;
void sy_api_note_usage(struct sy_exchange *ex, const struct sy_ir_usage *u);
/* A whole upstream answer that does not decode as `what` ("chat completion", "Response"): the
 * 502 upstream_malformed envelope in out (naming why), noted for the access log; returns 502. */
int sy_api_malformed_answer(struct sy_exchange *ex, const char *what, const struct sy_diag *why, struct sy_buf *out);
/* Upstream URL: the deployment's api_base + suffix (e.g. "/chat/completions"), arena memory. */
const char *sy_api_upstream_url(struct sy_exchange *ex, const struct sy_deployment *d, sy_slice suffix, sy_slice query);

#endif
