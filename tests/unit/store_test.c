/* Conformance suite of the state store: one set of tests run against SQLite (a temp file) and
 * PostgreSQL (SWITCHYARD_TEST_PG_URL, a fresh schema per test). Jobs are driven through the
 * public job interface with an event_base loop, as a worker does.
 *
 * Without SWITCHYARD_TEST_PG_URL the PostgreSQL group fails, unless SWITCHYARD_TEST_PG_OPTIONAL=1
 * (then it is skipped with a note): CI must not skip it silently. scripts/test.sh starts a
 * throwaway server (scripts/pg-test-server.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/store.h"

#define PG_SCHEMA "sy_store_test"

static struct {
    const char *backend;          /* "sqlite" / "postgres" */
    char dir[64];                 /* sqlite temp dir */
    char path[128];
    char *url;                    /* postgres URL with the test schema */
    const char *app;              /* its application_name (this process's connections) */
    struct sy_config cfg;
    struct sy_store *s;
    struct event_base *base;
    struct sy_arena *a;           /* outcomes */
} T;

/* ---- driving jobs -------------------------------------------------------------------------- */

struct outcome {
    bool done;
    sy_status status;
    char message[256];
    const char *response, *resp_status, *prev, *conv, *conv_id, *metadata;
    int64_t created_at;
    size_t nitems;
    const char **ids, **jsons;
    const char *id_list;          /* ids joined with ',' */
    bool has_more;
    uint64_t swept;
};

static const char *dupz(sy_slice s)
{
    return sy_arena_strndup(T.a, s.ptr ? s.ptr : "", s.len);
}

static void capture(const struct sy_store_result *r, void *ctx)
{
    struct outcome *o = ctx;
    o->done = true;
    o->status = r->status;
    snprintf(o->message, sizeof o->message, "%s", r->message);
    o->response = dupz(r->response);
    o->resp_status = dupz(r->resp_status);
    o->prev = dupz(r->previous_response_id);
    o->conv = dupz(r->conversation_id);
    o->conv_id = dupz(r->conv_id);
    o->metadata = dupz(r->metadata);
    o->created_at = r->created_at;
    o->has_more = r->has_more;
    o->swept = r->swept;
    o->nitems = r->nitems;
    o->ids = sy_arena_alloc(T.a, (r->nitems + 1) * sizeof *o->ids);
    o->jsons = sy_arena_alloc(T.a, (r->nitems + 1) * sizeof *o->jsons);
    size_t len = 1;
    for (size_t i = 0; i < r->nitems; i++) {
        o->ids[i] = dupz(r->items[i].id);
        o->jsons[i] = dupz(r->items[i].json);
        len += r->items[i].id.len + 1;
    }
    char *list = sy_arena_alloc(T.a, len);
    for (size_t i = 0; i < r->nitems; i++) {
        if (i)
            strcat(list, ",");
        strcat(list, o->ids[i]);
    }
    o->id_list = list;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    *(bool *)arg = true;
    event_base_loopbreak(T.base);
}

/* Run the loop until *flag or 20 s (which fails the test). */
static void loop_until(const bool *flag)
{
    bool timed_out = false;
    struct event *timer = evtimer_new(T.base, on_timeout, &timed_out);
    struct timeval tv = { 20, 0 };
    evtimer_add(timer, &tv);
    while (!*flag && !timed_out)
        event_base_loop(T.base, EVLOOP_ONCE);
    event_free(timer);
    assert_false(timed_out);
}

static struct outcome run(const struct sy_store_req *req)
{
    struct outcome o = { 0 };
    struct sy_store_job *job = sy_store_submit(T.s, T.base, req, capture, &o);
    assert_non_null(job);
    loop_until(&o.done);
    if (o.status != SY_OK && o.status != SY_ENOTFOUND && o.status != SY_ETOOBIG)
        fprintf(stderr, "  [%s] op %d: %s: %s\n", T.backend, (int)req->op, sy_status_name(o.status), o.message);
    return o;
}

/* ---- building requests --------------------------------------------------------------------- */

static sy_slice S(const char *s)
{
    return sy_slice_cstr(s);
}

/* Items from "id1,id2,...": each JSON holds its id and some non-ASCII and escaped text. */
static struct sy_store_item *items_of(const char *ids, size_t *n)
{
    *n = 0;
    if (!ids || !*ids)
        return NULL;
    struct sy_store_item *it = sy_arena_alloc(T.a, 64 * sizeof *it);
    char *copy = sy_arena_strndup(T.a, ids, strlen(ids));
    for (char *save = NULL, *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
        char *json = sy_arena_alloc(T.a, 160);
        snprintf(json, 160, "{\"id\":\"%s\",\"type\":\"message\",\"content\":\"h\xc3\xa9llo \\\"%s\\\" \\u00e9\"}",
                 id, id);
        it[(*n)++] = (struct sy_store_item){ S(id), S(json) };
    }
    return it;
}

static struct sy_store_req put_req(const char *id, const char *owner, const char *prev, const char *conv,
                                   const char *in, const char *out)
{
    struct sy_store_req r = { .op = SY_STORE_PUT_RESPONSE, .id = S(id), .owner = S(owner),
                              .created_at = (int64_t)time(NULL), .status = S("completed"), .model = S("gpt-test"),
                              .previous_response_id = S(prev ? prev : ""), .conversation_id = S(conv ? conv : "") };
    char *json = sy_arena_alloc(T.a, 256);
    snprintf(json, 256, "{\"id\":\"%s\",\"object\":\"response\",\"output_text\":\"\xe2\x9c\x93 \\n\"}", id);
    r.response = S(json);
    r.input = items_of(in, &r.ninput);
    r.output = items_of(out, &r.noutput);
    return r;
}

static sy_status put(const char *id, const char *owner, const char *prev, const char *conv, const char *in,
                     const char *out)
{
    struct sy_store_req r = put_req(id, owner, prev, conv, in, out);
    return run(&r).status;
}

static struct outcome op(enum sy_store_op kind, const char *id, const char *owner)
{
    struct sy_store_req r = { .op = kind, .id = S(id), .owner = S(owner) };
    return run(&r);
}

static struct outcome list(enum sy_store_op kind, const char *id, const char *after, uint32_t limit, bool desc)
{
    struct sy_store_req r = { .op = kind, .id = S(id), .owner = S("alice"),
                              .page = { .after = S(after ? after : ""), .limit = limit, .desc = desc } };
    return run(&r);
}

static struct outcome conv_create(const char *id, const char *owner, const char *metadata, const char *items)
{
    struct sy_store_req r = { .op = SY_STORE_CREATE_CONVERSATION, .id = S(id), .owner = S(owner),
                              .created_at = (int64_t)time(NULL), .metadata = S(metadata ? metadata : "") };
    r.items = items_of(items, &r.nitems);
    return run(&r);
}

static struct outcome conv_add(const char *id, const char *owner, const char *items)
{
    struct sy_store_req r = { .op = SY_STORE_ADD_CONVERSATION_ITEMS, .id = S(id), .owner = S(owner) };
    r.items = items_of(items, &r.nitems);
    return run(&r);
}

static struct outcome conv_item(enum sy_store_op kind, const char *id, const char *owner, const char *item)
{
    struct sy_store_req r = { .op = kind, .id = S(id), .owner = S(owner), .item_id = S(item) };
    return run(&r);
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static void default_cfg(void)
{
    memset(&T.cfg, 0, sizeof T.cfg);
    struct sy_store_cfg *c = &T.cfg.store;
    c->kind = strcmp(T.backend, "sqlite") == 0 ? SY_STORE_SQLITE : SY_STORE_POSTGRES;
    c->path = T.path;
    c->url = T.url;
    c->ttl_s = 3600;
    c->sweep_interval_s = 60;
    c->max_response_bytes = (size_t)1 << 20;
    c->max_chain = 100;
    c->max_conversation_items = 1000;
}

static void open_store(void)
{
    struct sy_diag diag;
    sy_diag_clear(&diag);
    sy_status st = sy_store_open(&T.cfg, &T.s, &diag);
    if (st != SY_OK)
        fprintf(stderr, "sy_store_open: %s\n", diag.message);
    assert_int_equal(st, SY_OK);
    assert_string_equal(sy_store_kind(T.s), T.backend);
    assert_int_equal(sy_store_schema_version(T.s), 2);
}

static void reopen(void)
{
    sy_store_close(T.s);
    T.s = NULL;
    open_store();
}

static void pg_fresh_schema(void)
{
    PGconn *c = PQconnectdb(getenv("SWITCHYARD_TEST_PG_URL"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " PG_SCHEMA " CASCADE;"
                            " CREATE SCHEMA " PG_SCHEMA);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s", PQresultErrorMessage(r));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static int setup(void **state)
{
    (void)state;
    T.a = sy_arena_new(1 << 16);
    T.base = event_base_new();
    if (strcmp(T.backend, "sqlite") == 0) {
        snprintf(T.dir, sizeof T.dir, "/tmp/sy-store-test-XXXXXX");
        if (!mkdtemp(T.dir))
            return -1;
        snprintf(T.path, sizeof T.path, "%s/sub/store.db", T.dir);
    } else {
        pg_fresh_schema();
    }
    default_cfg();
    open_store();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sy_store_close(T.s);
    T.s = NULL;
    event_base_free(T.base);
    sy_arena_free(T.a);
    if (strcmp(T.backend, "sqlite") == 0) {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", T.dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

/* ---- responses ----------------------------------------------------------------------------- */

static void test_put_get_exact(void **state)
{
    (void)state;
    struct sy_store_req r = put_req("resp_1", "alice", NULL, NULL, "in_1,in_2", "out_1");
    assert_int_equal(run(&r).status, SY_OK);
    struct outcome g = op(SY_STORE_GET_RESPONSE, "resp_1", "alice");
    assert_int_equal(g.status, SY_OK);
    assert_int_equal(strlen(g.response), r.response.len);
    assert_memory_equal(g.response, r.response.ptr, r.response.len);
    assert_string_equal(g.resp_status, "completed");
    assert_string_equal(g.prev, "");
    assert_string_equal(g.conv, "");
    assert_int_equal(g.created_at, r.created_at);

    struct outcome l = list(SY_STORE_LIST_INPUT_ITEMS, "resp_1", NULL, 0, false);
    assert_int_equal(l.status, SY_OK);
    assert_string_equal(l.id_list, "in_1,in_2");
    assert_memory_equal(l.jsons[1], r.input[1].json.ptr, r.input[1].json.len);
    assert_int_equal(strlen(l.jsons[1]), r.input[1].json.len);

    /* stored again (same owner): replaced, items too */
    assert_int_equal(put("resp_1", "alice", NULL, NULL, "in_9", ""), SY_OK);
    assert_string_equal(list(SY_STORE_LIST_INPUT_ITEMS, "resp_1", NULL, 0, false).id_list, "in_9");
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_404", "alice").status, SY_ENOTFOUND);
}

static void test_owner_isolation(void **state)
{
    (void)state;
    assert_int_equal(put("resp_a", "alice", NULL, NULL, "i1", "o1"), SY_OK);
    assert_int_equal(put("resp_e", "", NULL, NULL, "i1", "o1"), SY_OK);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_a", "bob").status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_a", "").status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_e", "").status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_e", "alice").status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_LOAD_CHAIN, "resp_a", "bob").status, SY_ENOTFOUND);
    struct sy_store_req l = { .op = SY_STORE_LIST_INPUT_ITEMS, .id = S("resp_a"), .owner = S("bob") };
    assert_int_equal(run(&l).status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_DELETE_RESPONSE, "resp_a", "bob").status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_a", "alice").status, SY_OK);
    /* a chain may not pass through another owner's response */
    assert_int_equal(put("resp_b", "bob", "resp_a", NULL, "i2", "o2"), SY_OK);
    assert_int_equal(op(SY_STORE_LOAD_CHAIN, "resp_b", "bob").status, SY_ENOTFOUND);

    assert_int_equal(conv_create("conv_a", "alice", NULL, "c1").status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_CONVERSATION, "conv_a", "bob").status, SY_ENOTFOUND);
    assert_int_equal(conv_add("conv_a", "bob", "c2").status, SY_ENOTFOUND);
    assert_int_equal(conv_item(SY_STORE_GET_CONVERSATION_ITEM, "conv_a", "bob", "c1").status, SY_ENOTFOUND);
    assert_int_equal(conv_item(SY_STORE_DELETE_CONVERSATION_ITEM, "conv_a", "bob", "c1").status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_DELETE_CONVERSATION, "conv_a", "bob").status, SY_ENOTFOUND);
    assert_int_equal(put("resp_c", "bob", NULL, "conv_a", "i3", "o3"), SY_ENOTFOUND);
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_a", NULL, 0, false).id_list, "c1");
}

static void test_delete_response(void **state)
{
    (void)state;
    assert_int_equal(put("resp_d", "alice", NULL, NULL, "i1", "o1"), SY_OK);
    assert_int_equal(op(SY_STORE_DELETE_RESPONSE, "resp_d", "alice").status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "resp_d", "alice").status, SY_ENOTFOUND);
    assert_int_equal(list(SY_STORE_LIST_INPUT_ITEMS, "resp_d", NULL, 0, false).status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_DELETE_RESPONSE, "resp_d", "alice").status, SY_ENOTFOUND);
    /* the id can be stored again, without the old items */
    assert_int_equal(put("resp_d", "alice", NULL, NULL, "i2", ""), SY_OK);
    assert_string_equal(list(SY_STORE_LIST_INPUT_ITEMS, "resp_d", NULL, 0, false).id_list, "i2");
}

static void test_input_items_pages(void **state)
{
    (void)state;
    assert_int_equal(put("resp_p", "alice", NULL, NULL, "a,b,c,d,e", "x,y"), SY_OK);
    struct outcome o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", NULL, 2, false);
    assert_string_equal(o.id_list, "a,b");
    assert_true(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", "b", 2, false);
    assert_string_equal(o.id_list, "c,d");
    assert_true(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", "d", 2, false);
    assert_string_equal(o.id_list, "e");
    assert_false(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", NULL, 5, false);
    assert_string_equal(o.id_list, "a,b,c,d,e");
    assert_false(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", NULL, 2, true);
    assert_string_equal(o.id_list, "e,d");
    assert_true(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", "d", 100, true);
    assert_string_equal(o.id_list, "c,b,a");
    assert_false(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", "a", 100, true);
    assert_string_equal(o.id_list, "");
    assert_false(o.has_more);
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", NULL, 0, true);
    assert_string_equal(o.id_list, "e,d,c,b,a");
    /* an output item is not an input item */
    o = list(SY_STORE_LIST_INPUT_ITEMS, "resp_p", "x", 10, false);
    assert_int_equal(o.status, SY_ENOTFOUND);
    assert_non_null(strstr(o.message, "'x'"));
}

static void test_chain(void **state)
{
    (void)state;
    assert_int_equal(put("r1", "alice", NULL, NULL, "a1", "b1"), SY_OK);
    assert_int_equal(put("r2", "alice", "r1", NULL, "a2,a2b", "b2"), SY_OK);
    assert_int_equal(put("r3", "alice", "r2", NULL, "a3", "b3,b3b"), SY_OK);
    struct outcome o = op(SY_STORE_LOAD_CHAIN, "r3", "alice");
    assert_int_equal(o.status, SY_OK);
    assert_string_equal(o.id_list, "a1,b1,a2,a2b,b2,a3,b3,b3b");
    assert_non_null(strstr(o.jsons[0], "h\xc3\xa9llo \\\"a1\\\""));
    assert_string_equal(op(SY_STORE_LOAD_CHAIN, "r1", "alice").id_list, "a1,b1");
    assert_string_equal(op(SY_STORE_GET_RESPONSE, "r3", "alice").prev, "r2");
    assert_int_equal(op(SY_STORE_LOAD_CHAIN, "r9", "alice").status, SY_ENOTFOUND);

    /* a missing link */
    assert_int_equal(put("r5", "alice", "r_gone", NULL, "a5", "b5"), SY_OK);
    o = op(SY_STORE_LOAD_CHAIN, "r5", "alice");
    assert_int_equal(o.status, SY_ENOTFOUND);
    assert_non_null(strstr(o.message, "r_gone"));
    assert_int_equal(op(SY_STORE_DELETE_RESPONSE, "r1", "alice").status, SY_OK);
    o = op(SY_STORE_LOAD_CHAIN, "r3", "alice");
    assert_int_equal(o.status, SY_ENOTFOUND);
    assert_non_null(strstr(o.message, "'r1'"));
}

static void test_chain_limit(void **state)
{
    (void)state;
    sy_store_close(T.s);
    T.cfg.store.max_chain = 3;
    open_store();
    assert_int_equal(put("r1", "alice", NULL, NULL, "a1", "b1"), SY_OK);
    assert_int_equal(put("r2", "alice", "r1", NULL, "a2", "b2"), SY_OK);
    assert_int_equal(put("r3", "alice", "r2", NULL, "a3", "b3"), SY_OK);
    assert_int_equal(put("r4", "alice", "r3", NULL, "a4", "b4"), SY_OK);
    assert_int_equal(op(SY_STORE_LOAD_CHAIN, "r3", "alice").status, SY_OK);
    struct outcome o = op(SY_STORE_LOAD_CHAIN, "r4", "alice");
    assert_int_equal(o.status, SY_ETOOBIG);
    assert_non_null(strstr(o.message, "store.max_chain"));
    /* a loop is just a chain that is too long */
    assert_int_equal(put("loop", "alice", "loop", NULL, "l", ""), SY_OK);
    assert_int_equal(op(SY_STORE_LOAD_CHAIN, "loop", "alice").status, SY_ETOOBIG);
}

/* ---- conversations ------------------------------------------------------------------------- */

static void test_conversation_crud(void **state)
{
    (void)state;
    struct outcome o = conv_create("conv_1", "alice", "{\"topic\":\"t\xc3\xa9st\"}", "m1,m2");
    assert_int_equal(o.status, SY_OK);
    assert_string_equal(o.conv_id, "conv_1");
    assert_string_equal(o.metadata, "{\"topic\":\"t\xc3\xa9st\"}");
    int64_t created = o.created_at;
    assert_true(created > 0);
    o = op(SY_STORE_GET_CONVERSATION, "conv_1", "alice");
    assert_int_equal(o.status, SY_OK);
    assert_string_equal(o.conv_id, "conv_1");
    assert_int_equal(o.created_at, created);
    assert_string_equal(o.metadata, "{\"topic\":\"t\xc3\xa9st\"}");

    struct sy_store_req u = { .op = SY_STORE_UPDATE_CONVERSATION, .id = S("conv_1"), .owner = S("alice"),
                              .metadata = S("{\"k\":\"v\"}") };
    o = run(&u);
    assert_int_equal(o.status, SY_OK);
    assert_string_equal(o.metadata, "{\"k\":\"v\"}");
    assert_int_equal(o.created_at, created);
    assert_string_equal(op(SY_STORE_GET_CONVERSATION, "conv_1", "alice").metadata, "{\"k\":\"v\"}");
    u.id = S("conv_404");
    assert_int_equal(run(&u).status, SY_ENOTFOUND);

    o = conv_add("conv_1", "alice", "m3,m4");
    assert_int_equal(o.status, SY_OK);
    assert_string_equal(o.conv_id, "conv_1");
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_1", NULL, 0, false).id_list, "m1,m2,m3,m4");
    o = conv_item(SY_STORE_GET_CONVERSATION_ITEM, "conv_1", "alice", "m3");
    assert_int_equal(o.status, SY_OK);
    assert_int_equal(o.nitems, 1);
    assert_string_equal(o.ids[0], "m3");
    assert_non_null(strstr(o.jsons[0], "\"id\":\"m3\""));
    assert_int_equal(conv_item(SY_STORE_GET_CONVERSATION_ITEM, "conv_1", "alice", "m9").status, SY_ENOTFOUND);
    assert_int_equal(conv_item(SY_STORE_DELETE_CONVERSATION_ITEM, "conv_1", "alice", "m2").status, SY_OK);
    assert_int_equal(conv_item(SY_STORE_GET_CONVERSATION_ITEM, "conv_1", "alice", "m2").status, SY_ENOTFOUND);
    assert_int_equal(conv_item(SY_STORE_DELETE_CONVERSATION_ITEM, "conv_1", "alice", "m2").status, SY_ENOTFOUND);
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_1", NULL, 0, false).id_list, "m1,m3,m4");
    /* appending after a deletion keeps the order */
    assert_int_equal(conv_add("conv_1", "alice", "m5").status, SY_OK);
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_1", NULL, 0, false).id_list, "m1,m3,m4,m5");

    assert_int_equal(op(SY_STORE_DELETE_CONVERSATION, "conv_1", "alice").status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_CONVERSATION, "conv_1", "alice").status, SY_ENOTFOUND);
    assert_int_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_1", NULL, 0, false).status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_DELETE_CONVERSATION, "conv_1", "alice").status, SY_ENOTFOUND);
    /* recreated under the same id: no items left over */
    assert_int_equal(conv_create("conv_1", "alice", NULL, "").status, SY_OK);
    o = op(SY_STORE_GET_CONVERSATION, "conv_1", "alice");
    assert_string_equal(o.metadata, "{}");
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_1", NULL, 0, false).id_list, "");
}

static void test_conversation_pages(void **state)
{
    (void)state;
    assert_int_equal(conv_create("conv_p", "alice", NULL, "a,b,c").status, SY_OK);
    assert_int_equal(conv_add("conv_p", "alice", "d,e").status, SY_OK);
    struct outcome o = list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_p", NULL, 2, true);
    assert_string_equal(o.id_list, "e,d");
    assert_true(o.has_more);
    o = list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_p", "d", 2, true);
    assert_string_equal(o.id_list, "c,b");
    assert_true(o.has_more);
    o = list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_p", "b", 2, true);
    assert_string_equal(o.id_list, "a");
    assert_false(o.has_more);
    o = list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_p", "c", 1, false);
    assert_string_equal(o.id_list, "d");
    assert_true(o.has_more);
    assert_int_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_p", "zz", 1, false).status, SY_ENOTFOUND);
}

static void test_put_appends_to_conversation(void **state)
{
    (void)state;
    assert_int_equal(conv_create("conv_r", "alice", NULL, "c0").status, SY_OK);
    assert_int_equal(put("r1", "alice", NULL, "conv_r", "u1", "a1,a1b"), SY_OK);
    assert_int_equal(put("r2", "alice", "r1", "conv_r", "u2", "a2"), SY_OK);
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_r", NULL, 0, false).id_list,
                        "c0,u1,a1,a1b,u2,a2");
    assert_string_equal(op(SY_STORE_GET_RESPONSE, "r2", "alice").conv, "conv_r");
    /* unknown conversation: nothing written */
    assert_int_equal(put("r3", "alice", NULL, "conv_nope", "u3", "a3"), SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r3", "alice").status, SY_ENOTFOUND);
}

/* ---- limits, expiry ------------------------------------------------------------------------ */

static void test_limits(void **state)
{
    (void)state;
    sy_store_close(T.s);
    T.cfg.store.max_response_bytes = 1024;
    T.cfg.store.max_conversation_items = 4;
    open_store();
    struct sy_store_req r = put_req("big", "alice", NULL, NULL, "i1,i2,i3,i4,i5,i6,i7,i8,i9,i10,i11,i12,i13,i14,i15,i16", "o1");
    struct outcome o = run(&r);
    assert_int_equal(o.status, SY_ETOOBIG);
    assert_non_null(strstr(o.message, "store.max_response_bytes"));
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "big", "alice").status, SY_ENOTFOUND);

    assert_int_equal(conv_create("conv_x", "alice", NULL, "a,b,c,d,e").status, SY_ETOOBIG);
    assert_int_equal(op(SY_STORE_GET_CONVERSATION, "conv_x", "alice").status, SY_ENOTFOUND);
    assert_int_equal(conv_create("conv_l", "alice", NULL, "a,b,c").status, SY_OK);
    o = conv_add("conv_l", "alice", "d,e");
    assert_int_equal(o.status, SY_ETOOBIG);
    assert_non_null(strstr(o.message, "store.max_conversation_items"));
    assert_int_equal(put("r1", "alice", NULL, "conv_l", "u1", "a1"), SY_ETOOBIG);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r1", "alice").status, SY_ENOTFOUND);
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_l", NULL, 0, false).id_list, "a,b,c");
    assert_int_equal(conv_add("conv_l", "alice", "d").status, SY_OK);
}

static void test_expiry(void **state)
{
    (void)state;
    int64_t old = (int64_t)time(NULL) - 7200; /* ttl is 3600 */
    struct sy_store_req r = put_req("r_old", "alice", NULL, NULL, "i1", "o1");
    r.created_at = old;
    assert_int_equal(run(&r).status, SY_OK);
    assert_int_equal(put("r_new", "alice", "r_old", NULL, "i2", "o2"), SY_OK);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_old", "alice").status, SY_ENOTFOUND);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_new", "alice").status, SY_OK);
    assert_int_equal(op(SY_STORE_LOAD_CHAIN, "r_new", "alice").status, SY_ENOTFOUND);
    struct sy_store_req c = { .op = SY_STORE_CREATE_CONVERSATION, .id = S("conv_old"), .owner = S("alice"),
                              .created_at = old };
    c.items = items_of("x", &c.nitems);
    assert_int_equal(run(&c).status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_CONVERSATION, "conv_old", "alice").status, SY_ENOTFOUND);
    assert_int_equal(conv_add("conv_old", "alice", "y").status, SY_ENOTFOUND);
    assert_int_equal(conv_create("conv_new", "alice", NULL, "z").status, SY_OK);

    struct outcome o = op(SY_STORE_SWEEP, "", "");
    assert_int_equal(o.status, SY_OK);
    assert_int_equal(o.swept, 2);
    assert_int_equal(op(SY_STORE_SWEEP, "", "").swept, 0);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_new", "alice").status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_CONVERSATION, "conv_new", "alice").status, SY_OK);
    /* the id of a swept response is free again */
    assert_int_equal(put("r_old", "alice", NULL, NULL, "i3", ""), SY_OK);
}

static void test_ttl_zero_and_sweeper(void **state)
{
    (void)state;
    sy_store_close(T.s);
    T.cfg.store.ttl_s = 0;
    open_store();
    struct sy_store_req r = put_req("r_forever", "alice", NULL, NULL, "i1", "o1");
    r.created_at = 1000; /* 1970: still there with ttl 0 */
    assert_int_equal(run(&r).status, SY_OK);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_forever", "alice").status, SY_OK);
    assert_int_equal(op(SY_STORE_SWEEP, "", "").swept, 0);

    /* the periodic sweeper */
    sy_store_close(T.s);
    T.cfg.store.ttl_s = 60;
    T.cfg.store.sweep_interval_s = 1;
    open_store();
    r = put_req("r_stale", "alice", NULL, NULL, "i1", "o1");
    r.created_at = (int64_t)time(NULL) - 120;
    assert_int_equal(run(&r).status, SY_OK);
    usleep(2500 * 1000);
    assert_int_equal(op(SY_STORE_SWEEP, "", "").swept, 0);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_forever", "alice").status, SY_OK);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

static void test_reopen_persists(void **state)
{
    (void)state;
    assert_int_equal(put("r_keep", "alice", NULL, NULL, "i1", "o1"), SY_OK);
    assert_int_equal(conv_create("conv_keep", "alice", NULL, "m1").status, SY_OK);
    reopen(); /* migrations run again: nothing to do, nothing lost */
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_keep", "alice").status, SY_OK);
    assert_string_equal(list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_keep", NULL, 0, false).id_list, "m1");
    /* queued writes finish at close, without callbacks */
    struct outcome never = { 0 };
    struct sy_store_req w = put_req("r_at_close", "alice", NULL, NULL, "i1", "o1");
    assert_non_null(sy_store_submit(T.s, T.base, &w, capture, &never));
    reopen();
    event_base_loop(T.base, EVLOOP_NONBLOCK);
    assert_false(never.done);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_at_close", "alice").status, SY_OK);
}

static void test_detach(void **state)
{
    (void)state;
    struct outcome never = { 0 };
    struct sy_store_req w = put_req("r_detached", "alice", NULL, NULL, "i1", "o1");
    struct sy_store_job *job = sy_store_submit(T.s, T.base, &w, capture, &never);
    assert_non_null(job);
    sy_store_detach(job);
    /* the write still happens */
    struct outcome g = { 0 };
    for (int i = 0; i < 200; i++) {
        g = op(SY_STORE_GET_RESPONSE, "r_detached", "alice");
        if (g.status == SY_OK)
            break;
        usleep(10 * 1000);
    }
    assert_int_equal(g.status, SY_OK);
    /* a job detached after it completed (its event pending on the loop) */
    struct sy_store_req rd = { .op = SY_STORE_GET_RESPONSE, .id = S("r_detached"), .owner = S("alice") };
    job = sy_store_submit(T.s, T.base, &rd, capture, &never);
    assert_non_null(job);
    usleep(200 * 1000);
    sy_store_detach(job);
    /* a detached read */
    job = sy_store_submit(T.s, T.base, &rd, capture, &never);
    sy_store_detach(job);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_detached", "alice").status, SY_OK);
    event_base_loop(T.base, EVLOOP_NONBLOCK);
    assert_false(never.done);
}

struct counter {
    unsigned n, failed;
    bool all;
    unsigned want;
};

static void count_done(const struct sy_store_result *r, void *ctx)
{
    struct counter *c = ctx;
    c->failed += r->status != SY_OK;
    if (++c->n == c->want)
        c->all = true;
}

static void test_queue_full(void **state)
{
    (void)state;
    struct counter c = { 0 };
    struct sy_store_req r = { .op = SY_STORE_GET_RESPONSE, .id = S("r_none"), .owner = S("alice") };
    unsigned accepted = 0;
    bool refused = false;
    for (unsigned i = 0; i < 200000 && !refused; i++) {
        if (sy_store_submit(T.s, T.base, &r, count_done, &c))
            accepted++;
        else
            refused = true;
    }
    assert_true(refused);
    assert_true(accepted >= 4096);
    c.want = accepted;
    loop_until(&c.all);
    assert_int_equal(c.n, accepted);
    assert_null(sy_store_submit(NULL, T.base, &r, count_done, &c));
}

static void test_concurrent_appends(void **state)
{
    (void)state;
    /* many appends in flight at once (several PostgreSQL threads): no lost or duplicate seq */
    assert_int_equal(conv_create("conv_c", "alice", NULL, "").status, SY_OK);
    struct counter c = { .want = 40 };
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "x%d", i);
        struct sy_store_req r = { .op = SY_STORE_ADD_CONVERSATION_ITEMS, .id = S("conv_c"), .owner = S("alice") };
        r.items = items_of(id, &r.nitems);
        if (i == 20) /* one failing write among them (grouped into the same SQLite transaction) */
            r.id = S("conv_missing");
        assert_non_null(sy_store_submit(T.s, T.base, &r, count_done, &c));
    }
    loop_until(&c.all);
    assert_int_equal(c.failed, 1);
    struct outcome o = list(SY_STORE_LIST_CONVERSATION_ITEMS, "conv_c", NULL, 0, false);
    assert_int_equal(o.nitems, 39);
    assert_null(strstr(o.id_list, "x20,"));
}

/* PostgreSQL: connections killed under the store. Reads retry once on a fresh connection; a
 * write on a dead connection fails with a message, and the next one reconnects. */
static void test_pg_reconnect(void **state)
{
    (void)state;
    if (strcmp(T.backend, "postgres") != 0)
        skip();
    assert_int_equal(put("r_before", "alice", NULL, NULL, "i1", "o1"), SY_OK);
    PGconn *c = PQconnectdb(getenv("SWITCHYARD_TEST_PG_URL"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    const char *params[] = { T.app };
    PGresult *r = PQexecParams(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                               1, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_true(PQntuples(r) >= 4);
    PQclear(r);
    PQfinish(c);
    usleep(100 * 1000);
    for (int i = 0; i < 8; i++)
        assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_before", "alice").status, SY_OK);
    sy_status st = SY_EINTERNAL;
    for (int i = 0; i < 8 && st != SY_OK; i++)
        st = put("r_after", "alice", NULL, NULL, "i1", "o1");
    assert_int_equal(st, SY_OK);
    assert_int_equal(op(SY_STORE_GET_RESPONSE, "r_after", "alice").status, SY_OK);
}

/* ---- groups -------------------------------------------------------------------------------- */

static int group_sqlite(void **state)
{
    (void)state;
    T.backend = "sqlite";
    return 0;
}

static int group_postgres(void **state)
{
    (void)state;
    T.backend = "postgres";
    return 0;
}

static int group_end(void **state)
{
    (void)state;
    return 0;
}

/* The test URL with search_path set to the test schema. */
static char *pg_test_url(const char *url)
{
    static char app[64];
    snprintf(app, sizeof app, "sy_store_test_%ld", (long)getpid());
    size_t n = strlen(url) + 128;
    char *u = malloc(n);
    snprintf(u, n, "%s%coptions=-csearch_path%%3D" PG_SCHEMA "&application_name=%s", url, strchr(url, '?') ? '&' : '?',
             app);
    T.app = app;
    return u;
}

#define TESTS(X)                                                                                                  \
    X(test_put_get_exact) X(test_owner_isolation) X(test_delete_response) X(test_input_items_pages)              \
    X(test_chain) X(test_chain_limit) X(test_conversation_crud) X(test_conversation_pages)                       \
    X(test_put_appends_to_conversation) X(test_limits) X(test_expiry) X(test_ttl_zero_and_sweeper)               \
    X(test_reopen_persists) X(test_detach) X(test_queue_full) X(test_concurrent_appends) X(test_pg_reconnect)

#define ENTRY(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown),

int main(void)
{
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = { TESTS(ENTRY) };
    int failed = cmocka_run_group_tests_name("store: sqlite", tests, group_sqlite, group_end);
    const char *url = getenv("SWITCHYARD_TEST_PG_URL");
    if (!url || !*url) {
        const char *optional = getenv("SWITCHYARD_TEST_PG_OPTIONAL");
        if (optional && strcmp(optional, "1") == 0) {
            fprintf(stderr, "store: postgres: SKIPPED (SWITCHYARD_TEST_PG_URL unset, SWITCHYARD_TEST_PG_OPTIONAL=1)\n");
            return failed;
        }
        fprintf(stderr, "store: postgres: FAILED: SWITCHYARD_TEST_PG_URL is not set. Start a server with "
                        "`scripts/pg-test-server.sh start` and export the URL it prints, or set "
                        "SWITCHYARD_TEST_PG_OPTIONAL=1 to skip the PostgreSQL backend.\n");
        return failed + 1;
    }
    T.url = pg_test_url(url);
    failed += cmocka_run_group_tests_name("store: postgres", tests, group_postgres, group_end);
    free(T.url);
    return failed;
}
