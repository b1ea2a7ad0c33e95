/* Final assembly of a sy_config from file values, environment and defaults. */
#include "config/config_build.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config_values.h"
#include "core/buf.h"
#include "core/xmalloc.h"

static uint64_t pick(const struct sy_cfg_val *v, uint64_t dflt)
{
    return v->set ? v->u : dflt;
}

static void apply_timeouts(const struct sy_raw_timeouts *rt, struct sy_timeouts *t)
{
    t->connect_ms = (uint32_t)pick(&rt->connect_ms, t->connect_ms);
    t->first_byte_ms = (uint32_t)pick(&rt->first_byte_ms, t->first_byte_ms);
    t->idle_ms = (uint32_t)pick(&rt->idle_ms, t->idle_ms);
}

static unsigned default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static void build_server(const struct sy_raw_server *rs, struct sy_server_cfg *s)
{
    s->host = sy_xstrdup(rs && rs->listen.set ? rs->listen.s : "127.0.0.1");
    s->port = 8080;
    s->workers = default_workers();
    s->max_body_bytes = (size_t)16 << 20;
    s->max_event_bytes = (size_t)4 << 20;
    s->timeouts = (struct sy_timeouts){ .connect_ms = 10000, .first_byte_ms = 600000, .idle_ms = 600000 };
    s->heartbeat_ms = 15000;
    s->drain_ms = 30000;
    s->request_timeout_ms = 60000;
    if (!rs)
        return;
    s->port = (uint16_t)pick(&rs->listen, s->port);
    s->workers = (unsigned)pick(&rs->workers, s->workers);
    s->max_body_bytes = (size_t)pick(&rs->max_body_bytes, s->max_body_bytes);
    s->max_event_bytes = (size_t)pick(&rs->max_event_bytes, s->max_event_bytes);
    s->heartbeat_ms = (uint32_t)pick(&rs->heartbeat_ms, s->heartbeat_ms);
    s->drain_ms = (uint32_t)pick(&rs->drain_ms, s->drain_ms);
    s->request_timeout_ms = (uint32_t)pick(&rs->request_timeout_ms, s->request_timeout_ms);
    apply_timeouts(&rs->timeouts, &s->timeouts);
}

/* "<data_dir>/switchyard.db", without doubling a trailing '/'. */
static char *default_db_path(const char *data_dir)
{
    size_t len = strlen(data_dir);
    while (len > 1 && data_dir[len - 1] == '/')
        len--;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    if (sy_buf_append(&b, data_dir, len) != SY_OK || sy_buf_append_cstr(&b, "/switchyard.db") != SY_OK)
        return NULL; /* cannot happen: uncapped buffers only fail by aborting */
    return sy_buf_detach(&b, NULL);
}

static void build_store(struct sy_cfg_ctx *c, const struct sy_raw_store *rs, struct sy_config *cfg)
{
    struct sy_store_cfg *st = &cfg->store;
    st->kind = rs ? (enum sy_store_kind)pick(&rs->kind, SY_STORE_SQLITE) : SY_STORE_SQLITE;
    st->ttl_s = 30u * 24 * 3600;
    st->sweep_interval_s = 60;
    st->max_response_bytes = (size_t)32 << 20;
    st->max_chain = 1000;
    st->max_conversation_items = 10000;
    if (rs) {
        st->ttl_s = (uint32_t)pick(&rs->ttl_s, st->ttl_s);
        st->sweep_interval_s = (uint32_t)pick(&rs->sweep_interval_s, st->sweep_interval_s);
        st->max_response_bytes = (size_t)pick(&rs->max_response_bytes, st->max_response_bytes);
        st->max_chain = (uint32_t)pick(&rs->max_chain, st->max_chain);
        st->max_conversation_items = (uint32_t)pick(&rs->max_conversation_items, st->max_conversation_items);
    }
    if (rs && rs->path.set) {
        if (st->kind == SY_STORE_SQLITE)
            st->path = sy_xstrdup(rs->path.s);
        else
            sy_cfg_error(c, rs->path.line, rs->path.col, "store.path: only valid with kind sqlite");
    }
    if (rs && rs->url.set) {
        if (st->kind == SY_STORE_POSTGRES)
            st->url = sy_xstrdup(rs->url.s);
        else
            sy_cfg_error(c, rs->url.line, rs->url.col, "store.url: only valid with kind postgres");
    }
    if (st->kind == SY_STORE_SQLITE && !st->path)
        st->path = default_db_path(cfg->data_dir);
    if (rs && st->kind == SY_STORE_POSTGRES && !rs->url.node)
        sy_cfg_error(c, rs->self.line, rs->self.col, "store: missing required key 'url' (needed for kind postgres)");
}

/* redis.url from the file, else SWITCHYARD_REDIS_URL (checked here: it has no file position). */
static void build_redis(struct sy_cfg_ctx *c, const struct sy_raw_redis *rr, const struct sy_env_settings *env,
                        struct sy_redis_cfg *r)
{
    const char *url = rr && rr->url.set ? rr->url.s : rr && rr->self.set ? NULL : env->redis_url;
    if (!url)
        return;
    struct sy_redis_addr a;
    char err[400];
    if (!sy_cfg_parse_redis_url(url, &a, err, sizeof err)) {
        /* a file value was checked by its field table already */
        sy_diag_list_add(c->errs, NULL, 0, 0, "SWITCHYARD_REDIS_URL: %s", err);
        return;
    }
    r->url = sy_xstrdup(url);
    r->host = sy_xstrdup(a.host);
    r->port = a.port;
    r->db = a.db;
    r->username = a.has_user ? sy_xstrdup(a.user) : NULL;
    r->password = a.has_password ? sy_xstrdup(a.password) : NULL;
}

static void build_background(const struct sy_raw_background *rb, struct sy_background_cfg *b)
{
    b->lease_s = (uint32_t)pick(&rb->lease_s, 30);
    b->max_per_key = (uint32_t)pick(&rb->max_per_key, 16);
    b->max_total = (uint32_t)pick(&rb->max_total, 256);
}

static void add_key(struct sy_config *cfg, const char *key, const char *name)
{
    struct sy_gateway_key *k = &cfg->keys[cfg->nkeys++];
    k->key = sy_xstrdup(key);
    if (name) {
        k->name = sy_xstrdup(name);
    } else {
        char label[32];
        snprintf(label, sizeof label, "key-%zu", cfg->nkeys);
        k->name = sy_xstrdup(label);
    }
}

/* File keys first, then SWITCHYARD_API_KEYS; unnamed ones are "key-N" by position. */
static void build_keys(const struct sy_raw_file *rf, const struct sy_env_settings *env, struct sy_config *cfg)
{
    size_t nfile = rf ? rf->nkeys : 0;
    if (nfile + env->nkeys == 0)
        return;
    cfg->keys = sy_xcalloc(nfile + env->nkeys, sizeof *cfg->keys);
    for (size_t i = 0; i < nfile; i++) {
        const struct sy_raw_key *k = &rf->keys[i];
        if (k->key.set)
            add_key(cfg, k->key.s, k->name.set ? k->name.s : NULL);
    }
    for (size_t i = 0; i < env->nkeys; i++)
        add_key(cfg, env->keys[i], NULL);
}

void sy_cfg_build(struct sy_cfg_ctx *c, const struct sy_raw_file *rf, const struct sy_env_settings *env,
                  struct sy_config *cfg)
{
    build_server(rf ? &rf->server : NULL, &cfg->server);
    if (rf && rf->data_dir.set)
        cfg->data_dir = sy_xstrdup(rf->data_dir.s);
    else
        cfg->data_dir = sy_xstrdup(env->data_dir ? env->data_dir : "./data");
    build_store(c, rf ? &rf->store : NULL, cfg);
    build_redis(c, rf ? &rf->redis : NULL, env, &cfg->redis);
    static const struct sy_raw_background no_background;
    build_background(rf ? &rf->background : &no_background, &cfg->background);
    build_keys(rf, env, cfg);
    sy_cfg_build_deployments(c, rf, env, cfg);
}
