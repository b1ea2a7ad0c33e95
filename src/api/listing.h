/* List endpoints (input_items, conversation items): the `after` / `limit` / `order` query and
 * the list reply. */
#ifndef SY_API_LISTING_H
#define SY_API_LISTING_H

#include <stdbool.h>

#include "api/exchange.h"
#include "store/store.h"

/* The raw value of query parameter `name` (first occurrence; no percent-decoding: ids and
 * numbers need none). */
bool sy_api_query_param(sy_slice query, const char *name, sy_slice *val);
/* Read after (item id), limit (1..100, default 20) and order (asc|desc, default desc). A bad
 * value fails the exchange (400 naming the parameter) and returns false. */
bool sy_api_page(struct sy_exchange *ex, struct sy_store_page *p);
/* Reply 200 with the list object of r's items. */
void sy_api_reply_items(struct sy_exchange *ex, const struct sy_store_result *r);

#endif
