/* Unit tests for the Responses codec (src/translate/responses_*.c).
 * Decoder: goldens in tests/fixtures/responses/decode/ — *.json cases {"request", "expect"}
 * where "expect" is the IR dumped by ir_dump() below, plus errors.json (request → exact 400
 * param/code/message). Encoder: tests/fixtures/responses/encode/<case>.case.json gives a
 * request, encoder options and an IR event sequence; <case>.sse holds the exact SSE bytes
 * expected (spec_text / spec_function_call are the example streams of responses-api.md
 * §9.5/§9.6, copied verbatim). Every case also runs without SSE output and must produce the
 * identical final object, which must equal the terminal event's `response`. Recorded chat
 * upstream answers (tests/fixtures/chat) also run through the chat decoder into the encoder. All produced
 * streams and objects are then checked by tests/tools/validate_responses.py (schema + state
 * machine) when /usr/bin/python3 is available. SY_UPDATE_GOLDENS=1 rewrites the .sse files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "json/json.h"
#include "json/write.h"
#include "sse/sse.h"
#include "translate/chat.h"
#include "translate/dropped.h"
#include "translate/responses.h"

#define DATA SY_TEST_DATA "/responses"

/* ------------------------------------------------------------------ files */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(sy_buf_append(&b, chunk, n), SY_OK);
    fclose(f);
    if (!b.data)
        assert_int_equal(sy_buf_append_cstr(&b, ""), SY_OK);
    return sy_buf_detach(&b, len);
}

static void write_file(const char *path, sy_slice s)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s.ptr, 1, s.len, f), s.len);
    fclose(f);
}

static struct sy_json *parse_text(const char *text, size_t len)
{
    struct sy_json *j = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_json_parse(sy_slice_from(text, len), &j, &d) != SY_OK)
        fail_msg("bad JSON: %s", d.message);
    return j;
}

static struct sy_json *parse_file(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text)
        fail_msg("cannot read %s", path);
    struct sy_json *j = parse_text(text, len);
    free(text);
    return j;
}

static char *node_str(const struct sy_json *j)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_node(&w, j);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    return sy_buf_detach(&b, NULL);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names in dir ending with suffix; NULL-terminated; caller frees each and the array. */
static char **list_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0, cap = 16, sl = strlen(suffix);
    char **names = calloc(cap, sizeof *names);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
            continue;
        if (n + 1 >= cap)
            names = realloc(names, (cap *= 2) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    names[n] = NULL;
    qsort(names, n, sizeof *names, cmp_str);
    return names;
}

static void free_list(char **names)
{
    for (size_t i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

/* ------------------------------------------------------------------ IR dump (decoder goldens) */

static void dstr(struct sy_json_writer *w, const char *key, sy_slice s)
{
    if (!s.ptr)
        return;
    sy_jw_key(w, key);
    sy_jw_str(w, s);
}

static void dint(struct sy_json_writer *w, const char *key, int64_t v, int64_t unset)
{
    if (v == unset)
        return;
    sy_jw_key(w, key);
    sy_jw_int(w, v);
}

static void dump_part(struct sy_json_writer *w, const struct sy_ir_part *p)
{
    static const char *const kinds[] = { "text", "image", "file", "refusal" };
    sy_jw_obj_begin(w);
    sy_jw_key(w, "kind");
    sy_jw_cstr(w, kinds[p->kind]);
    dstr(w, "text", p->text);
    dstr(w, "annotations", p->annotations);
    dstr(w, "logprobs", p->logprobs);
    dstr(w, "image_url", p->image_url);
    dstr(w, "detail", p->detail);
    dstr(w, "file_id", p->file_id);
    dstr(w, "file_data", p->file_data);
    dstr(w, "filename", p->filename);
    dstr(w, "file_url", p->file_url);
    sy_jw_obj_end(w);
}

static void dump_parts(struct sy_json_writer *w, const struct sy_ir_part *parts, size_t n)
{
    sy_jw_key(w, "parts");
    sy_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        dump_part(w, &parts[i]);
    sy_jw_arr_end(w);
}

static void dump_item(struct sy_json_writer *w, const struct sy_ir_item *it)
{
    static const char *const kinds[] = { "message", "function_call", "function_call_output", "reasoning" };
    static const char *const roles[] = { "user", "assistant", "system", "developer" };
    static const char *const st[] = { "", "in_progress", "completed", "incomplete" };
    sy_jw_obj_begin(w);
    sy_jw_key(w, "kind");
    sy_jw_cstr(w, kinds[it->kind]);
    dstr(w, "id", it->id);
    if (it->status != SY_ST_NONE) {
        sy_jw_key(w, "status");
        sy_jw_cstr(w, st[it->status]);
    }
    if (it->kind == SY_ITEM_MESSAGE) {
        sy_jw_key(w, "role");
        sy_jw_cstr(w, roles[it->role]);
        if (it->content_is_string)
            dstr(w, "content", it->content_string);
    }
    dstr(w, "call_id", it->call_id);
    dstr(w, "name", it->name);
    dstr(w, "arguments", it->arguments);
    dstr(w, "output", it->output);
    dstr(w, "summary_text", it->summary_text);
    dstr(w, "reasoning_text", it->reasoning_text);
    dstr(w, "encrypted_content", it->encrypted_content);
    if (it->parts)
        dump_parts(w, it->parts, it->nparts);
    sy_jw_obj_end(w);
}

static void dump_tools(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    static const char *const tc[] = { "", "auto", "none", "required", "function", "allowed" };
    if (r->tools) {
        sy_jw_key(w, "tools");
        sy_jw_arr_begin(w);
        for (size_t i = 0; i < r->ntools; i++) {
            sy_jw_obj_begin(w);
            dstr(w, "name", r->tools[i].name);
            dstr(w, "description", r->tools[i].description);
            dstr(w, "parameters", r->tools[i].parameters);
            dint(w, "strict", r->tools[i].strict, -1);
            sy_jw_obj_end(w);
        }
        sy_jw_arr_end(w);
    }
    if (r->tool_choice != SY_TC_UNSET) {
        sy_jw_key(w, "tool_choice");
        sy_jw_cstr(w, tc[r->tool_choice]);
    }
    dstr(w, "tool_choice_name", r->tool_choice_name);
    if (r->tool_choice == SY_TC_ALLOWED) {
        sy_jw_key(w, "allowed_mode");
        sy_jw_cstr(w, tc[r->allowed_mode]);
        sy_jw_key(w, "allowed_names");
        sy_jw_arr_begin(w);
        for (size_t i = 0; i < r->nallowed; i++)
            sy_jw_str(w, r->allowed_names[i]);
        sy_jw_arr_end(w);
    }
    dint(w, "parallel_tool_calls", r->parallel_tool_calls, -1);
}

static void dump_sampling(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    static const char *const fmts[] = { "", "text", "json_object", "json_schema" };
    if (r->format != SY_FMT_UNSET) {
        sy_jw_key(w, "format");
        sy_jw_cstr(w, fmts[r->format]);
    }
    dstr(w, "format_name", r->format_name);
    dstr(w, "format_description", r->format_description);
    dstr(w, "format_schema", r->format_schema);
    dint(w, "format_strict", r->format_strict, -1);
    dstr(w, "verbosity", r->verbosity);
    dstr(w, "reasoning_effort", r->reasoning_effort);
    dstr(w, "reasoning_summary", r->reasoning_summary);
    dint(w, "max_output_tokens", r->max_output_tokens, -1);
    if (r->has_temperature)
        dstr(w, "temperature", r->temperature);
    if (r->has_top_p)
        dstr(w, "top_p", r->top_p);
    if (r->has_presence_penalty)
        dstr(w, "presence_penalty", r->presence_penalty);
    if (r->has_frequency_penalty)
        dstr(w, "frequency_penalty", r->frequency_penalty);
    dint(w, "top_logprobs", r->top_logprobs, -1);
    if (r->want_logprobs) {
        sy_jw_key(w, "want_logprobs");
        sy_jw_bool(w, true);
    }
}

static char *ir_dump(const struct sy_ir_request *r, const struct sy_dropped *dropped)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_obj_begin(&w);
    dstr(&w, "model", r->model);
    if (r->stream) {
        sy_jw_key(&w, "stream");
        sy_jw_bool(&w, true);
    }
    dstr(&w, "instructions", r->instructions);
    sy_jw_key(&w, "items");
    sy_jw_arr_begin(&w);
    for (size_t i = 0; i < r->nitems; i++)
        dump_item(&w, &r->items[i]);
    sy_jw_arr_end(&w);
    dump_tools(&w, r);
    dump_sampling(&w, r);
    dstr(&w, "metadata", r->metadata);
    dstr(&w, "user", r->user);
    dstr(&w, "safety_identifier", r->safety_identifier);
    dstr(&w, "prompt_cache_key", r->prompt_cache_key);
    dstr(&w, "service_tier", r->service_tier);
    dint(&w, "store", r->store, -1);
    if (r->background) {
        sy_jw_key(&w, "background");
        sy_jw_bool(&w, true);
    }
    dstr(&w, "previous_response_id", r->previous_response_id);
    dstr(&w, "conversation", r->conversation);
    dstr(&w, "truncation", r->truncation);
    dint(&w, "max_tool_calls", r->max_tool_calls, -1);
    dstr(&w, "include", r->include);
    if (dropped->count)
        dstr(&w, "dropped", sy_buf_slice(&dropped->names));
    sy_jw_obj_end(&w);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    return sy_buf_detach(&b, NULL);
}

/* ------------------------------------------------------------------ decoder */

static sy_status decode(struct sy_arena *a, const char *body, struct sy_ir_request *req, struct sy_dropped *dr,
                        struct sy_diag *d, struct sy_json **tree)
{
    *tree = parse_text(body, strlen(body));
    sy_diag_clear(d);
    return sy_responses_decode_request(a, *tree, req, dr, d);
}

static void test_decode_goldens(void **state)
{
    (void)state;
    char **names = list_dir(DATA "/decode", ".json");
    int cases = 0;
    for (size_t i = 0; names[i]; i++) {
        if (strcmp(names[i], "errors.json") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/decode/%s", DATA, names[i]);
        struct sy_json *c = parse_file(path);
        struct sy_arena *a = sy_arena_new(4096);
        struct sy_ir_request req;
        struct sy_dropped dr;
        struct sy_diag d;
        sy_dropped_init(&dr);
        sy_diag_clear(&d);
        sy_status st = sy_responses_decode_request(a, sy_json_get(c, "request"), &req, &dr, &d);
        if (st != SY_OK)
            fail_msg("%s: decode failed: %s (param %s)", names[i], d.message, d.param);
        char *got = ir_dump(&req, &dr), *want = node_str(sy_json_get(c, "expect"));
        if (getenv("SY_UPDATE_GOLDENS"))
            printf("GOLDEN %s %s\n", names[i], got);
        else if (strcmp(got, want) != 0)
            fail_msg("%s: IR differs\n got: %s\nwant: %s", names[i], got, want);
        free(got);
        free(want);
        sy_dropped_free(&dr);
        sy_arena_free(a);
        sy_json_free(c);
        cases++;
    }
    free_list(names);
    assert_true(cases >= 3);
}

static void test_decode_errors(void **state)
{
    (void)state;
    struct sy_json *all = parse_file(DATA "/decode/errors.json");
    assert_true(sy_json_len(all) >= 40);
    for (size_t i = 0; i < sy_json_len(all); i++) {
        const struct sy_json *c = sy_json_at(all, i);
        sy_slice name = SY_LIT("?"), param = SY_LIT(""), code = SY_LIT(""), msg = SY_LIT("");
        sy_json_as_str(sy_json_get(c, "name"), &name);
        sy_json_as_str(sy_json_get(c, "param"), &param);
        sy_json_as_str(sy_json_get(c, "code"), &code);
        sy_json_as_str(sy_json_get(c, "message"), &msg);
        struct sy_arena *a = sy_arena_new(4096);
        struct sy_ir_request req;
        struct sy_dropped dr;
        struct sy_diag d;
        sy_dropped_init(&dr);
        sy_diag_clear(&d);
        sy_status st = sy_responses_decode_request(a, sy_json_get(c, "request"), &req, &dr, &d);
        if (st != SY_EINVAL)
            fail_msg("case %.*s: expected SY_EINVAL, got %s", SY_SLICE_ARG(name), sy_status_name(st));
        if (!sy_slice_eq_cstr(param, d.param) || !sy_slice_eq_cstr(code, d.code) || !sy_slice_eq_cstr(msg, d.message))
            fail_msg("case %.*s:\n got param=%s code=%s message=%s\nwant param=%.*s code=%.*s message=%.*s",
                     SY_SLICE_ARG(name), d.param, d.code, d.message, SY_SLICE_ARG(param), SY_SLICE_ARG(code),
                     SY_SLICE_ARG(msg));
        sy_dropped_free(&dr);
        sy_arena_free(a);
    }
    sy_json_free(all);
}

/* Input string, null members and number text kept as sent. */
static void test_decode_basics(void **state)
{
    (void)state;
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_ir_request req;
    struct sy_dropped dr;
    struct sy_diag d;
    struct sy_json *tree;
    sy_dropped_init(&dr);
    assert_int_equal(decode(a,
                            "{\"model\":\"m\",\"input\":\"hi\",\"temperature\":0.70,\"top_p\":1e-1,"
                            "\"tools\":null,\"metadata\":null,\"max_output_tokens\":null,\"stream\":true}",
                            &req, &dr, &d, &tree),
                     SY_OK);
    assert_true(sy_slice_eq_cstr(req.model, "m"));
    assert_int_equal(req.nitems, 1);
    assert_int_equal(req.items[0].kind, SY_ITEM_MESSAGE);
    assert_int_equal(req.items[0].role, SY_ROLE_USER);
    assert_true(req.items[0].content_is_string);
    assert_true(sy_slice_eq_cstr(req.items[0].content_string, "hi"));
    assert_true(req.has_temperature && sy_slice_eq_cstr(req.temperature, "0.70"));
    assert_true(req.has_top_p && sy_slice_eq_cstr(req.top_p, "1e-1"));
    assert_int_equal(req.max_output_tokens, -1);
    assert_int_equal(req.store, -1);
    assert_true(req.stream);
    assert_int_equal(req.input_start, 0);
    assert_int_equal(dr.count, 0);
    sy_json_free(tree);
    sy_dropped_free(&dr);
    sy_arena_free(a);
}

static sy_status check_ids(const char *body, struct sy_diag *d)
{
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_ir_request req;
    struct sy_dropped dr;
    struct sy_json *tree;
    sy_dropped_init(&dr);
    assert_int_equal(decode(a, body, &req, &dr, d, &tree), SY_OK);
    sy_status st = sy_responses_check_call_ids(&req, d);
    sy_json_free(tree);
    sy_dropped_free(&dr);
    sy_arena_free(a);
    return st;
}

static void test_check_call_ids(void **state)
{
    (void)state;
    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(check_ids("{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\","
                               "\"arguments\":\"{}\"},{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"ok\"}]}",
                               &d),
                     SY_OK);
    /* output before its call, and an unknown call id */
    assert_int_equal(check_ids("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":"
                               "\"x\"},{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"}]}",
                               &d),
                     SY_EINVAL);
    assert_string_equal(d.param, "input[0].call_id");
    assert_string_equal(d.message, "No tool call found for function call output with call_id c1.");
    sy_diag_clear(&d);
    assert_int_equal(check_ids("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"x\"},{\"type\":\"function_call\","
                               "\"call_id\":\"a\",\"name\":\"f\",\"arguments\":\"{}\"},{\"type\":\"function_call_output\","
                               "\"call_id\":\"b\",\"output\":\"x\"}]}",
                               &d),
                     SY_EINVAL);
    assert_string_equal(d.param, "input[2].call_id");
    assert_string_equal(d.message, "No tool call found for function call output with call_id b.");

    /* calls from a previous response (prepended by the endpoint) satisfy outputs; indexes are
     * reported relative to this request's own input */
    struct sy_ir_item items[4] = {
        { .kind = SY_ITEM_MESSAGE, .content_is_string = true, .content_string = SY_LIT("q") },
        { .kind = SY_ITEM_FUNCTION_CALL, .call_id = SY_LIT("prev"), .name = SY_LIT("f"), .arguments = SY_LIT("{}") },
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("prev"), .output = SY_LIT("1") },
        { .kind = SY_ITEM_FUNCTION_CALL_OUTPUT, .call_id = SY_LIT("nope"), .output = SY_LIT("2") },
    };
    struct sy_ir_request req = { .items = items, .nitems = 3, .input_start = 2 };
    sy_diag_clear(&d);
    assert_int_equal(sy_responses_check_call_ids(&req, &d), SY_OK);
    req.nitems = 4;
    assert_int_equal(sy_responses_check_call_ids(&req, &d), SY_EINVAL);
    assert_string_equal(d.param, "input[1].call_id");
}

/* ------------------------------------------------------------------ encoder harness */

struct idgen {
    int msg, fc, rs, call, other;
};

static sy_slice test_id(void *ctx, const char *prefix)
{
    static char buf[32];
    struct idgen *g = ctx;
    int *n = strcmp(prefix, "msg_") == 0    ? &g->msg
             : strcmp(prefix, "fc_") == 0   ? &g->fc
             : strcmp(prefix, "rs_") == 0   ? &g->rs
             : strcmp(prefix, "call_") == 0 ? &g->call
                                            : &g->other;
    snprintf(buf, sizeof buf, "%s%02d", prefix, ++*n);
    return sy_slice_cstr(buf);
}

static sy_slice jstr(const struct sy_json *j)
{
    sy_slice s = SY_SLICE_NULL;
    sy_json_as_str(j, &s);
    return s;
}

static int64_t jint(const struct sy_json *j, const char *key)
{
    int64_t v = 0;
    sy_json_as_int(sy_json_get(j, key), &v);
    return v;
}

static enum sy_ir_finish finish_of(sy_slice s)
{
    return sy_slice_eq_cstr(s, "stop")             ? SY_FINISH_STOP
           : sy_slice_eq_cstr(s, "length")         ? SY_FINISH_LENGTH
           : sy_slice_eq_cstr(s, "tool_calls")     ? SY_FINISH_TOOL_CALLS
           : sy_slice_eq_cstr(s, "content_filter") ? SY_FINISH_CONTENT_FILTER
                                                   : SY_FINISH_NONE;
}

/* One fixture event ["kind", ...] → IR event (slices into the fixture tree or arena). */
static struct sy_ir_event make_event(struct sy_arena *a, const struct sy_json *e, struct sy_ir_usage *u)
{
    struct sy_ir_event ev = { 0 };
    sy_slice k = jstr(sy_json_at(e, 0));
    if (sy_slice_eq_cstr(k, "start")) {
        ev.kind = SY_IR_START;
    } else if (sy_slice_eq_cstr(k, "text") || sy_slice_eq_cstr(k, "refusal") || sy_slice_eq_cstr(k, "reasoning")) {
        ev.kind = k.ptr[0] == 't' ? SY_IR_TEXT_DELTA : k.ptr[2] == 'f' ? SY_IR_REFUSAL_DELTA : SY_IR_REASONING_DELTA;
        ev.text = jstr(sy_json_at(e, 1));
        if (sy_json_at(e, 2)) {
            char *lp = node_str(sy_json_at(e, 2));
            ev.logprobs = sy_arena_dup(a, sy_slice_cstr(lp));
            free(lp);
        }
    } else if (sy_slice_eq_cstr(k, "tool")) {
        int64_t key = 0;
        ev.kind = SY_IR_TOOL_DELTA;
        sy_json_as_int(sy_json_at(e, 1), &key);
        ev.key = (uint32_t)key;
        ev.id = jstr(sy_json_at(e, 2));
        ev.name = jstr(sy_json_at(e, 3));
        ev.text = jstr(sy_json_at(e, 4));
    } else if (sy_slice_eq_cstr(k, "usage")) {
        const struct sy_json *o = sy_json_at(e, 1);
        *u = (struct sy_ir_usage){ .present = true, .input_tokens = jint(o, "input"), .output_tokens = jint(o, "output"),
                                   .total_tokens = jint(o, "total"), .cached_tokens = jint(o, "cached"),
                                   .cache_write_tokens = jint(o, "cache_write"), .reasoning_tokens = jint(o, "reasoning") };
        ev.kind = SY_IR_USAGE;
        ev.usage = u;
    } else if (sy_slice_eq_cstr(k, "finish")) {
        ev.kind = SY_IR_FINISH;
        ev.finish = finish_of(jstr(sy_json_at(e, 1)));
    } else if (sy_slice_eq_cstr(k, "end")) {
        ev.kind = SY_IR_END;
    } else if (sy_slice_eq_cstr(k, "error")) {
        ev.kind = SY_IR_ERROR;
        ev.status = sy_slice_eq_cstr(jstr(sy_json_at(e, 1)), "ERATELIMIT") ? SY_ERATELIMIT : SY_EUPSTREAM;
        ev.code = "upstream_error";
        ev.message = jstr(sy_json_at(e, 2)).ptr;
    } else {
        fail_msg("unknown fixture event %.*s", SY_SLICE_ARG(k));
    }
    return ev;
}

struct run {
    char *sse;    /* malloc'd, NULL when run without SSE */
    char *final;  /* malloc'd */
    char  status[16];
};

static struct run run_case(const struct sy_json *c, bool stream)
{
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_ir_request req;
    struct sy_dropped dr;
    struct sy_diag d;
    sy_dropped_init(&dr);
    sy_diag_clear(&d);
    if (sy_responses_decode_request(a, sy_json_get(c, "request"), &req, &dr, &d) != SY_OK)
        fail_msg("case request does not decode: %s", d.message);
    const struct sy_json *o = sy_json_get(c, "opts");
    struct idgen g = { 0 };
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    bool or_names = false;
    sy_json_as_bool(sy_json_get(o, "reasoning_or"), &or_names);
    struct sy_responses_encode_opts opts = {
        .response_id = sy_json_get(o, "response_id") ? jstr(sy_json_get(o, "response_id")) : SY_LIT("resp_01"),
        .created_at = sy_json_get(o, "created_at") ? jint(o, "created_at") : 1760000000,
        .completed_at = sy_json_get(o, "completed_at") ? jint(o, "completed_at") : 1760000001,
        .model = sy_json_get(o, "model") ? jstr(sy_json_get(o, "model")) : SY_LIT("gpt-4.1-mini"),
        .sse_out = stream ? &out : NULL,
        .reasoning_event_names_or = or_names,
        .id_fn = test_id,
        .id_ctx = &g,
    };
    struct sy_responses_encoder *e = sy_responses_encoder_new(a, &req, &opts);
    struct sy_ir_sink *sink = sy_responses_encoder_sink(e);
    const struct sy_json *evs = sy_json_get(c, "events");
    for (size_t i = 0; i < sy_json_len(evs); i++) {
        struct sy_ir_usage u;
        struct sy_ir_event ev = make_event(a, sy_json_at(evs, i), &u);
        assert_int_equal(sink->event(sink, &ev), SY_OK);
    }
    struct run r = { .sse = stream ? sy_buf_detach(&out, NULL) : NULL };
    sy_slice fin = sy_responses_encoder_final(e);
    r.final = strndup(fin.ptr ? fin.ptr : "", fin.len);
    snprintf(r.status, sizeof r.status, "%s", sy_responses_encoder_status(e));
    sy_buf_free(&out);
    sy_dropped_free(&dr);
    sy_arena_free(a);
    return r;
}

/* Where produced streams/objects are collected for the Python checker. */
static char py_dir[64];
static int py_files;

static void py_save(const char *name, const char *ext, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s%s", py_dir, name, ext);
    write_file(path, sy_slice_cstr(text));
    py_files++;
}

static void check_case(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/encode/%s.case.json", DATA, name);
    struct sy_json *c = parse_file(path);
    struct run s = run_case(c, true), n = run_case(c, false);
    /* the non-streaming run gives the same object */
    if (strcmp(s.final, n.final) != 0)
        fail_msg("%s: final differs without SSE\n  sse: %s\nnone: %s", name, s.final, n.final);
    assert_string_equal(s.status, n.status);
    /* the terminal event carries exactly the final object, then [DONE] */
    char *tail = malloc(strlen(s.final) + 64);
    sprintf(tail, "\"response\":%s}\n\ndata: [DONE]\n\n", s.final);
    size_t sl = strlen(s.sse), tl = strlen(tail);
    if (sl < tl || strcmp(s.sse + sl - tl, tail) != 0)
        fail_msg("%s: stream does not end with the final object and [DONE]", name);
    free(tail);
    snprintf(path, sizeof path, "%s/encode/%s.sse", DATA, name);
    if (getenv("SY_UPDATE_GOLDENS")) {
        write_file(path, sy_slice_cstr(s.sse));
    } else {
        char *want = read_file(path, NULL);
        if (!want)
            fail_msg("%s: missing golden %s (run with SY_UPDATE_GOLDENS=1)", name, path);
        if (strcmp(want, s.sse) != 0) {
            size_t i = 0;
            while (want[i] && want[i] == s.sse[i])
                i++;
            fail_msg("%s: SSE differs from %s at byte %zu\n got: %.200s\nwant: %.200s", name, path, i, s.sse + i,
                     want + i);
        }
        free(want);
    }
    if (py_dir[0]) {
        py_save(name, ".sse", s.sse);
        py_save(name, ".json", s.final);
    }
    free(s.sse);
    free(s.final);
    free(n.final);
    sy_json_free(c);
}

static void test_encode_goldens(void **state)
{
    (void)state;
    char **names = list_dir(DATA "/encode", ".case.json");
    int cases = 0;
    for (size_t i = 0; names[i]; i++) {
        names[i][strlen(names[i]) - strlen(".case.json")] = '\0';
        check_case(names[i]);
        cases++;
    }
    free_list(names);
    assert_true(cases >= 20);
}

/* ------------------------------------------------------------------ encoder: direct tests */

struct enc {
    struct sy_arena             *a;
    struct sy_ir_request         req;
    struct sy_json              *tree;
    struct sy_dropped            dr;
    struct sy_buf                out;
    struct sy_responses_encoder *e;
    struct sy_ir_sink           *sink;
};

static void enc_open(struct enc *x, const char *body, uint64_t seed, size_t sse_cap)
{
    struct sy_diag d;
    x->a = sy_arena_new(4096);
    sy_dropped_init(&x->dr);
    assert_int_equal(decode(x->a, body, &x->req, &x->dr, &d, &x->tree), SY_OK);
    sy_buf_init(&x->out, sse_cap);
    struct sy_responses_encode_opts o = { .response_id = SY_LIT("resp_x"), .created_at = 1, .model = SY_LIT("m"),
                                          .sse_out = &x->out, .id_seed = seed };
    x->e = sy_responses_encoder_new(x->a, &x->req, &o);
    x->sink = sy_responses_encoder_sink(x->e);
}

static void enc_close(struct enc *x)
{
    sy_buf_free(&x->out);
    sy_dropped_free(&x->dr);
    sy_json_free(x->tree);
    sy_arena_free(x->a);
}

static sy_status put(struct enc *x, enum sy_ir_ev kind, uint32_t key, const char *id, const char *name, const char *text)
{
    struct sy_ir_event ev = { .kind = kind, .key = key, .id = sy_slice_cstr(id), .name = sy_slice_cstr(name),
                              .text = sy_slice_cstr(text) };
    return x->sink->event(x->sink, &ev);
}

static void assert_id(const struct sy_json *s, const char *prefix)
{
    sy_slice id = jstr(s);
    size_t p = strlen(prefix);
    assert_true(sy_slice_starts_with(id, prefix));
    assert_int_equal(id.len, p + 24);
    for (size_t i = p; i < id.len; i++) {
        char ch = id.ptr[i];
        assert_true((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'));
    }
}

/* Returns the final object (malloc'd) of text + tool call without call id. */
static char *random_run(uint64_t seed)
{
    struct enc x;
    enc_open(&x, "{\"model\":\"m\",\"input\":\"q\"}", seed, SY_BUF_UNCAPPED);
    assert_int_equal(put(&x, SY_IR_TEXT_DELTA, 0, NULL, NULL, "a"), SY_OK);
    assert_int_equal(put(&x, SY_IR_TOOL_DELTA, 0, NULL, "f", "{}"), SY_OK);
    assert_int_equal(put(&x, SY_IR_END, 0, NULL, NULL, NULL), SY_OK);
    sy_slice f = sy_responses_encoder_final(x.e);
    struct sy_json *j = parse_text(f.ptr, f.len);
    const struct sy_json *out = sy_json_get(j, "output");
    assert_int_equal(sy_json_len(out), 2);
    assert_id(sy_json_get(sy_json_at(out, 0), "id"), "msg_");
    assert_id(sy_json_get(sy_json_at(out, 1), "id"), "fc_");
    assert_id(sy_json_get(sy_json_at(out, 1), "call_id"), "call_");
    sy_json_free(j);
    char *s = strndup(f.ptr, f.len);
    enc_close(&x);
    return s;
}

static void test_random_ids(void **state)
{
    (void)state;
    char *a = random_run(0), *b = random_run(0), *c = random_run(42), *d = random_run(42), *e = random_run(43);
    assert_string_not_equal(a, b); /* getrandom-seeded */
    assert_string_equal(c, d);     /* fixed seed: deterministic */
    assert_string_not_equal(c, e);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
}

static void test_cancel_and_snapshot(void **state)
{
    (void)state;
    struct enc x;
    enc_open(&x, "{\"model\":\"m\",\"input\":\"q\",\"background\":true}", 7, SY_BUF_UNCAPPED);
    sy_slice snap = sy_responses_encoder_snapshot(x.e);
    assert_non_null(strstr(snap.ptr, "\"status\":\"queued\",\"background\":true,"));
    assert_string_equal(sy_responses_encoder_status(x.e), "queued");
    assert_int_equal(put(&x, SY_IR_START, 0, NULL, NULL, NULL), SY_OK);
    assert_non_null(strstr(x.out.data, "event: response.created\n"));
    assert_non_null(strstr(x.out.data, "event: response.queued\ndata: {\"type\":\"response.queued\",\"sequence_number\":1,"));
    assert_non_null(strstr(x.out.data, "event: response.in_progress\ndata: {\"type\":\"response.in_progress\","
                                       "\"sequence_number\":2,"));
    assert_int_equal(put(&x, SY_IR_REASONING_DELTA, 0, NULL, NULL, "think"), SY_OK);
    assert_int_equal(put(&x, SY_IR_TEXT_DELTA, 0, NULL, NULL, "partial"), SY_OK);
    /* polling snapshot: the closed reasoning item, not the open message */
    snap = sy_responses_encoder_snapshot(x.e);
    assert_non_null(strstr(snap.ptr, "\"status\":\"in_progress\""));
    assert_non_null(strstr(snap.ptr, "\"output\":[{\"id\":\"rs_"));
    assert_null(strstr(snap.ptr, "msg_"));
    assert_int_equal(sy_responses_encoder_cancel(x.e), SY_OK);
    assert_string_equal(sy_responses_encoder_status(x.e), "cancelled");
    sy_slice f = sy_responses_encoder_final(x.e);
    assert_non_null(strstr(f.ptr, "\"status\":\"cancelled\""));
    assert_non_null(strstr(f.ptr, "\"completed_at\":null"));
    assert_non_null(strstr(f.ptr, "\"type\":\"message\",\"status\":\"incomplete\""));
    assert_non_null(strstr(f.ptr, "\"text\":\"partial\""));
    assert_int_equal(sy_slice_eq(sy_responses_encoder_snapshot(x.e), f), true);
    /* the stream ends with the message's done event and [DONE]; no lifecycle event for cancel */
    const char *end = "\"status\":\"incomplete\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
                      "\"text\":\"partial\",\"annotations\":[],\"logprobs\":[]}]}}\n\ndata: [DONE]\n\n";
    assert_true(x.out.len > strlen(end));
    assert_string_equal(x.out.data + x.out.len - strlen(end), end);
    /* a second cancel and late events change nothing */
    size_t len = x.out.len;
    assert_int_equal(sy_responses_encoder_cancel(x.e), SY_OK);
    assert_int_equal(put(&x, SY_IR_TEXT_DELTA, 0, NULL, NULL, "late"), SY_OK);
    assert_int_equal(put(&x, SY_IR_END, 0, NULL, NULL, NULL), SY_OK);
    assert_int_equal(x.out.len, len);
    if (py_dir[0])
        py_save("cancelled", ".json", f.ptr);
    enc_close(&x);
}

static void test_sse_cap(void **state)
{
    (void)state;
    struct enc x;
    enc_open(&x, "{\"model\":\"m\",\"input\":\"q\"}", 7, 64);
    assert_int_equal(put(&x, SY_IR_START, 0, NULL, NULL, NULL), SY_ETOOBIG);
    assert_int_equal(put(&x, SY_IR_TEXT_DELTA, 0, NULL, NULL, "x"), SY_ETOOBIG);
    assert_int_equal(x.out.len, 0);
    enc_close(&x);
}

/* Events after the terminal one are ignored; usage is reported; deltas imply START. */
static void test_after_end(void **state)
{
    (void)state;
    struct enc x;
    enc_open(&x, "{\"model\":\"m\",\"input\":\"q\"}", 7, SY_BUF_UNCAPPED);
    assert_null(sy_responses_encoder_usage(x.e));
    assert_int_equal(put(&x, SY_IR_TEXT_DELTA, 0, NULL, NULL, "hi"), SY_OK);
    const char *head = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,";
    assert_true(strncmp(x.out.data, head, strlen(head)) == 0);
    struct sy_ir_usage u = { .present = true, .input_tokens = 5, .output_tokens = 2 };
    struct sy_ir_event ev = { .kind = SY_IR_USAGE, .usage = &u };
    assert_int_equal(x.sink->event(x.sink, &ev), SY_OK);
    assert_int_equal(put(&x, SY_IR_END, 0, NULL, NULL, NULL), SY_OK);
    assert_string_equal(sy_responses_encoder_status(x.e), "completed");
    assert_int_equal(sy_responses_encoder_usage(x.e)->input_tokens, 5);
    /* total recomputed when the upstream sent none */
    assert_non_null(strstr(sy_responses_encoder_final(x.e).ptr, "\"output_tokens_details\":{\"reasoning_tokens\":0},"
                                                                "\"total_tokens\":7}"));
    size_t len = x.out.len;
    assert_int_equal(put(&x, SY_IR_TEXT_DELTA, 0, NULL, NULL, "x"), SY_OK);
    assert_int_equal(put(&x, SY_IR_ERROR, 0, NULL, NULL, NULL), SY_OK);
    assert_int_equal(x.out.len, len);
    enc_close(&x);
}

/* ------------------------------------------------------------------ chat upstream pipeline */

/* Recorded chat upstream answers (tests/fixtures/chat, owned by the chat codec) through the chat
 * decoder into this encoder: the result must be a valid Responses stream / object (checked by
 * the Python checker below) carrying what the upstream said. */
struct pipe {
    struct sy_chat_stream cs;
    struct sy_diag        d;
};

static sy_status pipe_emit(void *ctx, const struct sy_sse_event *ev)
{
    struct pipe *p = ctx;
    return sy_chat_stream_feed(&p->cs, ev->data, &p->d);
}

static char *pipeline(const char *file, bool stream, char **sse)
{
    struct enc x;
    enc_open(&x, "{\"model\":\"m\",\"input\":\"q\",\"include\":[\"message.output_text.logprobs\"]}", 11,
             SY_BUF_UNCAPPED);
    char path[512];
    size_t len;
    snprintf(path, sizeof path, "%s/chat/%s", SY_TEST_DATA, file);
    char *body = read_file(path, &len);
    assert_non_null(body);
    struct pipe p;
    sy_diag_clear(&p.d);
    if (stream) {
        struct sy_sse_decoder dec;
        sy_sse_decoder_init(&dec, 1 << 20);
        sy_chat_stream_init(&p.cs, x.a, x.sink);
        assert_int_equal(sy_sse_feed(&dec, sy_slice_from(body, len), pipe_emit, &p), SY_OK);
        sy_sse_decoder_free(&dec);
    } else {
        assert_int_equal(sy_chat_decode_completion(sy_slice_from(body, len), x.sink, &p.d), SY_OK);
    }
    free(body);
    assert_string_equal(sy_responses_encoder_status(x.e), "completed");
    sy_slice f = sy_responses_encoder_final(x.e);
    char *out = strndup(f.ptr, f.len);
    *sse = strndup(x.out.data ? x.out.data : "", x.out.len);
    enc_close(&x);
    return out;
}

static void test_chat_pipeline(void **state)
{
    (void)state;
    static const struct {
        const char *file, *expect;
        bool        stream;
    } cases[] = {
        { "stream_tool_call.sse", "\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":"
                                  "\"call_ZR5UUuTt3pf61kjwAJIYdVMj\",\"name\":\"get_capital\"", true },
        { "stream_text.sse", "\"type\":\"output_text\",\"text\":\"", true },
        { "stream_text_usage.sse", "\"usage\":{\"input_tokens\":", true },
        { "completion_simple_text.json", "\"type\":\"output_text\",\"text\":\"", false },
        { "completion_reasoning_usage.json", "\"output_tokens_details\":{\"reasoning_tokens\":", false },
        { "completion_cerebras_tool_call.json", "\"type\":\"function_call\",\"status\":\"completed\"", false },
        { "completion_structured_output.json", "\"type\":\"message\",\"status\":\"completed\"", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *sse, *fin = pipeline(cases[i].file, cases[i].stream, &sse);
        if (!strstr(fin, cases[i].expect))
            fail_msg("%s: final object lacks %s:\n%s", cases[i].file, cases[i].expect, fin);
        char name[96];
        snprintf(name, sizeof name, "chat_%s", cases[i].file);
        if (py_dir[0]) {
            py_save(name, ".sse", sse);
            py_save(name, ".json", fin);
        }
        free(sse);
        free(fin);
    }
}

/* ------------------------------------------------------------------ Python checker */

static int py_setup(void **state)
{
    (void)state;
    snprintf(py_dir, sizeof py_dir, "/tmp/sy_resp_codec_XXXXXX");
    if (!mkdtemp(py_dir))
        py_dir[0] = '\0';
    return 0;
}

static int py_teardown(void **state)
{
    (void)state;
    if (!py_dir[0])
        return 0;
    if (getenv("SY_KEEP_TMP")) {
        print_message("kept %s\n", py_dir);
        return 0;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", py_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_python_checker(void **state)
{
    (void)state;
    const char *script = SY_TEST_DATA "/../tools/validate_responses.py";
    if (!py_dir[0] || access("/usr/bin/python3", X_OK) != 0 || access(script, R_OK) != 0 || getenv("SY_NO_PYTHON")) {
        print_message("python checker skipped\n");
        skip();
    }
    assert_true(py_files >= 40);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "set --; for f in '%s'/*.sse; do set -- \"$@\" --stream \"$f\"; done; "
             "for f in '%s'/*.json; do set -- \"$@\" --object \"$f\"; done; "
             "/usr/bin/python3 '%s' \"$@\" > '%s/checker.log' 2>&1 || { cat '%s/checker.log'; exit 1; }",
             py_dir, py_dir, script, py_dir, py_dir);
    assert_int_equal(system(cmd), 0);
    /* the checker's own mutation tests: it must catch every broken stream */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' > '%s/selftest.log' 2>&1 || { cat '%s/selftest.log'; exit 1; }",
             SY_TEST_DATA "/../tools/test_validate_responses.py", py_dir, py_dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_basics),
        cmocka_unit_test(test_decode_goldens),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_check_call_ids),
        cmocka_unit_test(test_encode_goldens),
        cmocka_unit_test(test_random_ids),
        cmocka_unit_test(test_cancel_and_snapshot),
        cmocka_unit_test(test_sse_cap),
        cmocka_unit_test(test_after_end),
        cmocka_unit_test(test_chat_pipeline),
        cmocka_unit_test(test_python_checker),
    };
    return cmocka_run_group_tests(tests, py_setup, py_teardown);
}
