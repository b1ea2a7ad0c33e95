/* The config file's schema: raw (validated but not yet combined) values of every section, and
 * the field tables that fill them from the YAML tree. Internal to src/config. */
#ifndef SY_CONFIG_FILE_H
#define SY_CONFIG_FILE_H

#include <stddef.h>

#include "config/config_schema.h"

struct sy_raw_timeouts {
    struct sy_cfg_val self, connect_ms, first_byte_ms, idle_ms;
};

struct sy_raw_server {
    struct sy_cfg_val self, listen, workers, max_body_bytes, max_event_bytes, heartbeat_ms, drain_ms,
        request_timeout_ms;
    struct sy_raw_timeouts timeouts;
};

struct sy_raw_store {
    struct sy_cfg_val self, kind, path, url, ttl_s, sweep_interval_s, max_response_bytes, max_chain,
        max_conversation_items;
};

struct sy_raw_redis {
    struct sy_cfg_val self, url;
};

struct sy_raw_background {
    struct sy_cfg_val self, lease_s, max_per_key, max_total;
};

struct sy_raw_key {
    struct sy_cfg_val self, key, name;
};

struct sy_raw_params {
    struct sy_cfg_val self, provider, model, api_base, api_key, timeout, stream_timeout,
        system_as_instructions, strict, chat_dialect, ignored;
    struct sy_raw_timeouts timeouts;
};

struct sy_raw_model {
    struct sy_cfg_val self, model_name, model_info;
    struct sy_raw_params params, litellm_params;
};

struct sy_raw_file {
    struct sy_cfg_val self, data_dir, keys_list, model_list, ignored;
    struct sy_raw_server server;
    struct sy_raw_store store;
    struct sy_raw_redis redis;
    struct sy_raw_background background;
    struct sy_raw_key *keys;      /* in the arena */
    size_t nkeys;
    struct sy_raw_model *models;  /* in the arena */
    size_t nmodels;
};

/* Validate the document root (NULL = empty file) into rf, reporting every problem. */
void sy_cfg_read_file_tree(struct sy_cfg_ctx *c, const struct sy_ynode *root, struct sy_raw_file *rf);

#endif
