/* Store threads: take jobs from a queue (writes grouped into one transaction where the backend
 * wants it), run them over the thread's own connection, hand the results back; the sweeper
 * thread also deletes expired rows every sweep_interval_s. */
#include <errno.h>
#include <time.h>

#include "core/log.h"
#include "store/sql_ops.h"
#include "store/store_internal.h"

#define MAX_BATCH 64

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* Under s->mu: up to t->batch jobs — consecutive writes, or one read, or one SWEEP. A detached
 * read is marked to be skipped (nobody wants it); a detached write still runs. */
static size_t take(struct sy_store_thread *t, struct sy_store_job **jobs, bool *skip)
{
    struct sy_store_queue *q = t->q;
    size_t n = 0, max = t->batch < MAX_BATCH ? t->batch : MAX_BATCH;
    while (q->head && n < max) {
        struct sy_store_job *j = q->head;
        bool alone = j->req.op == SY_STORE_SWEEP || !sy_sql_is_write(j->req.op);
        if (n > 0 && alone)
            break;
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        j->next = NULL;
        t->s->queued--;
        skip[n] = j->detached && !sy_sql_is_write(j->req.op);
        jobs[n++] = j;
        if (alone)
            break;
    }
    return n;
}

static void op_init(struct sy_store_thread *t, struct sy_sql_op *o, struct sy_store_job *job, int64_t now)
{
    sy_arena_free(job->arena);
    job->arena = sy_arena_new(4096);
    job->res = (struct sy_store_result){ .status = SY_OK };
    *o = (struct sy_sql_op){ .db = t->db, .rq = &job->req, .res = &job->res, .a = job->arena,
                             .lim = &t->s->lim, .now = now, .ttl_s = t->s->ttl_s, .rd = t->redis };
}

/* A read that met a broken connection runs once more when the connection came back. */
static void retry_read(struct sy_store_thread *t, struct sy_sql_op *o, struct sy_store_job *job, unsigned resets)
{
    if (sy_sql_is_write(job->req.op) || job->res.status != SY_EINTERNAL)
        return;
    if (!t->db->ops->ready(t->db) || t->db->resets == resets)
        return;
    op_init(t, o, job, o->now);
    sy_sql_run_group(t->db, &o, 1);
}

static void run_jobs(struct sy_store_thread *t, struct sy_store_job **jobs, const bool *skip, size_t n)
{
    struct sy_sql_op ops[MAX_BATCH], *run[MAX_BATCH];
    size_t nrun = 0, last = 0;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        op_init(t, &ops[i], jobs[i], now);
        if (skip[i])
            continue;
        if (jobs[i]->has_nul) {
            sy_sql_fail(&ops[i], SY_EINVAL, "store: text with a NUL byte cannot be stored");
            continue;
        }
        run[nrun++] = &ops[i];
        last = i;
    }
    if (nrun == 0)
        return;
    struct sy_db *db = t->db;
    if (!db->ops->ready(db)) {
        for (size_t i = 0; i < nrun; i++)
            sy_sql_fail(run[i], SY_EINTERNAL, "%s store unavailable: %s", db->kind, db->err);
        return;
    }
    unsigned resets = db->resets;
    sy_sql_run_group(db, run, nrun);
    if (nrun == 1)
        retry_read(t, run[0], jobs[last], resets);
}

static void sweep(struct sy_store_thread *t)
{
    struct sy_store_req rq = { .op = SY_STORE_SWEEP };
    struct sy_store_result res = { .status = SY_OK };
    struct sy_arena *a = sy_arena_new(4096);
    struct sy_sql_op o = { .db = t->db, .rq = &rq, .res = &res, .a = a, .lim = &t->s->lim,
                           .now = (int64_t)time(NULL), .ttl_s = t->s->ttl_s };
    struct sy_sql_op *p = &o;
    if (t->db->ops->ready(t->db))
        sy_sql_run_group(t->db, &p, 1);
    else
        sy_sql_fail(&o, SY_EINTERNAL, "%s store unavailable: %s", t->db->kind, t->db->err);
    if (res.status != SY_OK)
        sy_warn("store: expiry sweep failed: %s", res.message);
    else if (res.swept)
        sy_debug("store: expiry sweep deleted %llu responses and conversations", (unsigned long long)res.swept);
    sy_arena_free(a);
}

/* Under s->mu: sleep until a job arrives (or, for the sweeper, until the next sweep is due). */
static void wait_for_work(struct sy_store_thread *t, int64_t next_sweep)
{
    if (!t->sweeper) {
        pthread_cond_wait(&t->q->cv, &t->s->mu);
        return;
    }
    struct timespec until = { .tv_sec = (time_t)next_sweep, .tv_nsec = 0 };
    int rc = pthread_cond_timedwait(&t->q->cv, &t->s->mu, &until);
    (void)rc; /* ETIMEDOUT or a wake-up: the loop looks again either way */
}

void *sy_store_thread_main(void *arg)
{
    struct sy_store_thread *t = arg;
    struct sy_store *s = t->s;
    struct sy_store_job *jobs[MAX_BATCH];
    bool skip[MAX_BATCH];
    int64_t next_sweep = mono_s() + s->sweep_interval_s;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (t->sweeper && !s->closing && mono_s() >= next_sweep) {
            pthread_mutex_unlock(&s->mu);
            sweep(t);
            next_sweep = mono_s() + s->sweep_interval_s;
            pthread_mutex_lock(&s->mu);
            continue;
        }
        size_t n = take(t, jobs, skip);
        if (n == 0) {
            if (s->closing)
                break;
            wait_for_work(t, next_sweep);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        run_jobs(t, jobs, skip, n);
        pthread_mutex_lock(&s->mu);
        for (size_t i = 0; i < n; i++)
            sy_store_job_finished(jobs[i]);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}
