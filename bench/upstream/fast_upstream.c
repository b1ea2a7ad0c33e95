/* fast_upstream: a fake OpenAI chat upstream for the benchmarks (libevent evhttp).
 *
 *   POST .../chat/completions   fixed chat.completion JSON (~0.5 KB; ~8 KB when model is "big")
 *                               or, if the body has "stream": true, an SSE stream of
 *                               chat.completion.chunk events:
 *                                 role, content..., finish, usage (N events), then data: [DONE]
 *   POST .../responses          with "stream": true: a Responses SSE stream (event: + data: lines,
 *                               /work/shared/spec/responses-api.md §9.5): response.created,
 *                               .in_progress, .output_item.added, .content_part.added, N x
 *                               response.output_text.delta, .output_text.done, .content_part.done,
 *                               .output_item.done, response.completed (with usage), data: [DONE];
 *                               without stream: a fixed Response object (~1.2 KB)
 *   GET  /health                "ok"
 *
 * The gateway forwards the model name (or its deployment's `model`), so it carries the stream
 * shape: model "stream-N-D" (anything before "stream-" is ignored) sends N chunk events D ms
 * apart (D = 0: unpaced, but still one event per socket write, as a token-by-token provider
 * would). Without that form: 200 events, unpaced. For /responses, N is the number of text deltas:
 * the four opening events come back to back, each delta and output_text.done D ms after the
 * previous event, then the closing events and [DONE] back to back (N + 9 events, (N+1) x D long).
 *
 * usage: fast_upstream [-p PORT] [-t THREADS]   (threads share the port via SO_REUSEPORT)
 */
#define _GNU_SOURCE
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_EVENTS 200
#define MAX_EVENTS 1000000

static char small_json[1024], big_json[9 * 1024];
static size_t small_len, big_len;
static int port = 8090;

/* ---- canned bodies ---- */

static size_t make_completion(char *out, size_t cap, size_t content_len)
{
	char content[8 * 1024];
	size_t n = 0;
	if (content_len >= sizeof content) content_len = sizeof content - 1;
	while (n < content_len) { /* "lorem ipsum ..." words, JSON-safe */
		static const char words[] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ";
		size_t k = sizeof words - 1;
		if (k > content_len - n) k = content_len - n;
		memcpy(content + n, words, k);
		n += k;
	}
	content[n] = 0;
	int len = snprintf(out, cap,
		"{\"id\":\"chatcmpl-bench000000000000000001\",\"object\":\"chat.completion\","
		"\"created\":1700000000,\"model\":\"bench-model\",\"system_fingerprint\":\"fp_bench01\","
		"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"%s\","
		"\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
		"\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":60,\"total_tokens\":102,"
		"\"prompt_tokens_details\":{\"cached_tokens\":0},"
		"\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"service_tier\":\"default\"}",
		content);
	return (size_t)len;
}

/* One SSE event (~200 bytes): i = 0 role, 1..n-3 content, n-2 finish, n-1 usage, n [DONE]. */
static void add_event(struct evbuffer *b, unsigned long id, int i, int n)
{
	static const char head[] = "data: {\"id\":\"chatcmpl-bench%012lu\",\"object\":\"chat.completion.chunk\","
		"\"created\":1700000000,\"model\":\"bench-model\",\"system_fingerprint\":\"fp_bench01\",";
	if (i == n) {
		evbuffer_add(b, "data: [DONE]\n\n", 14);
		return;
	}
	evbuffer_add_printf(b, head, id);
	if (i == n - 1)
		evbuffer_add_printf(b, "\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":%d,"
			"\"total_tokens\":%d}}\n\n", n - 3, n + 39);
	else if (i == n - 2)
		evbuffer_add_printf(b, "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
			"\"finish_reason\":\"stop\"}]}\n\n");
	else if (i == 0)
		evbuffer_add_printf(b, "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
			"\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
	else
		evbuffer_add_printf(b, "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok%05d\"},"
			"\"logprobs\":null,\"finish_reason\":null}]}\n\n", i);
}

/* ---- Responses stream (/v1/responses) ---- */

#define RESP_SNAPSHOT_A "{\"id\":\"resp_bench%048lu\",\"object\":\"response\",\"created_at\":1700000000," \
	"\"status\":\"%s\",\"background\":false,\"completed_at\":%s,\"error\":null,\"incomplete_details\":null," \
	"\"instructions\":null,\"max_output_tokens\":null,\"max_tool_calls\":null,\"metadata\":{}," \
	"\"model\":\"bench-model\",\"output\":["
#define RESP_SNAPSHOT_B "],\"parallel_tool_calls\":true,\"presence_penalty\":0,\"frequency_penalty\":0," \
	"\"previous_response_id\":null,\"prompt_cache_key\":null,\"prompt_cache_retention\":null," \
	"\"reasoning\":{\"effort\":null,\"summary\":null},\"safety_identifier\":null,\"service_tier\":\"default\"," \
	"\"store\":true,\"temperature\":1,\"text\":{\"format\":{\"type\":\"text\"},\"verbosity\":\"medium\"}," \
	"\"tool_choice\":\"auto\",\"tools\":[],\"top_logprobs\":0,\"top_p\":1,\"truncation\":\"disabled\",\"usage\":"
#define RESP_USAGE "{\"input_tokens\":42,\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0}," \
	"\"output_tokens\":%d,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":%d}"
#define RESP_ITEM "{\"id\":\"msg_bench%048lu\",\"type\":\"message\",\"status\":\"%s\",\"role\":\"assistant\",\"content\":["
#define RESP_PART "{\"type\":\"output_text\",\"text\":\"%s\",\"annotations\":[],\"logprobs\":[]}"
#define RESP_WHERE "\"item_id\":\"msg_bench%048lu\",\"output_index\":0,\"content_index\":0,"

/* The whole text of an n-delta answer (" tok00001 tok00002 ..."), cached per thread. */
static const char *resp_text(int n)
{
	static _Thread_local char *text;
	static _Thread_local int text_n = -1;
	if (n != text_n) {
		free(text);
		text = malloc((size_t)n * 16 + 1);
		if (!text) { perror("malloc"); exit(1); }
		size_t len = 0;
		for (int i = 1; i <= n; i++) len += (size_t)sprintf(text + len, " tok%05d", i % 100000);
		text[len] = 0;
		text_n = n;
	}
	return text;
}

static void resp_snapshot(struct evbuffer *b, unsigned long id, int done, int n)
{
	evbuffer_add_printf(b, RESP_SNAPSHOT_A, id, done ? "completed" : "in_progress", done ? "1700000001" : "null");
	if (done) {
		evbuffer_add_printf(b, RESP_ITEM, id, "completed");
		evbuffer_add_printf(b, RESP_PART, resp_text(n));
		evbuffer_add(b, "]}", 2);
	}
	evbuffer_add_printf(b, RESP_SNAPSHOT_B);
	if (done) evbuffer_add_printf(b, RESP_USAGE, n, n + 42);
	else evbuffer_add(b, "null", 4);
	evbuffer_add(b, ",\"user\":null}", 13);
}

/* Event i of an n-delta Responses stream (i = sequence_number; i = n + 8 is [DONE]). */
static void add_resp_event(struct evbuffer *b, unsigned long id, int i, int n)
{
	static const char *const open[] = { "response.created", "response.in_progress",
		"response.output_item.added", "response.content_part.added" };
	static const char *const close[] = { "response.output_text.done", "response.content_part.done",
		"response.output_item.done", "response.completed" };
	if (i == n + 8) {
		evbuffer_add(b, "data: [DONE]\n\n", 14);
		return;
	}
	const char *type = i < 4 ? open[i] : i < n + 4 ? "response.output_text.delta" : close[i - n - 4];
	evbuffer_add_printf(b, "event: %s\ndata: {\"type\":\"%s\",\"sequence_number\":%d,", type, type, i);
	switch (i < 4 ? i : i < n + 4 ? 4 : i - n + 1) {
	case 0: case 1: /* created, in_progress */
		evbuffer_add(b, "\"response\":", 11);
		resp_snapshot(b, id, 0, n);
		break;
	case 2: /* output_item.added */
		evbuffer_add_printf(b, "\"output_index\":0,\"item\":" RESP_ITEM "]}", id, "in_progress");
		break;
	case 3: /* content_part.added */
		evbuffer_add_printf(b, RESP_WHERE "\"part\":" RESP_PART, id, "");
		break;
	case 4: /* output_text.delta */
		evbuffer_add_printf(b, RESP_WHERE "\"delta\":\" tok%05d\",\"logprobs\":[]", id, (i - 3) % 100000);
		break;
	case 5: /* output_text.done */
		evbuffer_add_printf(b, RESP_WHERE "\"text\":\"%s\",\"logprobs\":[]", id, resp_text(n));
		break;
	case 6: /* content_part.done */
		evbuffer_add_printf(b, RESP_WHERE "\"part\":" RESP_PART, id, resp_text(n));
		break;
	case 7: /* output_item.done */
		evbuffer_add_printf(b, "\"output_index\":0,\"item\":" RESP_ITEM RESP_PART "]}", id, "completed",
			resp_text(n));
		break;
	default: /* completed */
		evbuffer_add(b, "\"response\":", 11);
		resp_snapshot(b, id, 1, n);
		break;
	}
	evbuffer_add(b, "}\n\n", 3);
}

/* ---- request parsing (only what the benchmark needs; no JSON parser) ---- */

/* Returns the string value of "key" (borrowed, not terminated) or NULL. */
static const char *json_str(const char *s, size_t len, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);
	const char *end = s + len, *p = memmem(s, len, key, kl);
	if (!p) return NULL;
	for (p += kl; p < end && (*p == ' ' || *p == ':' || *p == '\t'); p++) {}
	if (p >= end || *p != '"') return NULL;
	p++;
	const char *q = memchr(p, '"', (size_t)(end - p));
	if (!q) return NULL;
	*vlen = (size_t)(q - p);
	return p;
}

static int json_true(const char *s, size_t len, const char *key)
{
	size_t kl = strlen(key);
	const char *end = s + len, *p = memmem(s, len, key, kl);
	if (!p) return 0;
	for (p += kl; p < end && (*p == ' ' || *p == ':' || *p == '\t'); p++) {}
	return end - p >= 4 && memcmp(p, "true", 4) == 0;
}

/* ---- streaming ---- */

struct stream {
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct event *timer;
	struct timeval delay;
	unsigned long id;
	int next, n, paced;
	int responses; /* a /responses stream: n deltas, n + 9 events */
};

static void stream_free(struct stream *s)
{
	if (s->timer) event_free(s->timer);
	free(s);
}

static void on_client_close(struct evhttp_connection *c, void *arg)
{
	(void)c;
	stream_free(arg); /* evhttp frees the request itself; pending chunk callbacks never fire */
}

static void stream_step(struct stream *s);

static void on_drained(struct evhttp_connection *c, void *arg)
{
	(void)c;
	stream_step(arg);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	stream_step(arg);
}

/* Paced Responses streams: the opening and closing events come back to back; each text delta and
 * output_text.done (the end of generation) waits one pace. */
static int resp_paced_before(const struct stream *s, int i)
{
	return i >= 4 && i <= s->n + 4;
}

static void stream_step(struct stream *s)
{
	struct evbuffer *b = evbuffer_new();
	int last = s->responses ? s->n + 8 : s->n;
	if (s->responses) add_resp_event(b, s->id, s->next, s->n);
	else add_event(b, s->id, s->next, s->n);
	if (s->next++ == last) { /* [DONE] sent: finish */
		evhttp_send_reply_chunk(s->req, b);
		evbuffer_free(b);
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
		evhttp_send_reply_end(s->req);
		stream_free(s);
		return;
	}
	if (s->paced && (!s->responses || resp_paced_before(s, s->next))) {
		evhttp_send_reply_chunk(s->req, b);
		evtimer_add(s->timer, &s->delay);
	} else {
		evhttp_send_reply_chunk_with_cb(s->req, b, on_drained, s);
	}
	evbuffer_free(b);
}

static void stream_start(struct evhttp_request *req, const char *model, size_t mlen, int responses)
{
	static _Thread_local unsigned long next_id;
	struct stream *s = calloc(1, sizeof *s);
	int n = DEFAULT_EVENTS, d = 0;
	char m[64];
	if (!s) { evhttp_send_error(req, 500, "oom"); return; }
	if (mlen < sizeof m) {
		memcpy(m, model, mlen);
		m[mlen] = 0;
		const char *shape = strstr(m, "stream-"); /* e.g. a deployment's "resp-stream-200-5" */
		if (!shape || sscanf(shape, "stream-%d-%d", &n, &d) < 1 || n < 3 || n > MAX_EVENTS)
			n = DEFAULT_EVENTS;
		if (d < 0) d = 0;
	}
	s->req = req;
	s->conn = evhttp_request_get_connection(req);
	s->id = ++next_id;
	s->n = n;
	s->responses = responses;
	s->paced = d > 0;
	s->delay.tv_sec = d / 1000;
	s->delay.tv_usec = (d % 1000) * 1000;
	if (s->paced) s->timer = evtimer_new(evhttp_connection_get_base(s->conn), on_tick, s);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_connection_set_closecb(s->conn, on_client_close, s);
	evhttp_send_reply_start(req, 200, "OK");
	stream_step(s); /* role event at once, the rest paced */
}

/* ---- routing ---- */

static void on_request(struct evhttp_request *req, void *arg)
{
	(void)arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	size_t pl = path ? strlen(path) : 0;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	if (path && strcmp(path, "/health") == 0) {
		evbuffer_add(out, "ok\n", 3);
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	int responses = pl >= 10 && strcmp(path + pl - 10, "/responses") == 0;
	if (!responses && (pl < 17 || strcmp(path + pl - 17, "/chat/completions") != 0)) {
		evhttp_send_error(req, 404, NULL);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in), mlen = 0;
	const char *body = (const char *)evbuffer_pullup(in, -1);
	const char *model = body ? json_str(body, len, "\"model\"", &mlen) : NULL;
	if (body && json_true(body, len, "\"stream\"")) {
		stream_start(req, model ? model : "", mlen, responses);
		return;
	}
	if (responses) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
		resp_snapshot(out, 1, 1, 10);
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	int big = model && mlen == 3 && memcmp(model, "big", 3) == 0;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evbuffer_add(out, big ? big_json : small_json, big ? big_len : small_len);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void *serve(void *arg)
{
	(void)arg;
	struct event_config *cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	struct event_base *base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct evconnlistener *l = evconnlistener_new_bind(base, NULL, NULL,
		LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE, 4096,
		(struct sockaddr *)&sa, sizeof sa);
	if (!base || !l) {
		fprintf(stderr, "fast_upstream: cannot listen on 127.0.0.1:%d\n", port);
		exit(1);
	}
	int one = 1; /* accepted sockets inherit TCP_NODELAY on Linux */
	setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct evhttp *http = evhttp_new(base);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(http, 16 << 20);
	evhttp_set_timeout(http, 600);
	evhttp_set_gencb(http, on_request, NULL);
	evhttp_bind_listener(http, l);
	event_base_dispatch(base);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1, opt;
	while ((opt = getopt(argc, argv, "p:t:")) != -1) {
		if (opt == 'p') port = atoi(optarg);
		else if (opt == 't') threads = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-p PORT] [-t THREADS]\n", argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64) threads = 1;
	signal(SIGPIPE, SIG_IGN);
	small_len = make_completion(small_json, sizeof small_json, 40);
	big_len = make_completion(big_json, sizeof big_json, 7600);
	pthread_t t;
	for (int i = 1; i < threads; i++) pthread_create(&t, NULL, serve, NULL);
	fprintf(stderr, "fast_upstream: 127.0.0.1:%d, %d thread(s), bodies %zu/%zu bytes\n", port,
		threads, small_len, big_len);
	serve(NULL);
	return 0;
}
