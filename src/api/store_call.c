/* The API side of the state store (see store_call.h). */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "api/store_call.h"
#include "core/time.h"
#include "http/http.h"
#include "translate/responses_items.h"

sy_slice sy_api_owner(struct sy_exchange *ex)
{
    if (!ex->key)
        return SY_LIT("");
    if (ex->owner.len)
        return ex->owner;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(ex->key->key, strlen(ex->key->key), md, &len, EVP_sha256(), NULL) || len < 16)
        return sy_arena_dup(ex->arena, sy_slice_cstr(ex->key->name)); /* cannot happen */
    char *out = sy_arena_alloc(ex->arena, 4 + 32 + 1);
    memcpy(out, "key_", 4);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 4 + 2 * i, 3, "%02x", md[i]);
    ex->owner = sy_slice_from(out, 36);
    return ex->owner;
}

sy_slice sy_api_new_id(struct sy_arena *a, const char *prefix)
{
    unsigned char r[24];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(sy_now_us() >> (i % 8)) ^ (unsigned char)(i * 131);
    size_t p = strlen(prefix);
    char *id = sy_arena_alloc(a, p + 2 * sizeof r + 1);
    memcpy(id, prefix, p);
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(id + p + 2 * i, 3, "%02x", r[i]);
    return sy_slice_from(id, p + 2 * sizeof r);
}

sy_slice sy_api_id_fn(void *arena, const char *prefix) { return sy_api_new_id(arena, prefix); }

const struct sy_store_item *sy_api_store_items(struct sy_arena *a, const struct sy_responses_item *in, size_t n)
{
    struct sy_store_item *out = sy_arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = (struct sy_store_item){ .id = in[i].id, .json = in[i].json };
    return out;
}

struct store_call {
    struct sy_exchange  *ex;
    struct sy_store_job *job;
    sy_api_store_fn      fn;
    void                *ctx;
};

static void on_close(struct sy_http_req *r, void *arg)
{
    struct store_call *c = arg;
    (void)r;
    sy_store_detach(c->job);
    c->ex->req = NULL;
    c->ex->status = 499;
    c->ex->error = "client disconnected";
    sy_ex_finish(c->ex);
}

static void on_done(const struct sy_store_result *r, void *arg)
{
    struct store_call *c = arg;
    sy_http_on_close(c->ex->req, NULL, NULL);
    c->fn(c->ex, r, c->ctx);
}

void sy_api_store_call(struct sy_exchange *ex, const struct sy_store_req *req, sy_api_store_fn fn, void *ctx)
{
    struct store_call *c = sy_arena_alloc(ex->arena, sizeof *c);
    *c = (struct store_call){ .ex = ex, .fn = fn, .ctx = ctx };
    c->job = sy_store_submit(ex->w->store, ex->w->base, req, on_done, c);
    if (!c->job) {
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "The gateway's store is busy; retry shortly.");
        sy_ex_fail(ex, SY_EUNAVAILABLE, &d);
        return;
    }
    sy_http_on_close(ex->req, on_close, c);
}

void sy_api_store_fail(struct sy_exchange *ex, const struct sy_store_result *r, const char *what, sy_slice id,
                       const char *param)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    if (r->status == SY_ENOTFOUND) {
        sy_diag_setf(&d, "No %s found with id '" SY_SLICE_FMT "'.", what, SY_SLICE_ARG(id));
        if (param)
            sy_diag_param(&d, param);
        sy_ex_fail(ex, SY_ENOTFOUND, &d);
        return;
    }
    sy_diag_setf(&d, "%s", r->message[0] ? r->message : "the gateway's store failed");
    sy_diag_code(&d, r->status == SY_ETOOBIG ? "store_limit_exceeded" : "store_error");
    ex->error = "store";
    sy_ex_fail(ex, r->status == SY_ETOOBIG ? SY_EINVAL : SY_EINTERNAL, &d);
}
