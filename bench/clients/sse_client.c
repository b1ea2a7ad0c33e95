/* sse_client: SSE load generator and meter for the benchmarks (plain epoll, one thread).
 *
 * Runs streams over C keep-alive connections (POST, body from a file) and prints one JSON line:
 * streams, errors, events, short streams (events != -e), time to first event (TTFE), gaps between
 * consecutive events of a stream, total stream time, stalls (gaps above -s). Times are taken per
 * read(): events that arrive in one read share its timestamp.
 *
 * usage: sse_client -p PORT -b BODYFILE [-a HOST] [-u PATH] [-c CONNS] (-n STREAMS | -d SECONDS)
 *                   [-e EXPECTED_EVENTS] [-s STALL_MS] [-r RAMP_MS] [-T TIMEOUT_S] [-H "Name: value"] [-k]
 *                   [(-R | -C) [-E EXPECTED_DELTAS]]
 *   -e  expected SSE events (data: frames, [DONE] included) per stream; others count as short
 *   -r  spread the connections' first streams evenly over RAMP_MS (paced streams of equal length
 *       would otherwise start, and stay, in lockstep)
 *   -k  hold: one stream per connection; print {"ready":N} once every stream has its first
 *       event, then keep reading until the streams end or SIGTERM/SIGINT (then report).
 *   -R  Responses mode: classify each event by the start of its first data line
 *       ({"type":"response.output_text.delta"..., {"type":"response.completed"..., [DONE]).
 *       Reports "deltas" (output_text.delta events), "bad_tail" (finished streams whose last two
 *       events are not response.completed then [DONE]), "short_deltas" (streams whose delta count
 *       is not -E), the time to the first delta (ttfd), the time to response.completed (ttc:
 *       request sent -> the read that completed that event) and the tail (last output_text.delta
 *       -> response.completed, the same stream; what a gateway adds at the end shows here).
 *   -C  chat mode: the same for chat.completion.chunk streams, classified by their first data line
 *       (up to 1 KB): a "delta" is a chunk with a non-empty "content" string, the end must be the
 *       usage chunk ("usage":{...}, stream_options.include_usage) then [DONE].
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { K_NONE, K_OTHER, K_DELTA, K_COMPLETED, K_DONE }; /* -R event kinds */
enum { HDR, CH_SIZE, CH_DATA, CH_CRLF, CH_TRAILER, RAW, DONE };

struct conn {
	int fd, state, connected;
	char hdr[16384];
	size_t hlen, woff;
	long long left;	      /* bytes left: chunk data, or content-length body; -1 = until close */
	int aux;	      /* chunk-size extension seen / trailer line length */
	int keepalive, status;
	/* SSE scanner */
	int col, data_line, event_has_data;
	char dl[1024];	      /* -R/-C: the start of the current data line (after "data:" and a space) */
	int dl_len, kind, last_kind, prev_kind, deltas;
	/* per stream */
	double t_send, t_first, t_prev, t_delta; /* t_delta: the last output_text.delta (-R) */
	int events;
};

struct vec { float *v; size_t n, cap; };

static struct {
	const char *host, *path;
	int port, conns, hold;
	long max_streams, expected, expected_deltas;
	int responses, chat; /* -R, -C: classify events */
	double duration, timeout, stall_us, ramp_us;
	char *req;
	size_t req_len;
} cfg = { .host = "127.0.0.1", .path = "/v1/chat/completions", .conns = 1, .timeout = 0 };

static struct {
	long started, done, errors, shorts, events, stalls, first_seen;
	long deltas, bad_tail, short_deltas;
	struct vec ttfe, gap, total, ttfd, ttc, tail;
} st;

static int ep;
static volatile sig_atomic_t stop_flag;
static double t_start, deadline;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void push(struct vec *v, double x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4096;
		v->v = realloc(v->v, v->cap * sizeof *v->v);
		if (!v->v) { perror("realloc"); exit(1); }
	}
	v->v[v->n++] = (float)x;
}

static int cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static double pct(struct vec *v, double p) /* v sorted; nearest rank */
{
	if (!v->n) return -1;
	size_t i = (size_t)(p / 100.0 * v->n);
	return v->v[i >= v->n ? v->n - 1 : i];
}

/* ---- connection lifecycle ---- */

static void on_writable(struct conn *c);

static int want_more(void)
{
	if (stop_flag) return 0;
	if (cfg.hold || cfg.max_streams) return st.started < cfg.max_streams;
	return now_us() < deadline;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0) close(c->fd); /* also removes it from epoll */
	c->fd = -1;
	c->connected = 0;
}

static void stream_begin(struct conn *c)
{
	st.started++;
	c->state = HDR;
	c->hlen = c->woff = 0;
	c->col = c->data_line = c->event_has_data = 0;
	c->events = 0;
	c->dl_len = c->deltas = 0;
	c->kind = c->last_kind = c->prev_kind = K_NONE;
	c->t_send = now_us();
	c->t_first = c->t_prev = 0;
}

static int conn_open(struct conn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port) };
	inet_pton(AF_INET, cfg.host, &sa.sin_addr);
	int one = 1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) { perror("socket"); return -1; }
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		conn_close(c);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

/* Start the next stream on c (reconnecting if needed), or leave c idle. */
static void conn_next(struct conn *c)
{
	if (!want_more()) {
		conn_close(c);
		c->state = DONE;
		return;
	}
	if (c->fd < 0 && conn_open(c) < 0) {
		st.started++, st.errors++;
		c->state = DONE;
		return;
	}
	stream_begin(c);
	if (c->connected) on_writable(c); /* keep-alive: send at once */
}

static void stream_end(struct conn *c, int ok)
{
	double t = now_us();
	st.done++;
	if (c->t_first) st.first_seen--; /* "ready" counts streams that are open now */
	if (!ok) st.errors++;
	else {
		push(&st.total, t - c->t_send);
		if (cfg.expected && c->events != cfg.expected) st.shorts++;
		int classified = cfg.responses || cfg.chat;
		if (classified && (c->prev_kind != K_COMPLETED || c->last_kind != K_DONE)) st.bad_tail++;
		if (classified && cfg.expected_deltas && c->deltas != cfg.expected_deltas) st.short_deltas++;
	}
	if (!ok || !c->keepalive) conn_close(c);
	conn_next(c);
}

/* ---- response parsing ---- */

static void on_event(struct conn *c, double t)
{
	c->events++;
	st.events++;
	if (!c->t_first) {
		c->t_first = t;
		st.first_seen++;
		push(&st.ttfe, t - c->t_send);
	} else {
		double g = t - c->t_prev;
		push(&st.gap, g);
		if (cfg.stall_us > 0 && g > cfg.stall_us) st.stalls++;
	}
	c->t_prev = t;
	if (cfg.responses || cfg.chat) {
		if (c->kind == K_DELTA && c->deltas++ == 0) push(&st.ttfd, t - c->t_send);
		if (c->kind == K_DELTA) c->t_delta = t;
		if (cfg.responses && c->kind == K_COMPLETED) {
			push(&st.ttc, t - c->t_send);
			if (c->deltas) push(&st.tail, t - c->t_delta);
		}
		st.deltas += c->kind == K_DELTA;
		c->prev_kind = c->last_kind;
		c->last_kind = c->kind;
	}
}

/* -R: the kind of an event from the start of its first data line. */
static int classify(const char *p, int n)
{
	static const char type[] = "{\"type\":\"response.";
	const int tl = sizeof type - 1;
	if (n >= 6 && memcmp(p, "[DONE]", 6) == 0) return K_DONE;
	if (n < tl || memcmp(p, type, (size_t)tl) != 0) return K_OTHER;
	p += tl, n -= tl;
	if (n >= 18 && memcmp(p, "output_text.delta\"", 18) == 0) return K_DELTA;
	if (n >= 10 && memcmp(p, "completed\"", 10) == 0) return K_COMPLETED;
	return K_OTHER;
}

/* -C: a chat chunk's kind; K_COMPLETED stands for the usage chunk (the last before [DONE]). */
static int classify_chat(const char *p, int n)
{
	static const char content[] = "\"content\":\"", usage[] = "\"usage\":{";
	if (n >= 6 && memcmp(p, "[DONE]", 6) == 0) return K_DONE;
	if (memmem(p, (size_t)n, usage, sizeof usage - 1)) return K_COMPLETED;
	const char *q = memmem(p, (size_t)n, content, sizeof content - 1);
	if (q && q + sizeof content - 1 < p + n && q[sizeof content - 1] != '"') return K_DELTA;
	return K_OTHER;
}

static void sse_feed(struct conn *c, const char *p, size_t n, double t)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch == '\r') continue;
		if (ch == '\n') {
			if (c->col == 0 && c->event_has_data) { /* blank line dispatches the event */
				on_event(c, t);
				c->event_has_data = 0;
			}
			if (c->data_line && c->col >= 5) {
				if (cfg.responses && !c->event_has_data) c->kind = classify(c->dl, c->dl_len);
				if (cfg.chat && !c->event_has_data) c->kind = classify_chat(c->dl, c->dl_len);
				c->event_has_data = 1;
			}
			c->col = c->data_line = c->dl_len = 0;
			continue;
		}
		if (c->col < 5) c->data_line = (c->col == 0 || c->data_line) && ch == "data:"[c->col];
		else if ((cfg.responses || cfg.chat) && c->data_line && c->dl_len < (cfg.chat ? (int)sizeof c->dl : 48) &&
			 !(c->col == 5 && ch == ' '))
			c->dl[c->dl_len++] = ch;
		c->col++;
	}
}

static const char *hdr_value(const char *h, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(h, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
			const char *v = p + 3 + nl;
			while (*v == ' ') v++;
			return v;
		}
	}
	return NULL;
}

/* Parses the response head; returns bytes consumed, 0 if incomplete, -1 on error. */
static long parse_head(struct conn *c)
{
	c->hdr[c->hlen] = 0;
	char *end = strstr(c->hdr, "\r\n\r\n");
	if (!end) return c->hlen >= sizeof c->hdr - 1 ? -1 : 0;
	end[2] = 0; /* keep the last header's CRLF for hdr_value */
	if (sscanf(c->hdr, "HTTP/1.%*d %d", &c->status) != 1) return -1;
	const char *te = hdr_value(c->hdr, "transfer-encoding");
	const char *cl = hdr_value(c->hdr, "content-length");
	const char *cn = hdr_value(c->hdr, "connection");
	c->keepalive = !(cn && strncasecmp(cn, "close", 5) == 0) && c->hdr[7] == '1';
	c->aux = 0;
	if (te && strncasecmp(te, "chunked", 7) == 0) c->state = CH_SIZE, c->left = 0;
	else if (cl) c->state = RAW, c->left = atoll(cl);
	else c->state = RAW, c->left = -1, c->keepalive = 0;
	return (end + 4) - c->hdr;
}

/* Consumes body bytes; returns 1 when the response is complete, -1 on a framing error. */
static int body_feed(struct conn *c, const char *p, size_t n, double t)
{
	size_t i = 0;
	while (i < n) {
		switch (c->state) {
		case RAW: {
			size_t k = c->left < 0 || (long long)(n - i) < c->left ? n - i : (size_t)c->left;
			sse_feed(c, p + i, k, t);
			i += k;
			if (c->left >= 0 && (c->left -= (long long)k) == 0) return 1;
			break;
		}
		case CH_SIZE: { /* hex size [;extension] CRLF */
			char ch = p[i++], x = (char)(ch | 32);
			if (ch == '\n') {
				c->state = c->left ? CH_DATA : CH_TRAILER;
				c->aux = 0;
			} else if (ch == ';') {
				c->aux = 1;
			} else if (!c->aux && ch != '\r') {
				int d = ch >= '0' && ch <= '9' ? ch - '0' : x >= 'a' && x <= 'f' ? x - 'a' + 10 : -1;
				if (d < 0 || c->left > (1LL << 40)) return -1;
				c->left = c->left * 16 + d;
			}
			break;
		}
		case CH_DATA: {
			size_t k = (long long)(n - i) < c->left ? n - i : (size_t)c->left;
			sse_feed(c, p + i, k, t);
			i += k;
			if ((c->left -= (long long)k) == 0) c->state = CH_CRLF;
			break;
		}
		case CH_CRLF:
			if (p[i++] == '\n') c->state = CH_SIZE, c->left = 0;
			break;
		case CH_TRAILER: /* after the last chunk: lines until an empty one */
			if (p[i] == '\n') {
				if (c->aux == 0) return 1;
				c->aux = 0;
			} else if (p[i] != '\r') c->aux++;
			i++;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void on_readable(struct conn *c)
{
	char buf[65536];
	for (;;) {
		ssize_t r = read(c->fd, buf, sizeof buf);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
		double t = now_us();
		if (r <= 0) { /* EOF or error: complete only for read-until-close bodies */
			int ok = r == 0 && c->state == RAW && c->left < 0 && c->status == 200;
			c->keepalive = 0;
			stream_end(c, ok);
			return;
		}
		size_t off = 0;
		if (c->state == HDR) {
			size_t k = sizeof c->hdr - 1 - c->hlen;
			if (k > (size_t)r) k = (size_t)r;
			memcpy(c->hdr + c->hlen, buf, k);
			size_t old = c->hlen;
			c->hlen += k;
			long used = parse_head(c);
			if (used < 0 || (used > 0 && c->status != 200)) {
				c->keepalive = 0;
				stream_end(c, 0);
				return;
			}
			if (used == 0) continue;
			off = (size_t)used - old;
		}
		int rc = c->state == RAW && c->left == 0 ? 1 : body_feed(c, buf + off, (size_t)r - off, t);
		if (rc != 0) {
			stream_end(c, rc > 0);
			if (c->state == DONE || c->fd < 0) return;
			if (c->state == HDR && c->woff == 0) return; /* next request waits for EPOLLOUT */
		}
	}
}

static void on_writable(struct conn *c)
{
	if (!c->connected) {
		int err = 0;
		socklen_t l = sizeof err;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			c->keepalive = 0;
			stream_end(c, 0);
			return;
		}
		c->connected = 1;
	}
	while (c->woff < cfg.req_len) {
		ssize_t w = write(c->fd, cfg.req + c->woff, cfg.req_len - c->woff);
		if (w < 0) {
			if (errno == EAGAIN) return;
			c->keepalive = 0;
			stream_end(c, 0);
			return;
		}
		c->woff += (size_t)w;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* ---- setup and report ---- */

static void build_request(const char *body_file, char **headers, int nh)
{
	FILE *f = fopen(body_file, "rb");
	if (!f) { perror(body_file); exit(2); }
	fseek(f, 0, SEEK_END);
	long blen = ftell(f);
	rewind(f);
	size_t cap = (size_t)blen + 4096;
	cfg.req = malloc(cap);
	int n = snprintf(cfg.req, cap, "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
		"Accept: text/event-stream\r\nContent-Length: %ld\r\n", cfg.path, cfg.host, cfg.port, blen);
	for (int i = 0; i < nh; i++) n += snprintf(cfg.req + n, cap - (size_t)n, "%s\r\n", headers[i]);
	n += snprintf(cfg.req + n, cap - (size_t)n, "\r\n");
	if (fread(cfg.req + n, 1, (size_t)blen, f) != (size_t)blen) { perror("fread"); exit(2); }
	fclose(f);
	cfg.req_len = (size_t)n + (size_t)blen;
}

static void report(double wall_us, long open)
{
	qsort(st.ttfe.v, st.ttfe.n, sizeof(float), cmpf);
	qsort(st.gap.v, st.gap.n, sizeof(float), cmpf);
	qsort(st.total.v, st.total.n, sizeof(float), cmpf);
	qsort(st.ttfd.v, st.ttfd.n, sizeof(float), cmpf);
	qsort(st.ttc.v, st.ttc.n, sizeof(float), cmpf);
	qsort(st.tail.v, st.tail.n, sizeof(float), cmpf);
	printf("{\"streams\":%ld,\"errors\":%ld,\"unfinished\":%ld,\"short_streams\":%ld,\"events\":%ld,"
	       "\"stalls\":%ld,\"wall_s\":%.3f,\"events_per_s\":%.1f,"
	       "\"ttfe_p50_us\":%.1f,\"ttfe_p99_us\":%.1f,\"gap_p50_us\":%.1f,\"gap_p99_us\":%.1f,"
	       "\"gap_max_us\":%.1f,\"total_p50_us\":%.1f,\"total_p99_us\":%.1f,"
	       "\"deltas\":%ld,\"bad_tail\":%ld,\"short_deltas\":%ld,\"ttfd_p50_us\":%.1f,\"ttfd_p99_us\":%.1f,"
	       "\"ttc_p50_us\":%.1f,\"ttc_p99_us\":%.1f,\"tail_p50_us\":%.1f,\"tail_p99_us\":%.1f}\n",
	       st.done, st.errors, open, st.shorts, st.events, st.stalls, wall_us / 1e6,
	       st.events / (wall_us / 1e6), pct(&st.ttfe, 50), pct(&st.ttfe, 99), pct(&st.gap, 50),
	       pct(&st.gap, 99), pct(&st.gap, 100), pct(&st.total, 50), pct(&st.total, 99),
	       st.deltas, st.bad_tail, st.short_deltas, pct(&st.ttfd, 50), pct(&st.ttfd, 99),
	       pct(&st.ttc, 50), pct(&st.ttc, 99), pct(&st.tail, 50), pct(&st.tail, 99));
	fflush(stdout);
}

static void on_signal(int s)
{
	(void)s;
	stop_flag = 1;
}

int main(int argc, char **argv)
{
	char *headers[16];
	int nh = 0, opt;
	const char *body = NULL;
	while ((opt = getopt(argc, argv, "a:p:u:b:c:n:d:e:E:s:r:T:H:kRC")) != -1) {
		switch (opt) {
		case 'a': cfg.host = optarg; break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'u': cfg.path = optarg; break;
		case 'b': body = optarg; break;
		case 'c': cfg.conns = atoi(optarg); break;
		case 'n': cfg.max_streams = atol(optarg); break;
		case 'd': cfg.duration = atof(optarg); break;
		case 'e': cfg.expected = atol(optarg); break;
		case 's': cfg.stall_us = atof(optarg) * 1000; break;
		case 'r': cfg.ramp_us = atof(optarg) * 1000; break;
		case 'T': cfg.timeout = atof(optarg); break;
		case 'H': if (nh < 16) headers[nh++] = optarg; break;
		case 'k': cfg.hold = 1; break;
		case 'R': cfg.responses = 1; break;
		case 'C': cfg.chat = 1; break;
		case 'E': cfg.expected_deltas = atol(optarg); break;
		default: goto usage;
		}
	}
	if (cfg.responses && cfg.chat) goto usage;
	if (!cfg.port || !body || cfg.conns < 1 || (!cfg.max_streams && !cfg.duration && !cfg.hold)) goto usage;
	if (cfg.hold) cfg.max_streams = cfg.conns;
	if (!cfg.timeout) cfg.timeout = cfg.duration + 120;

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: epoll_wait returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	build_request(body, headers, nh);

	ep = epoll_create1(0);
	struct conn *cs = calloc((size_t)cfg.conns, sizeof *cs);
	t_start = now_us();
	deadline = t_start + cfg.duration * 1e6;
	double hard_stop = t_start + cfg.timeout * 1e6;
	for (int i = 0; i < cfg.conns; i++) cs[i].fd = -1;
	int ready_sent = 0, started = 0;
	struct epoll_event evs[256];
	while (!stop_flag && now_us() < hard_stop) {
		while (started < cfg.conns && now_us() >= t_start + cfg.ramp_us * started / cfg.conns)
			conn_next(&cs[started++]);
		int n = epoll_wait(ep, evs, 256, started < cfg.conns ? 1 : 100);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int fd = c->fd;
			if (fd < 0) continue;
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP) && c->woff < cfg.req_len && c->state == HDR)
				on_writable(c);
			if (c->fd == fd && evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
		}
		if (cfg.hold && !ready_sent && st.first_seen == cfg.conns) {
			printf("{\"ready\":%d}\n", cfg.conns);
			fflush(stdout);
			ready_sent = 1;
		}
		int active = started < cfg.conns;
		for (int i = 0; i < cfg.conns && !active; i++) active = cs[i].state != DONE;
		if (!active) break;
	}
	long open = 0;
	for (int i = 0; i < cfg.conns; i++) open += cs[i].state != DONE;
	report(now_us() - t_start, open);
	return 0;
usage:
	fprintf(stderr, "usage: %s -p PORT -b BODYFILE [-a HOST] [-u PATH] [-c CONNS] (-n STREAMS | -d SECONDS | -k)\n"
		"       [-e EXPECTED_EVENTS] [-s STALL_MS] [-r RAMP_MS] [-T TIMEOUT_S] [-H 'Name: value']\n"
		"       [(-R | -C) [-E EXPECTED_DELTAS]]\n", argv[0]);
	return 2;
}
