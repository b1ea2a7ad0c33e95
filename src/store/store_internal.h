/* The store's job queue and threads (internal to src/store): store.c owns the public API, jobs
 * and completion; store_threads.c runs the jobs and the expiry sweeper on the store threads. */
#ifndef SY_STORE_STORE_INTERNAL_H
#define SY_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "core/arena.h"
#include "store/driver.h"
#include "store/store.h"

#define SY_STORE_QUEUE_MAX 4096

struct event;

/* One job: a single malloc'd block holding this struct, the completion event and copies of
 * everything the request pointed to. */
struct sy_store_job {
    struct sy_store *s;
    struct sy_store_job *next;      /* queue link */
    sy_store_done_fn done;
    void *ctx;
    bool detached;                  /* under s->mu: the store thread frees it when it finishes */
    bool completed;                 /* under s->mu: result ready, event activated */
    bool has_nul;                   /* some text holds a NUL byte (PostgreSQL cannot store it) */
    struct event *ev;               /* in the block (event_assign), on the submitter's base */
    struct sy_arena *arena;         /* result memory, made by the store thread */
    struct sy_store_req req;        /* slices into the block, each NUL-terminated */
    struct sy_store_result res;
};

struct sy_store_queue {
    struct sy_store_job *head, *tail;
    pthread_cond_t cv;
};

struct sy_store_thread {
    struct sy_store *s;
    pthread_t tid;
    bool started;
    struct sy_db *db;
    struct sy_redis *redis;         /* NULL without redis.url */
    struct sy_store_queue *q;       /* the queue it takes jobs from */
    unsigned batch;                 /* writes grouped per transaction */
    bool sweeper;                   /* runs the periodic expiry sweep */
};

struct sy_store {
    const struct sy_backend *be;
    int version;
    struct sy_store_limits lim;
    int64_t ttl_s;
    uint32_t sweep_interval_s;
    char instance[32];              /* "inst_" + 16 hex digits */
    pthread_mutex_t mu;
    struct sy_store_queue writes, reads; /* one queue (writes) unless the backend splits reads */
    size_t queued;
    bool closing;
    struct sy_store_thread *threads;
    unsigned nthreads;
};

/* Store thread body (store_threads.c). */
void *sy_store_thread_main(void *arg);
/* Called by a store thread, under s->mu, when a job has its result: wake the submitter, or free
 * the job when nobody waits for it (detached, or the store is closing). */
void sy_store_job_finished(struct sy_store_job *job);
void sy_store_job_free(struct sy_store_job *job);

#endif
