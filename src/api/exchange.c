/* Exchange lifecycle, error envelope and access log. */
#include "api/exchange.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "json/write.h"

void (*sy_api_on_idle)(struct sy_worker *w);

static uint64_t next_rand(struct sy_worker *w)
{
    /* xorshift64*: request ids need uniqueness, not secrecy */
    uint64_t x = w->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

struct sy_exchange *sy_ex_new(struct sy_worker *w, struct sy_http_req *r)
{
    struct sy_arena *a = sy_arena_new(8192);
    struct sy_exchange *ex = sy_arena_alloc(a, sizeof *ex);
    ex->w = w;
    ex->req = r;
    ex->arena = a;
    ex->t0_us = sy_now_us();
    snprintf(ex->request_id, sizeof ex->request_id, "req_%016llx%08llx", (unsigned long long)next_rand(w),
             (unsigned long long)(next_rand(w) >> 32));
    sy_slice m = sy_slice_cstr(sy_http_method_name(r));
    ex->method = m.ptr;
    ex->path = sy_arena_dup(a, sy_http_path(r)).ptr;
    ex->upstream_ms = -1;
    ex->prompt_tokens = ex->completion_tokens = ex->total_tokens = -1;
    ex->bytes_in = sy_http_body(r).len;
    w->open++;
    return ex;
}

void sy_ex_finish(struct sy_exchange *ex)
{
    if (ex->finished)
        return;
    ex->finished = true;
    struct sy_access_entry e = {
        .request_id = ex->request_id,
        .method = ex->method,
        .path = ex->path,
        .model = ex->model,
        .key_name = ex->key ? ex->key->name : NULL,
        .status = ex->status,
        .total_us = sy_now_us() - ex->t0_us,
        .upstream_ms = ex->upstream_ms,
        .bytes_in = ex->bytes_in,
        .bytes_out = ex->bytes_out,
        .stream = ex->stream,
        .prompt_tokens = ex->prompt_tokens,
        .completion_tokens = ex->completion_tokens,
        .total_tokens = ex->total_tokens,
        .error = ex->error,
        .dropped = ex->dropped,
    };
    sy_log_access(&e);
    struct sy_worker *w = ex->w;
    sy_arena_free(ex->arena);
    w->open--;
    if (w->draining && w->open == 0 && sy_api_on_idle)
        sy_api_on_idle(w);
}

sy_status sy_error_envelope(struct sy_buf *out, sy_status st, const struct sy_diag *diag)
{
    struct sy_json_writer jw;
    sy_jw_init(&jw, out);
    const char *msg = diag && diag->message[0] ? diag->message : sy_status_msg(st);
    const char *param = diag && diag->param[0] ? diag->param : NULL;
    const char *code = diag && diag->code[0] ? diag->code : sy_status_code(st);
    sy_jw_obj_begin(&jw);
    sy_jw_key(&jw, "error");
    sy_jw_obj_begin(&jw);
    sy_jw_key(&jw, "message");
    sy_jw_cstr(&jw, msg);
    sy_jw_key(&jw, "type");
    sy_jw_cstr(&jw, sy_status_type(st));
    sy_jw_key(&jw, "param");
    sy_jw_cstr(&jw, param);
    sy_jw_key(&jw, "code");
    sy_jw_cstr(&jw, code);
    sy_jw_obj_end(&jw);
    sy_jw_obj_end(&jw);
    return sy_jw_status(&jw);
}

void sy_ex_add_request_id(struct sy_exchange *ex)
{
    sy_http_add_header(ex->req, "x-request-id", ex->request_id);
}

void sy_ex_reply_json(struct sy_exchange *ex, int status, sy_slice body)
{
    ex->status = status;
    sy_http_add_header(ex->req, "Content-Type", "application/json");
    sy_ex_add_request_id(ex);
    ex->bytes_out += body.len;
    sy_http_reply(ex->req, status, body);
    ex->req = NULL;
    sy_ex_finish(ex);
}

void sy_ex_fail(struct sy_exchange *ex, sy_status st, const struct sy_diag *diag)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED); /* a diag is bounded, so this cannot fail */
    if (sy_error_envelope(&b, st, diag) != SY_OK)
        sy_buf_reset(&b);
    if (!ex->error)
        ex->error = sy_arena_strndup(ex->arena, diag && diag->message[0] ? diag->message : sy_status_msg(st),
                                     strlen(diag && diag->message[0] ? diag->message : sy_status_msg(st)));
    sy_ex_reply_json(ex, sy_status_http(st), sy_buf_slice(&b));
    sy_buf_free(&b);
}
