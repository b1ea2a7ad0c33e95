/* Conformance suite of the state store: stored responses, conversations, limits, expiry and
 * the job lifecycle, on SQLite and PostgreSQL (see store_fixture.h; background runs are in
 * store_runs_test.c). */
#include "store_fixture.h"

/* ---- building requests --------------------------------------------------------------------- */

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
    assert_false(g.background);
    assert_string_equal(g.error, "");

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

#define TESTS(X)                                                                                                  \
    X(test_put_get_exact) X(test_owner_isolation) X(test_delete_response) X(test_input_items_pages)              \
    X(test_chain) X(test_chain_limit) X(test_conversation_crud) X(test_conversation_pages)                       \
    X(test_put_appends_to_conversation) X(test_limits) X(test_expiry) X(test_ttl_zero_and_sweeper)               \
    X(test_reopen_persists) X(test_detach) X(test_queue_full) X(test_concurrent_appends) X(test_pg_reconnect)

#define ENTRY(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown),

int main(void)
{
    const struct CMUnitTest tests[] = { TESTS(ENTRY) };
    return store_suite_main("store", tests, sizeof tests / sizeof tests[0], false);
}
