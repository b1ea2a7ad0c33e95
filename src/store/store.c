/* The store's public side: open/close, job submission (the request is copied into one block),
 * completion back on the submitter's event_base, and detach. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/xmalloc.h"
#include "store/redis.h"
#include "store/sql_ops.h"
#include "store/store_internal.h"

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

/* ---- copying a request into the job block ------------------------------------------------- */

struct copier {
    char *text;          /* where the next text goes */
    bool has_nul;
};

static size_t items_text(const struct sy_store_item *it, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += it[i].id.len + 1 + it[i].json.len + 1;
    return t;
}

static size_t req_text(const struct sy_store_req *r)
{
    const sy_slice *s[] = { &r->id, &r->owner, &r->item_id, &r->page.after, &r->status, &r->model,
                            &r->previous_response_id, &r->conversation_id, &r->response, &r->metadata,
                            &r->instance };
    size_t t = 0;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        t += s[i]->len + 1;
    for (size_t i = 0; i < r->nevents; i++)
        t += r->events[i].sse.len + 1;
    return t + items_text(r->input, r->ninput) + items_text(r->output, r->noutput) + items_text(r->items, r->nitems);
}

static void copy_slice(struct copier *c, sy_slice *s)
{
    if (s->len)
        memcpy(c->text, s->ptr, s->len);
    c->text[s->len] = '\0';
    c->has_nul = c->has_nul || (s->len && memchr(s->ptr, '\0', s->len));
    s->ptr = c->text;
    c->text += s->len + 1;
}

static const struct sy_store_item *copy_items(struct copier *c, struct sy_store_item *dst,
                                              const struct sy_store_item *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
        copy_slice(c, &dst[i].id);
        copy_slice(c, &dst[i].json);
    }
    return dst;
}

static const struct sy_store_event *copy_events(struct copier *c, struct sy_store_event *dst,
                                                const struct sy_store_event *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
        copy_slice(c, &dst[i].sse);
    }
    return dst;
}

static struct sy_store_job *job_new(const struct sy_store_req *req)
{
    size_t evsize = ALIGN16(event_get_struct_event_size());
    size_t nitems = req->ninput + req->noutput + req->nitems;
    size_t head = ALIGN16(sizeof(struct sy_store_job));
    size_t item_bytes = ALIGN16(nitems * sizeof(struct sy_store_item));
    size_t arrays = item_bytes + ALIGN16(req->nevents * sizeof(struct sy_store_event));
    char *block = sy_xmalloc(head + evsize + arrays + req_text(req));
    struct sy_store_job *job = (struct sy_store_job *)block;
    memset(job, 0, sizeof *job);
    job->ev = (struct event *)(block + head);
    struct sy_store_item *items = (struct sy_store_item *)(block + head + evsize);
    struct copier c = { .text = block + head + evsize + arrays };
    struct sy_store_req *r = &job->req;
    *r = *req;
    sy_slice *s[] = { &r->id, &r->owner, &r->item_id, &r->page.after, &r->status, &r->model,
                      &r->previous_response_id, &r->conversation_id, &r->response, &r->metadata,
                      &r->instance };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        copy_slice(&c, s[i]);
    r->input = copy_items(&c, items, req->input, req->ninput);
    r->output = copy_items(&c, items + req->ninput, req->output, req->noutput);
    r->items = copy_items(&c, items + req->ninput + req->noutput, req->items, req->nitems);
    r->events = copy_events(&c, (struct sy_store_event *)(block + head + evsize + item_bytes), req->events,
                            req->nevents);
    job->has_nul = c.has_nul;
    return job;
}

void sy_store_job_free(struct sy_store_job *job)
{
    sy_arena_free(job->arena);
    free(job);
}

/* ---- completion ---------------------------------------------------------------------------- */

/* On the submitter's loop. A detached job never gets here: detach removes the event. */
static void on_job_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct sy_store_job *job = arg;
    job->done(&job->res, job->ctx);
    sy_store_job_free(job);
}

void sy_store_job_finished(struct sy_store_job *job)
{
    if (job->detached || job->s->closing) {
        sy_store_job_free(job);
        return;
    }
    job->completed = true;
    event_active(job->ev, 0, 0);
}

struct sy_store_job *sy_store_submit(struct sy_store *s, struct event_base *base, const struct sy_store_req *req,
                                     sy_store_done_fn done, void *ctx)
{
    if (!s || !base || !req || !done)
        return NULL;
    struct sy_store_job *job = job_new(req);
    job->s = s;
    job->done = done;
    job->ctx = ctx;
    if (event_assign(job->ev, base, -1, 0, on_job_done, job) != 0) {
        sy_store_job_free(job);
        return NULL;
    }
    struct sy_store_queue *q = s->be->split_reads && !sy_sql_is_write(req->op) ? &s->reads : &s->writes;
    pthread_mutex_lock(&s->mu);
    bool ok = !s->closing && s->queued < SY_STORE_QUEUE_MAX;
    if (ok) {
        if (q->tail)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        s->queued++;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        sy_store_job_free(job);
        return NULL;
    }
    return job;
}

void sy_store_detach(struct sy_store_job *job)
{
    if (!job)
        return;
    struct sy_store *s = job->s;
    pthread_mutex_lock(&s->mu);
    bool completed = job->completed;
    job->detached = true;
    pthread_mutex_unlock(&s->mu);
    if (completed) { /* the event is active on this (the caller's) loop: take it back */
        event_del(job->ev);
        sy_store_job_free(job);
    }
}

/* ---- open / close -------------------------------------------------------------------------- */

/* Each store thread's Redis connection, made now so that a wrong URL fails the start. */
static sy_status connect_redis(struct sy_store_thread *t, const struct sy_redis_cfg *rc, struct sy_diag *diag)
{
    t->redis = sy_redis_new(rc);
    if (sy_redis_connect(t->redis))
        return SY_OK;
    return sy_diag_fail(diag, SY_EINTERNAL, NULL, "redis: %s", sy_redis_err(t->redis));
}

static sy_status connect_all(struct sy_store *s, const struct sy_config *config, struct sy_diag *diag)
{
    const struct sy_store_cfg *cfg = &config->store;
    for (unsigned i = 0; i < s->nthreads; i++) {
        struct sy_store_thread *t = &s->threads[i];
        if (s->be->connect(cfg, i == 0, &t->db, diag) != SY_OK)
            return SY_EINTERNAL;
        if (config->redis.url && connect_redis(t, &config->redis, diag) != SY_OK)
            return SY_EINTERNAL;
        if (i == 0 && s->be->migrate(t->db, &s->version, diag) != SY_OK)
            return SY_EINTERNAL;
        t->s = s;
        bool writer = !s->be->split_reads || i == 0;
        t->q = writer ? &s->writes : &s->reads;
        t->batch = writer ? s->be->write_batch : 1;
        t->sweeper = i == 0;
    }
    return SY_OK;
}

/* Store threads take no signals: main waits for them with sigwait. */
static sy_status start_threads(struct sy_store *s, struct sy_diag *diag)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    sy_status rc = SY_OK;
    for (unsigned i = 0; i < s->nthreads && rc == SY_OK; i++) {
        if (pthread_create(&s->threads[i].tid, NULL, sy_store_thread_main, &s->threads[i]) == 0)
            s->threads[i].started = true;
        else
            rc = sy_diag_fail(diag, SY_EINTERNAL, NULL, "store: cannot start a thread");
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void queue_init(struct sy_store_queue *q)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &attr);
    pthread_condattr_destroy(&attr);
}

/* "inst_" + 16 random hex digits. */
static void make_instance_id(char *out, size_t n)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) { /* no entropy source: time and address */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)out;
    }
    snprintf(out, n, "inst_%016llx", (unsigned long long)v);
}

static struct sy_store *store_new(const struct sy_store_cfg *cfg, const struct sy_backend *be)
{
    struct sy_store *s = sy_xcalloc(1, sizeof *s);
    s->be = be;
    s->lim = (struct sy_store_limits){ .max_response_bytes = cfg->max_response_bytes,
                                       .max_chain = cfg->max_chain,
                                       .max_conversation_items = cfg->max_conversation_items };
    s->ttl_s = cfg->ttl_s;
    s->sweep_interval_s = cfg->sweep_interval_s ? cfg->sweep_interval_s : 60;
    make_instance_id(s->instance, sizeof s->instance);
    pthread_mutex_init(&s->mu, NULL);
    queue_init(&s->writes);
    queue_init(&s->reads);
    s->nthreads = be->nthreads;
    s->threads = sy_xcalloc(s->nthreads, sizeof *s->threads);
    return s;
}

sy_status sy_store_open(const struct sy_config *cfg, struct sy_store **out, struct sy_diag *diag)
{
    *out = NULL;
    const struct sy_store_cfg *sc = &cfg->store;
    const struct sy_backend *be = sc->kind == SY_STORE_SQLITE     ? &sy_backend_sqlite
                                  : sc->kind == SY_STORE_POSTGRES ? &sy_backend_postgres
                                                                  : NULL;
    if (!be)
        return sy_diag_fail(diag, SY_EINVAL, NULL,
                            "store kind 'memory' is not available in this version (use sqlite or postgres)");
    if (!(be == &sy_backend_sqlite ? sc->path : sc->url))
        return sy_diag_fail(diag, SY_EINVAL, NULL, "store: no %s configured",
                            be == &sy_backend_sqlite ? "path" : "url");
    struct sy_store *s = store_new(sc, be);
    if (connect_all(s, cfg, diag) != SY_OK || start_threads(s, diag) != SY_OK) {
        sy_store_close(s);
        return SY_EINTERNAL;
    }
    *out = s;
    return SY_OK;
}

int sy_store_schema_version(const struct sy_store *s) { return s->version; }

const char *sy_store_kind(const struct sy_store *s) { return s->be->kind; }

const char *sy_store_instance(const struct sy_store *s) { return s->instance; }

void sy_store_close(struct sy_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_broadcast(&s->writes.cv);
    pthread_cond_broadcast(&s->reads.cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->nthreads; i++) {
        if (s->threads[i].started)
            pthread_join(s->threads[i].tid, NULL);
        if (s->threads[i].db)
            s->threads[i].db->ops->close(s->threads[i].db);
        sy_redis_free(s->threads[i].redis);
    }
    free(s->threads);
    pthread_cond_destroy(&s->writes.cv);
    pthread_cond_destroy(&s->reads.cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
