/* Environment variables: interpolation into file values and the SWITCHYARD_* settings. */
#include "config/config_env.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_values.h"
#include "config/yaml_tree.h"
#include "core/buf.h"

#define OS_ENVIRON "os.environ/"

static bool valid_name(const char *p, size_t len)
{
    if (len == 0 || isdigit((unsigned char)p[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)p[i]) && p[i] != '_')
            return false;
    }
    return true;
}

/* Value of the variable named by p[0..len), or NULL with err set. */
static const char *lookup(const char *p, size_t len, char *err, size_t n)
{
    if (!valid_name(p, len)) {
        snprintf(err, n, "invalid environment variable name '%.*s'", (int)len, p);
        return NULL;
    }
    char name[256];
    if (len >= sizeof name) {
        snprintf(err, n, "environment variable name is too long");
        return NULL;
    }
    memcpy(name, p, len);
    name[len] = '\0';
    const char *v = getenv(name);
    if (!v)
        snprintf(err, n, "environment variable %s is not set", name);
    return v;
}

/* Expand every `${NAME}` of s into b. */
static bool expand(struct sy_buf *b, const char *s, char *err, size_t n)
{
    for (const char *p = s; *p;) {
        const char *ref = strstr(p, "${");
        if (!ref)
            return sy_buf_append_cstr(b, p) == SY_OK;
        const char *close = strchr(ref + 2, '}');
        if (!close) {
            snprintf(err, n, "unterminated '${' (expected '${NAME}')");
            return false;
        }
        const char *v = lookup(ref + 2, (size_t)(close - ref - 2), err, n);
        if (!v)
            return false;
        if (sy_buf_append(b, p, (size_t)(ref - p)) != SY_OK || sy_buf_append_cstr(b, v) != SY_OK) {
            snprintf(err, n, "value is longer than 1 MiB after substituting environment variables");
            return false;
        }
        p = close + 1;
    }
    return true;
}

char *sy_cfg_interpolate(struct sy_arena *a, const char *s, char *err, size_t n)
{
    err[0] = '\0';
    if (strncmp(s, OS_ENVIRON, strlen(OS_ENVIRON)) == 0) {
        const char *name = s + strlen(OS_ENVIRON);
        const char *v = lookup(name, strlen(name), err, n);
        return v ? sy_arena_strndup(a, v, strlen(v)) : NULL;
    }
    if (!strstr(s, "${"))
        return sy_arena_strndup(a, s, strlen(s));
    struct sy_buf b;
    sy_buf_init(&b, SY_YAML_MAX_BYTES);
    char *out = NULL;
    if (expand(&b, s, err, n))
        out = sy_arena_strndup(a, b.data ? b.data : "", b.len);
    else if (!err[0])
        snprintf(err, n, "value is longer than 1 MiB after substituting environment variables");
    sy_buf_free(&b);
    return out;
}

/* getenv, with "" treated as unset. */
static const char *env_get(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* A copy of an environment value in the arena (a later setenv may invalidate getenv's pointer). */
static const char *env_dup(struct sy_arena *a, const char *name)
{
    const char *v = env_get(name);
    return v ? sy_arena_strndup(a, v, strlen(v)) : NULL;
}

static void read_url(struct sy_arena *a, struct sy_env_settings *env, struct sy_diag_list *errs)
{
    const char *var = "SWITCHYARD_UPSTREAM_URL";
    const char *v = env_get(var);
    if (!v) {
        var = "OPENAI_BASE_URL";
        v = env_get(var);
    }
    if (!v)
        return;
    env->url_var = var;
    char *url = sy_arena_strndup(a, v, strlen(v));
    char err[400];
    if (!sy_cfg_check_url(url, err, sizeof err)) {
        sy_diag_list_add(errs, NULL, 0, 0, "%s: %s", var, err);
        return;
    }
    env->url = url;
}

static void read_api(struct sy_env_settings *env, struct sy_diag_list *errs)
{
    const char *v = env_get("SWITCHYARD_UPSTREAM_API");
    env->kind = SY_PROVIDER_OPENAI_CHAT;
    if (!v || strcmp(v, "chat") == 0)
        return;
    if (strcmp(v, "responses") == 0)
        env->kind = SY_PROVIDER_OPENAI_RESPONSES;
    else
        sy_diag_list_add(errs, NULL, 0, 0, "SWITCHYARD_UPSTREAM_API: expected 'chat' or 'responses', got '%s'", v);
}

/* SWITCHYARD_API_KEYS: comma-separated, spaces trimmed, empty entries ignored. */
static void read_keys(struct sy_arena *a, struct sy_env_settings *env)
{
    const char *v = env_get("SWITCHYARD_API_KEYS");
    if (!v)
        return;
    size_t max = 1;
    for (const char *p = v; *p; p++)
        max += *p == ',';
    env->keys = sy_arena_alloc(a, max * sizeof *env->keys);
    for (const char *p = v;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len > 0 && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)s[len - 1]))
            len--;
        if (len > 0)
            env->keys[env->nkeys++] = sy_arena_strndup(a, s, len);
        if (!end)
            break;
        p = end + 1;
    }
}

void sy_cfg_read_env(struct sy_arena *a, struct sy_env_settings *env, struct sy_diag_list *errs)
{
    memset(env, 0, sizeof *env);
    read_url(a, env, errs);
    read_api(env, errs);
    env->api_key = env_dup(a, "OPENAI_API_KEY");
    env->data_dir = env_dup(a, "SWITCHYARD_DATA_DIR");
    env->redis_url = env_dup(a, "SWITCHYARD_REDIS_URL");
    read_keys(a, env);
}
