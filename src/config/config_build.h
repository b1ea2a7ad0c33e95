/* Combine the validated file values and the environment into the final sy_config: defaults,
 * deployments (file entries first, then the environment's "*" catch-all), gateway keys, store.
 * Internal to src/config. */
#ifndef SY_CONFIG_BUILD_H
#define SY_CONFIG_BUILD_H

#include "config/config.h"
#include "config/config_env.h"
#include "config/config_file.h"

/* Fill cfg (zeroed, owned strings). rf is NULL when no file was given. Problems go through c. */
void sy_cfg_build(struct sy_cfg_ctx *c, const struct sy_raw_file *rf, const struct sy_env_settings *env,
                  struct sy_config *cfg);

/* cfg->deployments, default_upstream and models_configured (config_deploy.c). cfg->server
 * must already be built: its timeouts are the deployments' defaults. */
void sy_cfg_build_deployments(struct sy_cfg_ctx *c, const struct sy_raw_file *rf, const struct sy_env_settings *env,
                              struct sy_config *cfg);

#endif
