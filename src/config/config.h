/* Typed, immutable gateway configuration. Built once on the main thread (from a YAML file, from
 * the environment, or both) and then only read, from any thread, until it is freed at exit.
 * All strings are owned by the sy_config and freed with it. Secrets (API keys) are resolved
 * here from `os.environ/NAME` or `${NAME}` and must never be logged. */
#ifndef SY_CONFIG_CONFIG_H
#define SY_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/status.h"

enum sy_provider_kind {
    SY_PROVIDER_OPENAI_CHAT,       /* upstream speaks POST {api_base}/chat/completions */
    SY_PROVIDER_OPENAI_RESPONSES,  /* upstream speaks POST {api_base}/responses */
};

/* "openai-chat" / "openai-responses". */
const char *sy_provider_kind_name(enum sy_provider_kind k);

struct sy_timeouts {
    uint32_t connect_ms;     /* TCP+TLS connect to the upstream */
    uint32_t first_byte_ms;  /* request sent → response headers */
    uint32_t idle_ms;        /* longest silence between two body reads (stream events) */
};

/* One deployment: where a client-facing model name can be served. */
struct sy_deployment {
    char *model_name;        /* client-facing name; "*" = any model (environment-only start) */
    enum sy_provider_kind kind;
    char *model;             /* upstream model name; NULL = send the client's name unchanged */
    char *api_base;          /* e.g. "http://127.0.0.1:8000/v1", no trailing '/' */
    char *api_key;           /* resolved secret sent as Bearer; NULL = send none */
    struct sy_timeouts timeouts;   /* every field filled (server defaults applied) */
    bool  system_as_instructions;  /* chat→responses: hoist system messages into instructions */
    bool  strict;                  /* turn every dropped parameter into a 400 */
    bool  openai_dialect;          /* chat_dialect: openai — the chat upstream is OpenAI itself
                                      (developer role, max_completion_tokens, OpenAI-only hints);
                                      default generic (vLLM, Ollama, llama.cpp, ...) */
    int   line;                    /* where it was defined (0 = environment) */
};

/* One gateway API key a client may present as `Authorization: Bearer <key>`. */
struct sy_gateway_key {
    char *key;               /* secret value */
    char *name;              /* label for logs and ownership ("key-1" when not given) */
};

enum sy_store_kind { SY_STORE_SQLITE, SY_STORE_POSTGRES, SY_STORE_MEMORY };

struct sy_store_cfg {
    enum sy_store_kind kind;
    char *path;              /* sqlite file; default "<data_dir>/switchyard.db" */
    char *url;               /* postgres connection URL */
    uint32_t ttl_s;          /* stored responses and conversations live this long (seconds, from
                                creation / last update); default 30 days; 0 = forever */
    uint32_t sweep_interval_s;       /* how often expired rows are deleted, default 60 */
    size_t   max_response_bytes;     /* response JSON + all its items, one PUT; default 32 MiB */
    uint32_t max_chain;              /* longest previous_response_id chain loaded, default 1000 */
    uint32_t max_conversation_items; /* items per conversation, default 10000 */
};

/* Redis, shared by all instances: background responses' event logs and cancel flags. */
struct sy_redis_cfg {
    char    *url;            /* redis://[[user]:password@]host[:port][/db]; NULL = no Redis */
    char    *host;           /* parsed from url (IPv6 without brackets) */
    uint16_t port;           /* default 6379 */
    uint32_t db;             /* SELECTed after connecting, default 0 */
    char    *username;       /* AUTH user (Redis 6 ACL); NULL = none */
    char    *password;       /* AUTH password; NULL = no AUTH */
};

/* Background responses (`background: true`). */
struct sy_background_cfg {
    uint32_t lease_s;        /* a run's lease, renewed every lease_s/3; a run whose lease passed
                                is failed by the sweeper. Default 30, min 3 */
    uint32_t max_per_key;    /* queued/in-progress background responses per gateway key, default 16 */
    uint32_t max_total;      /* ... over all keys and instances, default 256 */
};

struct sy_server_cfg {
    char    *host;           /* listen host, default "127.0.0.1" */
    uint16_t port;           /* default 8080 */
    unsigned workers;        /* default: number of online CPUs */
    size_t   max_body_bytes; /* largest request body accepted, default 16 MiB */
    size_t   max_event_bytes;/* largest upstream SSE event accepted, default 4 MiB */
    struct sy_timeouts timeouts;  /* defaults for deployments: 10000 / 600000 / 600000 ms */
    uint32_t heartbeat_ms;   /* SSE comment heartbeat on silent streams, default 15000; 0 = off */
    uint32_t drain_ms;       /* on SIGTERM, how long open streams may finish, default 30000 */
    uint32_t request_timeout_ms; /* reading a client request (headers+body), default 60000 */
};

struct sy_config {
    char *source;            /* config file path, or NULL when built from the environment */
    struct sy_server_cfg server;
    struct sy_gateway_key *keys;     /* empty = no auth */
    size_t nkeys;
    struct sy_store_cfg store;
    struct sy_redis_cfg redis;
    struct sy_background_cfg background;
    char *data_dir;          /* SWITCHYARD_DATA_DIR, default "./data" */
    struct sy_deployment *deployments;
    size_t ndeployments;
    /* Where other /v1/... routes are proxied: the environment upstream when set, else the
     * first deployment. Points into `deployments`; NULL when there is none. */
    const struct sy_deployment *default_upstream;
    bool models_configured;  /* a model_list was given: GET /v1/models is answered locally */
};

/* Build a config. `path` may be NULL (environment only). Environment variables read:
 * SWITCHYARD_UPSTREAM_URL (else OPENAI_BASE_URL), SWITCHYARD_UPSTREAM_API (chat|responses),
 * OPENAI_API_KEY, SWITCHYARD_DATA_DIR, SWITCHYARD_API_KEYS (comma-separated),
 * SWITCHYARD_REDIS_URL (when the file has no redis.url), and every
 * variable named by `os.environ/NAME` / `${NAME}` in the file.
 * On failure returns non-OK and appends EVERY problem found to errs (with file, line, col for
 * file problems), and *out is NULL. On success *out is owned by the caller.
 * The diags' `file` points at `path` itself (borrowed): keep it alive as long as errs.
 * Ignored LiteLLM settings are logged with sy_warn (key names only, never values).
 * The keys, value formats and precedence rules are documented in docs/config.md. */
sy_status sy_config_load(const char *path, struct sy_config **out, struct sy_diag_list *errs) SY_MUST_CHECK;
void sy_config_free(struct sy_config *cfg);

/* Apply a `--listen HOST:PORT` override. SY_EINVAL with a message in diag when malformed. */
sy_status sy_config_set_listen(struct sy_config *cfg, const char *hostport, struct sy_diag *diag) SY_MUST_CHECK;

#endif
