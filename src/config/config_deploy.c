/* Deployments: model_list entries (params / litellm_params) and the environment's catch-all. */
#include <stdio.h>
#include <string.h>

#include "config/config_build.h"
#include "core/log.h"
#include "core/xmalloc.h"

#define SUPPORTED "(supported: openai-chat, openai-responses)"

/* LiteLLM-style model prefixes we understand; the first match wins. */
static const struct {
    const char *prefix;
    enum sy_provider_kind kind;
} model_prefixes[] = {
    { "openai/responses/", SY_PROVIDER_OPENAI_RESPONSES },
    { "openai/", SY_PROVIDER_OPENAI_CHAT },
    { "hosted_vllm/", SY_PROVIDER_OPENAI_CHAT },
    { "openai_compatible/", SY_PROVIDER_OPENAI_CHAT },
};

/* `params` or its LiteLLM alias `litellm_params`; *name says which. NULL when neither. */
static const struct sy_raw_params *pick_params(struct sy_cfg_ctx *c, const struct sy_raw_model *m, const char *path,
                                               const char **name)
{
    const struct sy_raw_params *p = NULL;
    if (m->litellm_params.self.set) {
        p = &m->litellm_params;
        *name = "litellm_params";
    }
    if (m->params.self.set) {
        if (p)
            sy_cfg_error(c, m->litellm_params.self.line, m->litellm_params.self.col,
                         "%s: give either 'params' or 'litellm_params', not both", path);
        p = &m->params;
        *name = "params";
    }
    return p;
}

/* Kind and upstream model name. With an explicit provider the model is sent verbatim;
 * otherwise a known prefix is stripped and selects the kind. */
static void resolve_model(struct sy_cfg_ctx *c, const struct sy_raw_params *p, const char *path,
                          struct sy_deployment *d)
{
    d->kind = p->provider.set ? (enum sy_provider_kind)p->provider.u : SY_PROVIDER_OPENAI_CHAT;
    if (!p->model.set)
        return;
    const char *m = p->model.s;
    if (p->provider.set) {
        d->model = sy_xstrdup(m);
        return;
    }
    for (size_t i = 0; i < sizeof model_prefixes / sizeof model_prefixes[0]; i++) {
        size_t len = strlen(model_prefixes[i].prefix);
        if (strncmp(m, model_prefixes[i].prefix, len) != 0)
            continue;
        if (m[len] == '\0')
            sy_cfg_error(c, p->model.line, p->model.col, "%s.model: expected a model name after '%s'", path,
                         model_prefixes[i].prefix);
        d->kind = model_prefixes[i].kind;
        d->model = sy_xstrdup(m + len);
        return;
    }
    const char *slash = strchr(m, '/');
    if (slash)
        sy_cfg_error(c, p->model.line, p->model.col, "%s.model: provider '%.*s' is not supported " SUPPORTED, path,
                     (int)(slash - m), m);
    d->model = sy_xstrdup(m);
}

/* api_base from the entry, else inherited (with OPENAI_API_KEY) from the environment upstream. */
static void resolve_base(struct sy_cfg_ctx *c, const struct sy_raw_model *m, const struct sy_raw_params *p,
                         const char *path, const struct sy_env_settings *env, struct sy_deployment *d)
{
    bool key_given = p && p->api_key.set;
    if (key_given && p->api_key.s[0])
        d->api_key = sy_xstrdup(p->api_key.s);
    if (p && p->api_base.set) {
        d->api_base = sy_xstrdup(p->api_base.s);
    } else if (env->url) {
        d->api_base = sy_xstrdup(env->url);
        if (!key_given)
            d->api_key = sy_xstrdup(env->api_key);
    } else if (!env->url_var && p && !p->api_base.node) {
        sy_cfg_error(c, p->self.line, p->self.col,
                     "%s: missing required key 'api_base' (or set SWITCHYARD_UPSTREAM_URL)", path);
    } else if (!env->url_var && !p && !m->params.self.node && !m->litellm_params.self.node) {
        sy_cfg_error(c, m->self.line, m->self.col,
                     "%s: missing 'params' with an 'api_base' (or set SWITCHYARD_UPSTREAM_URL)", path);
    }
}

static uint32_t pick_ms(const struct sy_cfg_val *v, uint32_t dflt)
{
    return v->set ? (uint32_t)v->u : dflt;
}

/* Timeouts: server defaults < `timeout` (s) < `stream_timeout` (s) < `timeouts` (ms); flags. */
static void apply_params(const struct sy_raw_params *p, struct sy_deployment *d)
{
    struct sy_timeouts *t = &d->timeouts;
    t->first_byte_ms = pick_ms(&p->timeout, t->first_byte_ms);
    t->idle_ms = pick_ms(&p->timeout, t->idle_ms);
    t->idle_ms = pick_ms(&p->stream_timeout, t->idle_ms);
    t->connect_ms = pick_ms(&p->timeouts.connect_ms, t->connect_ms);
    t->first_byte_ms = pick_ms(&p->timeouts.first_byte_ms, t->first_byte_ms);
    t->idle_ms = pick_ms(&p->timeouts.idle_ms, t->idle_ms);
    d->system_as_instructions = p->system_as_instructions.set && p->system_as_instructions.b;
    d->strict = p->strict.set && p->strict.b;
    d->openai_dialect = p->chat_dialect.set && p->chat_dialect.u == 1;
}

static void build_one(struct sy_cfg_ctx *c, const struct sy_raw_model *m, size_t i, const struct sy_env_settings *env,
                      const struct sy_server_cfg *srv, struct sy_deployment *d)
{
    char path[SY_CFG_PATH_MAX], ppath[SY_CFG_PATH_MAX];
    const char *pname = NULL;
    snprintf(path, sizeof path, "model_list[%zu]", i);
    const struct sy_raw_params *p = pick_params(c, m, path, &pname);
    d->model_name = sy_xstrdup(m->model_name.s);
    d->line = m->self.line;
    d->timeouts = srv->timeouts;
    d->kind = SY_PROVIDER_OPENAI_CHAT;
    if (p) {
        sy_cfg_join(ppath, sizeof ppath, path, pname);
        resolve_model(c, p, ppath, d);
        apply_params(p, d);
    }
    resolve_base(c, m, p, p ? ppath : path, env, d);
}

/* The environment upstream: serves any model name, sending it unchanged. */
static void build_env(const struct sy_env_settings *env, const struct sy_server_cfg *srv, struct sy_deployment *d)
{
    d->model_name = sy_xstrdup("*");
    d->kind = env->kind;
    d->api_base = sy_xstrdup(env->url);
    d->api_key = sy_xstrdup(env->api_key);
    d->timeouts = srv->timeouts;
}

void sy_cfg_build_deployments(struct sy_cfg_ctx *c, const struct sy_raw_file *rf, const struct sy_env_settings *env,
                              struct sy_config *cfg)
{
    size_t nfile = rf ? rf->nmodels : 0;
    cfg->deployments = sy_xcalloc(nfile + 1, sizeof *cfg->deployments);
    for (size_t i = 0; i < nfile; i++) {
        if (rf->models[i].self.set)
            build_one(c, &rf->models[i], i, env, &cfg->server, &cfg->deployments[cfg->ndeployments++]);
    }
    cfg->models_configured = nfile > 0;
    if (env->url) {
        build_env(env, &cfg->server, &cfg->deployments[cfg->ndeployments]);
        cfg->default_upstream = &cfg->deployments[cfg->ndeployments++];
    } else if (cfg->ndeployments > 0) {
        cfg->default_upstream = &cfg->deployments[0];
    }
    const struct sy_ynode *list = rf ? rf->model_list.node : NULL;
    bool bad_list = list && !sy_ynode_is_null(list) && list->type != SY_YSEQ; /* already reported */
    if (nfile == 0 && !env->url_var && !bad_list) {
        if (rf)
            sy_cfg_error(c, 0, 0, "no upstream configured: add a model_list or set SWITCHYARD_UPSTREAM_URL");
        else /* the embedded defaults still start: health probes answer, model routes say why they can't */
            sy_warn("no upstream configured: set SWITCHYARD_UPSTREAM_URL or give --config; "
                    "model requests will answer 404 until then");
    }
}
