/* Public entry points of the config module: load, free, --listen override, names. */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

#include "config/config_build.h"
#include "config/config_values.h"
#include "config/yaml_tree.h"
#include "core/xmalloc.h"

const char *sy_provider_kind_name(enum sy_provider_kind k)
{
    switch (k) {
    case SY_PROVIDER_OPENAI_CHAT:
        return "openai-chat";
    case SY_PROVIDER_OPENAI_RESPONSES:
        return "openai-responses";
    }
    return "unknown";
}

/* Read and validate the file into rf. False when it could not be read or parsed at all. */
static bool load_file(struct sy_cfg_ctx *c, const char *path, struct sy_raw_file *rf)
{
    char *text;
    size_t len;
    if (!sy_yaml_read_file(c->a, path, &text, &len, c->errs))
        return false;
    bool ok;
    const struct sy_ynode *root = sy_yaml_parse(c->a, text, len, path, c->errs, &ok);
    if (!root && !ok)
        return false;
    sy_cfg_read_file_tree(c, root, rf);
    return true;
}

sy_status sy_config_load(const char *path, struct sy_config **out, struct sy_diag_list *errs)
{
    *out = NULL;
    unsigned before = errs->count;
    struct sy_cfg_ctx c = { .a = sy_arena_new(16384), .file = path, .errs = errs };
    struct sy_env_settings env;
    sy_cfg_read_env(c.a, &env, errs);
    struct sy_raw_file rf;
    bool have_file = path && load_file(&c, path, &rf);
    struct sy_config *cfg = sy_xcalloc(1, sizeof *cfg);
    cfg->source = sy_xstrdup(path);
    if (!path || have_file)
        sy_cfg_build(&c, have_file ? &rf : NULL, &env, cfg);
    sy_cfg_finish(&c);
    sy_arena_free(c.a);
    if (errs->count != before) {
        sy_config_free(cfg);
        return SY_EINVAL;
    }
    *out = cfg;
    return SY_OK;
}

static void free_deployment(struct sy_deployment *d)
{
    free(d->model_name);
    free(d->model);
    free(d->api_base);
    free(d->api_key);
}

void sy_config_free(struct sy_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->source);
    free(cfg->server.host);
    for (size_t i = 0; i < cfg->nkeys; i++) {
        free(cfg->keys[i].key);
        free(cfg->keys[i].name);
    }
    free(cfg->keys);
    free(cfg->store.path);
    free(cfg->store.url);
    free(cfg->redis.url);
    free(cfg->redis.host);
    free(cfg->redis.username);
    free(cfg->redis.password);
    free(cfg->data_dir);
    for (size_t i = 0; i < cfg->ndeployments; i++)
        free_deployment(&cfg->deployments[i]);
    free(cfg->deployments);
    free(cfg);
}

sy_status sy_config_set_listen(struct sy_config *cfg, const char *hostport, struct sy_diag *diag)
{
    char host[256], err[400];
    uint16_t port;
    if (!sy_cfg_parse_listen(hostport, host, sizeof host, &port, err, sizeof err))
        return sy_diag_fail(diag, SY_EINVAL, NULL, "--listen: %s", err);
    free(cfg->server.host);
    cfg->server.host = sy_xstrdup(host);
    cfg->server.port = port;
    return SY_OK;
}
