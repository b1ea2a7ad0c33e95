/* Field tables of the config file (see config_file.h and docs/config.md). */
#include "config/config_file.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_values.h"

#define U32 ((uint64_t)UINT32_MAX)
#define GIB ((uint64_t)1 << 30)

#define FIELD(T, NAME, TYPE, ...) { .name = #NAME, .type = TYPE, .off = offsetof(T, NAME), __VA_ARGS__ }
#define IGNORED(T, NAME) { .name = NAME, .type = SY_F_WARN, .off = offsetof(T, ignored) }

/* ---- checks ---------------------------------------------------------------------------- */

static bool check_listen(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    char host[256];
    uint16_t port;
    if (!sy_cfg_parse_listen(v->s, host, sizeof host, &port, err, n))
        return false;
    v->s = sy_arena_strndup(c->a, host, strlen(host));
    v->u = port;
    return true;
}

static bool check_url(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    (void)c;
    return sy_cfg_check_url(v->s, err, n);
}

static bool check_provider(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    (void)c;
    if (strcmp(v->s, "openai-chat") == 0) {
        v->u = SY_PROVIDER_OPENAI_CHAT;
        return true;
    }
    if (strcmp(v->s, "openai-responses") == 0) {
        v->u = SY_PROVIDER_OPENAI_RESPONSES;
        return true;
    }
    snprintf(err, n, "provider '%s' is not supported (supported: openai-chat, openai-responses)", v->s);
    return false;
}

static bool check_dialect(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    (void)c;
    if (strcmp(v->s, "generic") == 0 || strcmp(v->s, "openai") == 0) {
        v->u = strcmp(v->s, "openai") == 0;
        return true;
    }
    snprintf(err, n, "chat_dialect '%s' is not supported (supported: generic, openai)", v->s);
    return false;
}

static bool check_store_kind(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    static const char *const names[] = { [SY_STORE_SQLITE] = "sqlite", [SY_STORE_POSTGRES] = "postgres",
                                         [SY_STORE_MEMORY] = "memory" };
    (void)c;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(v->s, names[i]) == 0) {
            v->u = i;
            return true;
        }
    }
    snprintf(err, n, "expected one of sqlite, postgres, memory, got '%s'", v->s);
    return false;
}

static bool check_nonempty_secret(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    (void)c;
    if (v->s[0])
        return true;
    snprintf(err, n, "must not be empty");
    return false;
}

static bool check_redis_url(struct sy_cfg_ctx *c, struct sy_cfg_val *v, char *err, size_t n)
{
    (void)c;
    struct sy_redis_addr a;
    return sy_cfg_parse_redis_url(v->s, &a, err, n);
}

/* ---- tables ---------------------------------------------------------------------------- */

static const struct sy_field timeouts_fields[] = {
    FIELD(struct sy_raw_timeouts, connect_ms, SY_F_UINT, .min = 1, .max = U32),
    FIELD(struct sy_raw_timeouts, first_byte_ms, SY_F_UINT, .min = 1, .max = U32),
    FIELD(struct sy_raw_timeouts, idle_ms, SY_F_UINT, .min = 1, .max = U32),
    { 0 },
};

static const struct sy_field server_fields[] = {
    FIELD(struct sy_raw_server, listen, SY_F_STR, .check = check_listen),
    FIELD(struct sy_raw_server, workers, SY_F_UINT, .min = 1, .max = 256),
    FIELD(struct sy_raw_server, max_body_bytes, SY_F_SIZE, .min = 1, .max = GIB),
    FIELD(struct sy_raw_server, max_event_bytes, SY_F_SIZE, .min = 1, .max = GIB),
    FIELD(struct sy_raw_server, heartbeat_ms, SY_F_UINT, .min = 0, .max = U32),
    FIELD(struct sy_raw_server, drain_ms, SY_F_UINT, .min = 0, .max = U32),
    FIELD(struct sy_raw_server, request_timeout_ms, SY_F_UINT, .min = 1, .max = U32),
    FIELD(struct sy_raw_server, timeouts, SY_F_MAP, .sub = timeouts_fields),
    { 0 },
};

static const struct sy_field store_fields[] = {
    FIELD(struct sy_raw_store, kind, SY_F_STR, .check = check_store_kind),
    FIELD(struct sy_raw_store, path, SY_F_STR),
    FIELD(struct sy_raw_store, url, SY_F_SECRET, .check = check_nonempty_secret),
    FIELD(struct sy_raw_store, ttl_s, SY_F_UINT, .min = 0, .max = U32),
    FIELD(struct sy_raw_store, sweep_interval_s, SY_F_UINT, .min = 1, .max = 86400),
    FIELD(struct sy_raw_store, max_response_bytes, SY_F_SIZE, .min = 1024, .max = GIB),
    FIELD(struct sy_raw_store, max_chain, SY_F_UINT, .min = 1, .max = 100000),
    FIELD(struct sy_raw_store, max_conversation_items, SY_F_UINT, .min = 1, .max = 10000000),
    { 0 },
};

static const struct sy_field redis_fields[] = {
    FIELD(struct sy_raw_redis, url, SY_F_SECRET, .required = true, .check = check_redis_url),
    { 0 },
};

static const struct sy_field background_fields[] = {
    FIELD(struct sy_raw_background, lease_s, SY_F_UINT, .min = 3, .max = 86400),
    FIELD(struct sy_raw_background, max_per_key, SY_F_UINT, .min = 1, .max = 1000000),
    FIELD(struct sy_raw_background, max_total, SY_F_UINT, .min = 1, .max = 1000000),
    { 0 },
};

static const struct sy_field key_fields[] = {
    FIELD(struct sy_raw_key, key, SY_F_SECRET, .required = true, .check = check_nonempty_secret),
    FIELD(struct sy_raw_key, name, SY_F_STR),
    { 0 },
};

static const struct sy_field params_fields[] = {
    FIELD(struct sy_raw_params, provider, SY_F_STR, .check = check_provider),
    FIELD(struct sy_raw_params, model, SY_F_STR),
    FIELD(struct sy_raw_params, api_base, SY_F_STR, .check = check_url),
    FIELD(struct sy_raw_params, api_key, SY_F_SECRET),
    FIELD(struct sy_raw_params, timeout, SY_F_SECONDS, .min = 1, .max = U32),
    FIELD(struct sy_raw_params, stream_timeout, SY_F_SECONDS, .min = 1, .max = U32),
    FIELD(struct sy_raw_params, timeouts, SY_F_MAP, .sub = timeouts_fields),
    FIELD(struct sy_raw_params, system_as_instructions, SY_F_BOOL),
    FIELD(struct sy_raw_params, strict, SY_F_BOOL),
    FIELD(struct sy_raw_params, chat_dialect, SY_F_STR, .check = check_dialect),
    /* LiteLLM deployment settings switchyard does not implement: accepted with a warning */
    IGNORED(struct sy_raw_params, "rpm"),
    IGNORED(struct sy_raw_params, "tpm"),
    IGNORED(struct sy_raw_params, "max_retries"),
    IGNORED(struct sy_raw_params, "organization"),
    IGNORED(struct sy_raw_params, "api_version"),
    IGNORED(struct sy_raw_params, "custom_llm_provider"),
    IGNORED(struct sy_raw_params, "drop_params"),
    IGNORED(struct sy_raw_params, "input_cost_per_token"),
    IGNORED(struct sy_raw_params, "output_cost_per_token"),
    IGNORED(struct sy_raw_params, "max_tokens"),
    IGNORED(struct sy_raw_params, "max_parallel_requests"),
    IGNORED(struct sy_raw_params, "region_name"),
    IGNORED(struct sy_raw_params, "tags"),
    IGNORED(struct sy_raw_params, "weight"),
    IGNORED(struct sy_raw_params, "order"),
    IGNORED(struct sy_raw_params, "use_in_pass_through"),
    IGNORED(struct sy_raw_params, "merge_reasoning_content_in_choices"),
    IGNORED(struct sy_raw_params, "mock_response"),
    { 0 },
};

static const struct sy_field model_fields[] = {
    FIELD(struct sy_raw_model, model_name, SY_F_STR, .required = true),
    FIELD(struct sy_raw_model, params, SY_F_MAP, .sub = params_fields),
    FIELD(struct sy_raw_model, litellm_params, SY_F_MAP, .sub = params_fields),
    FIELD(struct sy_raw_model, model_info, SY_F_ANY),
    { 0 },
};

static void keys_fn(struct sy_cfg_ctx *c, const struct sy_ynode *val, const char *path, void *base);
static void model_list_fn(struct sy_cfg_ctx *c, const struct sy_ynode *val, const char *path, void *base);

static const struct sy_field file_fields[] = {
    FIELD(struct sy_raw_file, server, SY_F_MAP, .sub = server_fields),
    { .name = "keys", .type = SY_F_CUSTOM, .off = offsetof(struct sy_raw_file, keys_list), .fn = keys_fn },
    FIELD(struct sy_raw_file, store, SY_F_MAP, .sub = store_fields),
    FIELD(struct sy_raw_file, redis, SY_F_MAP, .sub = redis_fields),
    FIELD(struct sy_raw_file, background, SY_F_MAP, .sub = background_fields),
    FIELD(struct sy_raw_file, data_dir, SY_F_STR),
    FIELD(struct sy_raw_file, model_list, SY_F_CUSTOM, .fn = model_list_fn),
    /* LiteLLM proxy sections: accepted with a warning, content not validated */
    IGNORED(struct sy_raw_file, "litellm_settings"),
    IGNORED(struct sy_raw_file, "general_settings"),
    IGNORED(struct sy_raw_file, "router_settings"),
    IGNORED(struct sy_raw_file, "environment_variables"),
    { 0 },
};

/* ---- sequences ------------------------------------------------------------------------- */

/* keys: each item is a plain string (the key) or a mapping {key, name}. */
static void keys_fn(struct sy_cfg_ctx *c, const struct sy_ynode *val, const char *path, void *base)
{
    struct sy_raw_file *rf = base;
    if (!sy_cfg_expect_seq(c, val, path) || val->type != SY_YSEQ)
        return;
    rf->keys = sy_arena_alloc(c->a, (val->count + 1) * sizeof *rf->keys);
    for (const struct sy_ynode *item = val->first; item; item = item->next) {
        struct sy_raw_key *k = &rf->keys[rf->nkeys];
        char ipath[SY_CFG_PATH_MAX];
        snprintf(ipath, sizeof ipath, "%s[%zu]", path, rf->nkeys++);
        if (item->type == SY_YMAP) {
            sy_cfg_walk_map(c, item, ipath, key_fields, k);
        } else if (item->type == SY_YSCALAR) {
            k->self.set = true;
            k->self.line = item->line;
            k->self.col = item->col;
            sy_cfg_scalar(c, &key_fields[0], item, ipath, &k->key);
        } else {
            sy_cfg_error(c, item->line, item->col, "%s: expected a string or a mapping with 'key', got %s", ipath,
                         sy_ynode_kind(item));
        }
    }
}

static void model_list_fn(struct sy_cfg_ctx *c, const struct sy_ynode *val, const char *path, void *base)
{
    struct sy_raw_file *rf = base;
    if (!sy_cfg_expect_seq(c, val, path) || val->type != SY_YSEQ)
        return;
    rf->models = sy_arena_alloc(c->a, (val->count + 1) * sizeof *rf->models);
    for (const struct sy_ynode *item = val->first; item; item = item->next) {
        char ipath[SY_CFG_PATH_MAX];
        snprintf(ipath, sizeof ipath, "%s[%zu]", path, rf->nmodels);
        sy_cfg_walk_map(c, item, ipath, model_fields, &rf->models[rf->nmodels++]);
    }
}

void sy_cfg_read_file_tree(struct sy_cfg_ctx *c, const struct sy_ynode *root, struct sy_raw_file *rf)
{
    memset(rf, 0, sizeof *rf);
    sy_cfg_walk_map(c, root, "", file_fields, rf);
}
