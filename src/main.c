/* switchyard: wiring only. Parse the command line, load the config, open the store, start one
 * worker thread per configured worker (each: event loop + HTTP server + upstream client), then
 * wait for signals: SIGTERM/SIGINT drain and exit, SIGHUP is logged (restart to reload). */
#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/background.h"
#include "config/config.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "http/http.h"
#include "store/store.h"
#include "upstream/client.h"

struct worker_thread {
    struct sy_worker w;
    pthread_t        tid;
    struct event    *drain_ev;     /* activated from the main thread to start draining */
    struct event    *deadline_ev;  /* drain deadline: stop even with streams still open */
    uint32_t         drain_ms;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: switchyard [--config FILE] [--listen HOST:PORT]\n"
            "       switchyard --check-config FILE\n"
            "       switchyard --help | --version\n"
            "\n"
            "An LLM API gateway: OpenAI Chat Completions and Responses clients in front of any model.\n"
            "\n"
            "  -c, --config FILE        YAML configuration (see docs/config.md)\n"
            "  -l, --listen HOST:PORT   listen address (overrides server.listen; default 127.0.0.1:8080)\n"
            "      --check-config FILE  validate FILE, print every problem as FILE:LINE:COL: message\n"
            "  -h, --help               this text\n"
            "  -V, --version            print the version\n"
            "\n"
            "Without --config the environment configures one upstream: SWITCHYARD_UPSTREAM_URL (or\n"
            "OPENAI_BASE_URL), SWITCHYARD_UPSTREAM_API=chat|responses, OPENAI_API_KEY,\n"
            "SWITCHYARD_DATA_DIR (default ./data), SWITCHYARD_API_KEYS (comma-separated gateway keys).\n");
}

static void print_errors(const struct sy_diag_list *errs)
{
    for (unsigned i = 0; i < errs->count; i++) {
        const struct sy_diag *d = &errs->items[i];
        if (d->file)
            fprintf(stderr, "%s:%d:%d: %s\n", d->file, d->line, d->col, d->message);
        else
            fprintf(stderr, "switchyard: %s\n", d->message);
    }
}

static int check_config(const char *path)
{
    struct sy_config *cfg = NULL;
    struct sy_diag_list errs;
    sy_diag_list_init(&errs);
    sy_status st = sy_config_load(path, &cfg, &errs);
    print_errors(&errs);
    sy_diag_list_free(&errs);
    if (st != SY_OK)
        return 1;
    printf("%s: ok\n", path);
    sy_config_free(cfg);
    return 0;
}

static void worker_stop(struct sy_worker *w)
{
    event_base_loopexit(w->base, NULL);
}

/* A draining worker stops once no exchange is open and every reply has reached its socket. */
static void drain_check(struct sy_worker *w)
{
    if (w->draining && w->open == 0 && sy_http_server_unflushed(w->http) == 0)
        worker_stop(w);
}

static void on_all_flushed(void *ctx)
{
    drain_check(ctx);
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
    struct worker_thread *t = arg;
    (void)fd;
    (void)what;
    t->w.draining = true;
    sy_http_server_stop_accepting(t->w.http);
    drain_check(&t->w);
    struct timeval tv = { t->drain_ms / 1000, (t->drain_ms % 1000) * 1000 };
    evtimer_add(t->deadline_ev, &tv);
}

static void on_drain_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct worker_thread *t = arg;
    (void)fd;
    (void)what;
    sy_warn("worker %u: drain deadline reached with %u request(s) still open; closing them", t->w.id, t->w.open);
    worker_stop(&t->w);
}

static void *worker_main(void *arg)
{
    struct worker_thread *t = arg;
    event_base_loop(t->w.base, EVLOOP_NO_EXIT_ON_EMPTY);
    /* freeing the server closes every connection; exchanges still open finish through their
     * close callbacks, which cancel their upstream transfers before the client goes */
    sy_http_server_free(t->w.http);
    sy_bg_worker_exit(&t->w); /* background runs still going: abandoned (their leases run out) */
    sy_upstream_free(t->w.up);
    event_free(t->drain_ev);
    event_free(t->deadline_ev);
    event_base_free(t->w.base);
    return NULL;
}

static int start_worker(struct worker_thread *t, unsigned id, const struct sy_config *cfg, struct sy_store *store,
                        uint16_t port)
{
    struct event_config *ec = event_config_new();
    event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
    t->w.base = event_base_new_with_config(ec);
    event_config_free(ec);
    t->w.id = id;
    t->w.cfg = cfg;
    t->w.store = store;
    t->drain_ms = cfg->server.drain_ms;
    sy_worker_init(&t->w);
    t->w.up = sy_upstream_new(t->w.base);
    struct sy_http_server_opts o = {
        .host = cfg->server.host,
        .port = port,
        .reuse_fd = -1,
        .max_body_bytes = cfg->server.max_body_bytes,
        .max_header_bytes = 64 * 1024,
        .request_timeout_ms = cfg->server.request_timeout_ms,
    };
    char err[256];
    t->w.http = sy_http_server_new(t->w.base, &o, sy_api_handle, &t->w, err, sizeof err);
    if (!t->w.http) {
        sy_error("%s", err);
        return -1;
    }
    sy_http_server_on_flushed(t->w.http, on_all_flushed, &t->w);
    t->drain_ev = event_new(t->w.base, -1, 0, on_drain, t);
    t->deadline_ev = evtimer_new(t->w.base, on_drain_deadline, t);
    return 0;
}

static void drain_idle(struct sy_worker *w)
{
    drain_check(w);
}

/* Block the signals we handle in every thread; the main thread takes them with sigwait. */
static void block_signals(sigset_t *set)
{
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int serve(struct sy_config *cfg)
{
    struct sy_store *store = NULL;
    struct sy_diag diag;
    sy_diag_clear(&diag);
    if (sy_store_open(cfg, &store, &diag) != SY_OK) {
        sy_error("%s", diag.message);
        return 1;
    }
    sigset_t set;
    block_signals(&set);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    evthread_use_pthreads();
    sy_api_on_idle = drain_idle;

    unsigned n = cfg->server.workers;
    struct worker_thread *ts = sy_xcalloc(n, sizeof *ts);
    uint16_t port = cfg->server.port;
    unsigned started = 0;
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        if (start_worker(&ts[i], i, cfg, store, port) != 0) {
            rc = 1;
            break;
        }
        port = sy_http_server_port(ts[i].w.http); /* siblings share the (maybe ephemeral) port */
        started++;
    }
    if (rc == 0) {
        for (unsigned i = 0; i < n; i++)
            pthread_create(&ts[i].tid, NULL, worker_main, &ts[i]);
        sy_api_set_ready(true);
        /* the postgres URL may hold a password: name the kind only */
        sy_info("switchyard %s listening on http://%s:%u (%u workers, store %s%s%s schema v%d)", SY_VERSION,
                cfg->server.host, (unsigned)port, n, sy_store_kind(store), cfg->store.path ? " " : "",
                cfg->store.path ? cfg->store.path : "", sy_store_schema_version(store));
        for (;;) {
            int sig = 0;
            sigwait(&set, &sig);
            if (sig == SIGHUP) {
                sy_warn("SIGHUP: configuration reload is not supported; restart the gateway to apply changes");
                continue;
            }
            sy_info("signal %d: draining (up to %u ms), then exiting", sig, cfg->server.drain_ms);
            break;
        }
        sy_api_set_ready(false);
        for (unsigned i = 0; i < n; i++)
            event_active(ts[i].drain_ev, 0, 0);
        for (unsigned i = 0; i < n; i++)
            pthread_join(ts[i].tid, NULL);
    } else {
        for (unsigned i = 0; i < started; i++) {
            sy_http_server_free(ts[i].w.http);
            sy_upstream_free(ts[i].w.up);
            event_free(ts[i].drain_ev);
            event_free(ts[i].deadline_ev);
            event_base_free(ts[i].w.base);
        }
    }
    free(ts);
    sy_store_close(store);
    curl_global_cleanup();
    if (rc == 0)
        sy_info("stopped");
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "listen", required_argument, NULL, 'l' },
        { "check-config", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *config_path = NULL, *listen = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:l:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config_path = optarg; break;
        case 'l': listen = optarg; break;
        case 'k': return check_config(optarg);
        case 'h': usage(stdout); return 0;
        case 'V': printf("switchyard %s\n", SY_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "switchyard: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    struct sy_config *cfg = NULL;
    struct sy_diag_list errs;
    sy_diag_list_init(&errs);
    sy_status st = sy_config_load(config_path, &cfg, &errs);
    print_errors(&errs);
    sy_diag_list_free(&errs);
    if (st != SY_OK)
        return 1;
    if (listen) {
        struct sy_diag d;
        sy_diag_clear(&d);
        if (sy_config_set_listen(cfg, listen, &d) != SY_OK) {
            fprintf(stderr, "switchyard: --listen: %s\n", d.message);
            sy_config_free(cfg);
            return 2;
        }
    }
    int rc = serve(cfg);
    sy_config_free(cfg);
    return rc;
}
