/* The state store: stored responses (with their input and output items), conversations (with
 * their items), behind one asynchronous job interface with two backends — SQLite (the embedded
 * default) and PostgreSQL (several instances). The same SQL schema and versioned migrations run
 * on both.
 *
 * Threads: sy_store_open/close run on the main thread. Jobs are submitted from a worker loop
 * and run on the store's own threads (blocking database calls never touch a worker loop); the
 * completion callback runs back on the submitting worker's event_base. A submitter that goes
 * away first detaches with sy_store_detach (then its callback never runs, but a write still
 * completes).
 *
 * Ownership: every response and conversation has an owner (the gateway key's id; "" when no
 * keys are configured). A lookup with another owner behaves exactly like an unknown id.
 *
 * All JSON values are passed as text (objects as the client sees them) and come back byte for
 * byte as they were stored. */
#ifndef SY_STORE_STORE_H
#define SY_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/diag.h"
#include "core/slice.h"
#include "core/status.h"

struct event_base;
struct sy_store;
struct sy_store_job;

/* Open (creating the SQLite data directory and file as needed, or connecting to PostgreSQL),
 * migrate, and start the store threads (and the expiry sweeper). Blocking: main thread only. */
sy_status sy_store_open(const struct sy_config *cfg, struct sy_store **out, struct sy_diag *diag) SY_MUST_CHECK;
/* Schema version after migrations. */
int sy_store_schema_version(const struct sy_store *s);
/* "sqlite" or "postgres". */
const char *sy_store_kind(const struct sy_store *s);
/* This gateway instance's id ("inst_" + 16 hex digits, random, made at open): what it writes
 * as `instance` of the background runs it runs. */
const char *sy_store_instance(const struct sy_store *s);
/* Finish the queued jobs (their callbacks are not run), stop the threads, close. */
void sy_store_close(struct sy_store *s);

/* One item of a response's input or output, or of a conversation. `id` is the item's id (every
 * stored item has one); `json` its whole object text, which contains that id. */
struct sy_store_item {
    sy_slice id;
    sy_slice json;
};

enum sy_store_op {
    /* writes */
    SY_STORE_PUT_RESPONSE,      /* response + input/output items (+ append both to conversation_id),
                                   one transaction. Stored again under the same id and owner: the
                                   response and its items are replaced, but the conversation append
                                   happens again, so put a response with a conversation once. */
    SY_STORE_DELETE_RESPONSE,   /* id, owner → ENOTFOUND when unknown */
    SY_STORE_CREATE_CONVERSATION, /* id, owner, created_at, metadata, items (initial) */
    SY_STORE_UPDATE_CONVERSATION, /* id, owner, metadata → the conversation */
    SY_STORE_DELETE_CONVERSATION, /* id, owner (its items go with it) */
    SY_STORE_ADD_CONVERSATION_ITEMS, /* id, owner, items (appended in order) */
    SY_STORE_DELETE_CONVERSATION_ITEM, /* id, owner, item_id */
    /* reads */
    SY_STORE_GET_RESPONSE,      /* id, owner → response (+ status, previous_response_id, conversation_id) */
    SY_STORE_LIST_INPUT_ITEMS,  /* id, owner, page → items */
    SY_STORE_LOAD_CHAIN,        /* id, owner → items: input then output of every response of the
                                   previous_response_id chain ending at id, oldest first */
    SY_STORE_GET_CONVERSATION,  /* id, owner → conversation */
    SY_STORE_LIST_CONVERSATION_ITEMS, /* id, owner, page → items (limit 0: all, oldest first) */
    SY_STORE_GET_CONVERSATION_ITEM,   /* id, owner, item_id → items[0] */
    /* background runs (see "Background runs" below) */
    SY_STORE_UPDATE_RUN,        /* id, status, response (snapshot), lease_until, instance: the
                                   running instance's progress and lease (matched by id alone)
                                   → cancel_requested; ENOTFOUND when the response was deleted,
                                   expired, or is no longer queued / in_progress (the sweeper
                                   failed it: the run stops); ETOOBIG over store.max_response_bytes */
    SY_STORE_APPEND_EVENTS,     /* id, events (seq ascending, continuing the log; an event whose
                                   seq is already there is skipped, so a retry is harmless);
                                   ENOTFOUND when the response was deleted or expired */
    SY_STORE_READ_EVENTS,       /* id, owner, after_seq, page.limit (0: all) → events with
                                   seq > after_seq in order (has_more: more beyond the limit),
                                   + resp_status, background, response, error */
    SY_STORE_REQUEST_CANCEL,    /* id, owner: set cancel_requested unless the response is terminal
                                   → resp_status, background, response (as stored) */
    SY_STORE_COUNT_ACTIVE,      /* owner → active_owner, active_total (background responses
                                   queued / in_progress, unexpired, any instance; a run whose
                                   lease has passed no longer counts, even before the sweeper
                                   marked it failed) */
    /* maintenance */
    SY_STORE_SWEEP,             /* delete expired rows now (the sweeper also runs on its own) → swept;
                                   also fails stale background runs (see below) */
};

/* One event of a background response's event log: its sequence number and the whole SSE event
 * text ("event: …\ndata: …\n\n"). */
struct sy_store_event {
    int64_t  seq;
    sy_slice sse;
};

/* Pagination as the OpenAI list endpoints have it. An `after` id that is not in the list →
 * SY_ENOTFOUND. desc lists newest first; has_more says whether items remain beyond the page. */
struct sy_store_page {
    sy_slice after;     /* item id to start after; empty = from the start */
    uint32_t limit;     /* 1..100; 0 = no limit (internal use) */
    bool     desc;      /* order=desc */
};

/* What a job reads or writes. Everything is copied at submit: the caller's memory may go as
 * soon as sy_store_submit returns. */
struct sy_store_req {
    enum sy_store_op op;
    sy_slice id;                    /* response or conversation id */
    sy_slice owner;
    sy_slice item_id;               /* conversation item ops */
    struct sy_store_page page;
    /* PUT_RESPONSE */
    int64_t  created_at;            /* unix seconds (conversations too) */
    sy_slice status, model;
    sy_slice previous_response_id;  /* empty = none */
    sy_slice conversation_id;       /* empty = none */
    sy_slice response;              /* the Response object JSON, as returned */
    const struct sy_store_item *input;  size_t ninput;
    const struct sy_store_item *output; size_t noutput;
    /* conversations */
    sy_slice metadata;              /* JSON object text; empty = {} */
    const struct sy_store_item *items;  size_t nitems;
    /* background runs: PUT_RESPONSE (background true at create and in the final put), UPDATE_RUN */
    bool     background;
    int64_t  lease_until;           /* unix seconds; 0 = no lease (a finished run) */
    sy_slice instance;              /* id of the gateway instance running it */
    const struct sy_store_event *events; size_t nevents;  /* APPEND_EVENTS */
    int64_t  after_seq;             /* READ_EVENTS: -1 = from the start */
};

/* A finished job. Memory belongs to the result and is freed after the callback returns. */
struct sy_store_result {
    sy_status status;               /* SY_OK, SY_ENOTFOUND, SY_ETOOBIG (limits), SY_EINTERNAL
                                       (database trouble, e.g. the PostgreSQL connection was
                                       lost: the next job reconnects), SY_EINVAL (text with a
                                       NUL byte) */
    char      message[256];         /* on failure: what went wrong (no secrets) */
    /* GET_RESPONSE (absent ids are empty) */
    sy_slice  response;
    sy_slice  resp_status, previous_response_id, conversation_id;
    /* conversations: GET / CREATE / UPDATE, and also DELETE, ADD_ITEMS, DELETE_ITEM */
    sy_slice  conv_id, metadata;
    int64_t   created_at;           /* also GET_RESPONSE */
    /* item lists */
    struct sy_store_item *items;
    size_t    nitems;
    bool      has_more;
    /* SWEEP: responses + conversations deleted */
    uint64_t  swept;
    /* background runs */
    bool      background;           /* GET_RESPONSE, READ_EVENTS, REQUEST_CANCEL */
    bool      cancel_requested;     /* UPDATE_RUN */
    sy_slice  error;                /* GET/READ_EVENTS/REQUEST_CANCEL: the error object JSON the
                                       sweeper recorded for a stale run (empty otherwise) */
    struct sy_store_event *events;  /* READ_EVENTS */
    size_t    nevents;
    uint64_t  active_owner, active_total; /* COUNT_ACTIVE */
};

typedef void (*sy_store_done_fn)(const struct sy_store_result *r, void *ctx);

/* Queue a job; `done` runs on `base` (the caller's worker loop; libevent threading must be on:
 * evthread_use_pthreads() before the base was made) when it has finished. Returns
 * a handle for sy_store_detach, or NULL when the store refused the job (queue full / closing):
 * then `done` never runs. Thread-safe. */
struct sy_store_job *sy_store_submit(struct sy_store *s, struct event_base *base, const struct sy_store_req *req,
                                     sy_store_done_fn done, void *ctx);
/* The submitter no longer wants the result (call on the submitting loop, before `done` ran). */
void sy_store_detach(struct sy_store_job *job);

/* Background runs. A background response is PUT at create (status "queued", background true,
 * a lease) and PUT again when it ends (final object, items, lease 0). While it runs, the
 * instance running it calls UPDATE_RUN at least every lease_s/3 seconds (snapshot + new lease)
 * and APPEND_EVENTS with every SSE event it produced (the event log that makes resume work).
 * A run whose lease has passed while its status is still queued / in_progress belongs to an
 * instance that died: the sweeper (every sweep_interval_s) sets its status "failed" and
 * records error {"code":"server_error","message":"The gateway instance running this response
 * stopped before it finished."}; GET / READ_EVENTS / REQUEST_CANCEL then report resp_status
 * "failed" and that error (the response JSON itself still holds the last snapshot; the API
 * patches it). Event logs expire and are deleted with their response. With `redis.url`
 * configured, the event log and the cancel flag live in Redis (shared by all instances; the
 * cancel flag is also kept in SQL; layout in src/store/redis.h), the rest in the SQL store;
 * a job that cannot reach Redis fails with SY_EINTERNAL. A re-PUT keeps a cancel request and
 * the event log; `error` is cleared by it (the PUT carries the truth). */

/* Limits (from the config's store section): largest stored response (response + items,
 * bytes), longest previous_response_id chain loaded, items per conversation. Over a limit, the
 * job fails with SY_ETOOBIG and a message naming the config key. Rows expire store.ttl_s after
 * created_at (conversations: after their last change); reads never see expired rows. */
struct sy_store_limits {
    size_t   max_response_bytes;
    uint32_t max_chain;
    uint32_t max_conversation_items;
};

#endif
