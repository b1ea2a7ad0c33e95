/* GET /v1/models from the configured model_list: unique names in config order. */
#include <string.h>

#include "api/endpoints.h"
#include "core/buf.h"
#include "json/write.h"

static bool seen_before(const struct sy_config *cfg, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(cfg->deployments[j].model_name, cfg->deployments[i].model_name) == 0)
            return true;
    return false;
}

static void write_model(struct sy_json_writer *jw, const char *id, int64_t created)
{
    sy_jw_obj_begin(jw);
    sy_jw_key(jw, "id");
    sy_jw_cstr(jw, id);
    sy_jw_key(jw, "object");
    sy_jw_cstr(jw, "model");
    sy_jw_key(jw, "created");
    sy_jw_int(jw, created);
    sy_jw_key(jw, "owned_by");
    sy_jw_cstr(jw, "switchyard");
    sy_jw_obj_end(jw);
}

void sy_api_models(struct sy_exchange *ex, sy_slice id)
{
    const struct sy_config *cfg = ex->w->cfg;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer jw;
    sy_jw_init(&jw, &b);
    bool found = false;
    if (id.len == 0) {
        sy_jw_obj_begin(&jw);
        sy_jw_key(&jw, "object");
        sy_jw_cstr(&jw, "list");
        sy_jw_key(&jw, "data");
        sy_jw_arr_begin(&jw);
    }
    for (size_t i = 0; i < cfg->ndeployments; i++) {
        const char *name = cfg->deployments[i].model_name;
        if (strcmp(name, "*") == 0 || seen_before(cfg, i))
            continue;
        if (id.len == 0) {
            write_model(&jw, name, ex->w->started_at);
        } else if (sy_slice_eq_cstr(id, name)) {
            write_model(&jw, name, ex->w->started_at);
            found = true;
            break;
        }
    }
    if (id.len == 0) {
        sy_jw_arr_end(&jw);
        sy_jw_obj_end(&jw);
        found = true;
    }
    if (found) {
        sy_ex_reply_json(ex, 200, sy_buf_slice(&b));
    } else {
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "The model '" SY_SLICE_FMT "' does not exist", SY_SLICE_ARG(id));
        sy_diag_param(&d, "model");
        sy_ex_fail(ex, SY_ENOMODEL, &d);
    }
    sy_buf_free(&b);
}
