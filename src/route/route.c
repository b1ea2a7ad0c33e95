/* Model → deployment selection and gateway key checks. */
#include "route/route.h"

#include <string.h>
#include <strings.h>

const struct sy_deployment *sy_route_pick(const struct sy_config *cfg, sy_slice model, unsigned *rr)
{
    size_t matches = 0;
    for (size_t i = 0; i < cfg->ndeployments; i++)
        if (sy_slice_eq_cstr(model, cfg->deployments[i].model_name))
            matches++;
    if (matches > 0) {
        size_t want = rr ? (*rr)++ % matches : 0;
        for (size_t i = 0; i < cfg->ndeployments; i++)
            if (sy_slice_eq_cstr(model, cfg->deployments[i].model_name) && want-- == 0)
                return &cfg->deployments[i];
    }
    for (size_t i = 0; i < cfg->ndeployments; i++)
        if (strcmp(cfg->deployments[i].model_name, "*") == 0)
            return &cfg->deployments[i];
    return NULL;
}

const struct sy_deployment *sy_route_responses_owner(const struct sy_config *cfg)
{
    for (size_t i = 0; i < cfg->ndeployments; i++)
        if (cfg->deployments[i].kind == SY_PROVIDER_OPENAI_RESPONSES)
            return &cfg->deployments[i];
    return cfg->default_upstream;
}

bool sy_ct_equal(sy_slice a, sy_slice b)
{
    size_t n = a.len > b.len ? a.len : b.len;
    volatile unsigned char diff = (unsigned char)(a.len != b.len);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = a.len ? (unsigned char)a.ptr[i % a.len] : 0;
        unsigned char y = b.len ? (unsigned char)b.ptr[i % b.len] : 0;
        diff |= (unsigned char)(x ^ y);
    }
    return diff == 0;
}

enum sy_auth_result sy_auth_check(const struct sy_config *cfg, const char *authorization,
                                  const struct sy_gateway_key **key)
{
    *key = NULL;
    if (cfg->nkeys == 0)
        return SY_AUTH_OK;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return SY_AUTH_MISSING;
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    sy_slice given = sy_slice_cstr(tok);
    while (given.len && (given.ptr[given.len - 1] == ' ' || given.ptr[given.len - 1] == '\t'))
        given.len--;
    if (given.len == 0)
        return SY_AUTH_MISSING;
    const struct sy_gateway_key *found = NULL;
    for (size_t i = 0; i < cfg->nkeys; i++)
        if (sy_ct_equal(given, sy_slice_cstr(cfg->keys[i].key)) && !found)
            found = &cfg->keys[i];
    *key = found;
    return found ? SY_AUTH_OK : SY_AUTH_INVALID;
}
