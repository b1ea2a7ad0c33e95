/* The environment side of the config: `${NAME}` / `os.environ/NAME` interpolation of file
 * values, and the SWITCHYARD_* / OPENAI_* variables. Internal to src/config. */
#ifndef SY_CONFIG_ENV_H
#define SY_CONFIG_ENV_H

#include <stddef.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/diag.h"

/* Resolve `os.environ/NAME` (as the whole value) and `${NAME}` (anywhere in it). Returns the
 * result in the arena, or NULL with a message in err (never echoing the value, which may be a
 * secret) when a variable is unset or a reference is malformed. */
char *sy_cfg_interpolate(struct sy_arena *a, const char *s, char *err, size_t n);

struct sy_env_settings {
    char *url;                  /* upstream URL, validated, no trailing '/'; NULL = unset */
    const char *url_var;        /* the variable that was set (even when invalid), or NULL */
    enum sy_provider_kind kind; /* from SWITCHYARD_UPSTREAM_API, default openai-chat */
    const char *api_key;        /* OPENAI_API_KEY; NULL when unset or empty */
    const char *data_dir;       /* SWITCHYARD_DATA_DIR; NULL when unset or empty */
    const char *redis_url;      /* SWITCHYARD_REDIS_URL (validated when used); NULL when unset */
    const char **keys;          /* SWITCHYARD_API_KEYS entries: trimmed, non-empty */
    size_t nkeys;
};

/* Read the environment into env (strings in the arena). Problems go to errs without a file. */
void sy_cfg_read_env(struct sy_arena *a, struct sy_env_settings *env, struct sy_diag_list *errs);

#endif
