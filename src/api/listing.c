/* List endpoints: query and reply (see listing.h). */
#include <string.h>

#include "api/listing.h"
#include "http/http.h"
#include "translate/responses_items.h"

bool sy_api_query_param(sy_slice query, const char *name, sy_slice *val)
{
    size_t n = strlen(name);
    const char *p = query.ptr, *end = query.ptr + query.len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > n && memcmp(p, name, n) == 0 && p[n] == '=') {
            *val = sy_slice_from(p + n + 1, (size_t)(stop - p - n - 1));
            return true;
        }
        if ((size_t)(stop - p) == n && memcmp(p, name, n) == 0) {
            *val = SY_LIT("");
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

static bool bad(struct sy_exchange *ex, const char *param, const char *fmt, sy_slice got)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_diag_setf(&d, fmt, SY_SLICE_ARG(got));
    sy_diag_param(&d, param);
    sy_diag_code(&d, "invalid_value");
    sy_ex_fail(ex, SY_EINVAL, &d);
    return false;
}

bool sy_api_page(struct sy_exchange *ex, struct sy_store_page *p)
{
    sy_slice q = sy_http_query(ex->req), v;
    *p = (struct sy_store_page){ .limit = 20, .desc = true };
    if (sy_api_query_param(q, "after", &v) && v.len)
        p->after = sy_arena_dup(ex->arena, v);
    if (sy_api_query_param(q, "limit", &v)) {
        unsigned long n = 0;
        bool digits = v.len > 0 && v.len <= 4;
        for (size_t i = 0; digits && i < v.len; i++) {
            digits = v.ptr[i] >= '0' && v.ptr[i] <= '9';
            n = n * 10 + (unsigned long)(v.ptr[i] - '0');
        }
        if (!digits || n < 1 || n > 100)
            return bad(ex, "limit", "Invalid 'limit': expected an integer between 1 and 100, but got '" SY_SLICE_FMT
                                    "' instead.", v);
        p->limit = (uint32_t)n;
    }
    if (sy_api_query_param(q, "order", &v)) {
        if (sy_slice_eq_cstr(v, "asc"))
            p->desc = false;
        else if (!sy_slice_eq_cstr(v, "desc"))
            return bad(ex, "order", "Invalid 'order': expected 'asc' or 'desc', but got '" SY_SLICE_FMT "' instead.", v);
    }
    return true;
}

void sy_api_reply_items(struct sy_exchange *ex, const struct sy_store_result *r)
{
    size_t n = r->nitems;
    sy_slice *items = sy_arena_alloc(ex->arena, (n ? n : 1) * sizeof *items);
    sy_slice *ids = sy_arena_alloc(ex->arena, (n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        items[i] = r->items[i].json;
        ids[i] = r->items[i].id;
    }
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    if (sy_responses_write_item_list(&b, items, ids, n, r->has_more) != SY_OK) {
        sy_buf_free(&b);
        sy_ex_fail(ex, SY_EINTERNAL, NULL);
        return;
    }
    sy_ex_reply_json(ex, 200, sy_buf_slice(&b)); /* copied into the reply */
    sy_buf_free(&b);
}
