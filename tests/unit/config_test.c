/* Unit tests for src/config: environment-only start, native and LiteLLM files, every error
 * kind with its exact position and message, value parsers, interpolation and defaults. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

#define FIXTURE(name) SY_TEST_DATA "/config/" name

static struct sy_diag_list errs;
static char tmp_path[64];

static const char *const env_vars[] = {
    "SWITCHYARD_UPSTREAM_URL", "OPENAI_BASE_URL", "SWITCHYARD_UPSTREAM_API", "OPENAI_API_KEY",
    "SWITCHYARD_DATA_DIR",     "SWITCHYARD_API_KEYS",    "SWITCHYARD_REDIS_URL",
};

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
        unsetenv(env_vars[i]);
    sy_diag_list_init(&errs);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sy_diag_list_free(&errs);
    return 0;
}

/* Print the collected problems (shows up in the test log when an assertion fails). */
static void dump_errs(void)
{
    for (unsigned i = 0; i < errs.count; i++)
        fprintf(stderr, "  err[%u] %s:%d:%d: %s\n", i, errs.items[i].file ? errs.items[i].file : "(env)",
                errs.items[i].line, errs.items[i].col, errs.items[i].message);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static const char *write_tmp(const char *yaml)
{
    strcpy(tmp_path, "/tmp/sy_config_test_XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    close(fd);
    write_file(tmp_path, yaml, strlen(yaml));
    return tmp_path;
}

/* Load `path`, expecting success. */
static struct sy_config *load_ok(const char *path)
{
    struct sy_config *cfg = (struct sy_config *)1;
    sy_status st = sy_config_load(path, &cfg, &errs);
    if (st != SY_OK)
        dump_errs();
    assert_int_equal(st, SY_OK);
    assert_int_equal(errs.count, 0);
    assert_non_null(cfg);
    return cfg;
}

/* Load `path`, expecting failure with exactly `n` problems. */
static void load_fail(const char *path, unsigned n)
{
    struct sy_config *cfg = (struct sy_config *)1;
    sy_status st = sy_config_load(path, &cfg, &errs);
    if (errs.count != n)
        dump_errs();
    assert_int_equal(st, SY_EINVAL);
    assert_null(cfg);
    assert_int_equal(errs.count, n);
}

static struct sy_config *load_str_ok(const char *yaml)
{
    struct sy_config *cfg = load_ok(write_tmp(yaml));
    unlink(tmp_path);
    return cfg;
}

static void load_str_fail(const char *yaml, unsigned n)
{
    load_fail(write_tmp(yaml), n);
    unlink(tmp_path);
}

static void expect_err(unsigned i, int line, int col, const char *msg)
{
    assert_true(i < errs.count);
    if (errs.items[i].line != line || errs.items[i].col != col || strcmp(errs.items[i].message, msg) != 0)
        dump_errs();
    assert_string_equal(errs.items[i].message, msg);
    assert_int_equal(errs.items[i].line, line);
    assert_int_equal(errs.items[i].col, col);
}

/* A single-error load of an inline document: checks position, message and the file name. */
static void expect_only_err(const char *yaml, int line, int col, const char *msg)
{
    sy_diag_list_free(&errs);
    load_str_fail(yaml, 1);
    expect_err(0, line, col, msg);
    assert_string_equal(errs.items[0].file, tmp_path);
}

static void check_default_server(const struct sy_server_cfg *s)
{
    assert_string_equal(s->host, "127.0.0.1");
    assert_int_equal(s->port, 8080);
    assert_true(s->workers >= 1 && s->workers <= 256);
    assert_int_equal(s->workers, (unsigned)sysconf(_SC_NPROCESSORS_ONLN) > 256 ? 256 : sysconf(_SC_NPROCESSORS_ONLN));
    assert_int_equal(s->max_body_bytes, 16777216);
    assert_int_equal(s->max_event_bytes, 4194304);
    assert_int_equal(s->timeouts.connect_ms, 10000);
    assert_int_equal(s->timeouts.first_byte_ms, 600000);
    assert_int_equal(s->timeouts.idle_ms, 600000);
    assert_int_equal(s->heartbeat_ms, 15000);
    assert_int_equal(s->drain_ms, 30000);
    assert_int_equal(s->request_timeout_ms, 60000);
}

/* ---- environment only ------------------------------------------------------------------ */

static void test_env_only_minimal(void **state)
{
    (void)state;
    setenv("SWITCHYARD_UPSTREAM_URL", "http://127.0.0.1:8000/v1/", 1);
    setenv("OPENAI_API_KEY", "sk-upstream", 1);
    struct sy_config *cfg = load_ok(NULL);
    assert_null(cfg->source);
    check_default_server(&cfg->server);
    assert_int_equal(cfg->ndeployments, 1);
    const struct sy_deployment *d = &cfg->deployments[0];
    assert_string_equal(d->model_name, "*");
    assert_null(d->model);
    assert_int_equal(d->kind, SY_PROVIDER_OPENAI_CHAT);
    assert_string_equal(d->api_base, "http://127.0.0.1:8000/v1");
    assert_string_equal(d->api_key, "sk-upstream");
    assert_int_equal(d->line, 0);
    assert_false(d->strict);
    assert_false(d->system_as_instructions);
    assert_memory_equal(&d->timeouts, &cfg->server.timeouts, sizeof d->timeouts);
    assert_ptr_equal(cfg->default_upstream, d);
    assert_false(cfg->models_configured);
    assert_int_equal(cfg->nkeys, 0);
    assert_null(cfg->keys);
    assert_string_equal(cfg->data_dir, "./data");
    assert_int_equal(cfg->store.kind, SY_STORE_SQLITE);
    assert_string_equal(cfg->store.path, "./data/switchyard.db");
    assert_null(cfg->store.url);
    sy_config_free(cfg);
}

static void test_env_all_variables(void **state)
{
    (void)state;
    setenv("OPENAI_BASE_URL", "https://api.example.com/v1", 1);
    setenv("SWITCHYARD_UPSTREAM_API", "responses", 1);
    setenv("SWITCHYARD_DATA_DIR", "/var/lib/sy/", 1);
    setenv("SWITCHYARD_API_KEYS", " k1 , ,k2,,  ", 1);
    struct sy_config *cfg = load_ok(NULL);
    assert_int_equal(cfg->ndeployments, 1);
    assert_string_equal(cfg->deployments[0].api_base, "https://api.example.com/v1");
    assert_int_equal(cfg->deployments[0].kind, SY_PROVIDER_OPENAI_RESPONSES);
    assert_null(cfg->deployments[0].api_key);
    assert_string_equal(cfg->data_dir, "/var/lib/sy/");
    assert_string_equal(cfg->store.path, "/var/lib/sy/switchyard.db");
    assert_int_equal(cfg->nkeys, 2);
    assert_string_equal(cfg->keys[0].key, "k1");
    assert_string_equal(cfg->keys[0].name, "key-1");
    assert_string_equal(cfg->keys[1].key, "k2");
    assert_string_equal(cfg->keys[1].name, "key-2");
    sy_config_free(cfg);

    /* SWITCHYARD_UPSTREAM_URL wins over OPENAI_BASE_URL; "chat" is accepted */
    setenv("SWITCHYARD_UPSTREAM_URL", "http://primary:1/v1", 1);
    setenv("SWITCHYARD_UPSTREAM_API", "chat", 1);
    cfg = load_ok(NULL);
    assert_string_equal(cfg->deployments[0].api_base, "http://primary:1/v1");
    assert_int_equal(cfg->deployments[0].kind, SY_PROVIDER_OPENAI_CHAT);
    sy_config_free(cfg);
}

static void test_env_errors(void **state)
{
    (void)state;
    /* no file and no upstream: the embedded defaults still load (a warning is logged) */
    struct sy_config *bare = load_ok(NULL);
    assert_int_equal(bare->ndeployments, 0);
    assert_null(bare->default_upstream);
    assert_false(bare->models_configured);
    sy_config_free(bare);

    /* an invalid URL is reported once, without a second "no upstream" complaint */
    setenv("SWITCHYARD_UPSTREAM_URL", "localhost:8000", 1);
    setenv("SWITCHYARD_UPSTREAM_API", "grpc", 1);
    load_fail(NULL, 2);
    expect_err(0, 0, 0, "SWITCHYARD_UPSTREAM_URL: expected an http:// or https:// URL, got 'localhost:8000'");
    expect_err(1, 0, 0, "SWITCHYARD_UPSTREAM_API: expected 'chat' or 'responses', got 'grpc'");
    assert_null(errs.items[1].file);
    sy_diag_list_free(&errs);

    unsetenv("SWITCHYARD_UPSTREAM_API");
    setenv("SWITCHYARD_UPSTREAM_URL", "https:///v1", 1);
    load_fail(NULL, 1);
    expect_err(0, 0, 0, "SWITCHYARD_UPSTREAM_URL: expected an http:// or https:// URL, got 'https:///v1'");
}

/* ---- whole files ----------------------------------------------------------------------- */

static void test_native_file(void **state)
{
    (void)state;
    setenv("SYT_TEAM_A_KEY", "team-a-secret", 1);
    setenv("SYT_TEAM_B_KEY", "team-b-secret", 1);
    setenv("SYT_HOST", "10.1.2.3", 1);
    setenv("SYT_UPSTREAM_KEY", "sk-up", 1);
    setenv("SWITCHYARD_DATA_DIR", "/ignored/because/the/file/sets/it", 1);
    struct sy_config *cfg = load_ok(FIXTURE("native.yaml"));
    assert_string_equal(cfg->source, FIXTURE("native.yaml"));
    const struct sy_server_cfg *s = &cfg->server;
    assert_string_equal(s->host, "::1");
    assert_int_equal(s->port, 9090);
    assert_int_equal(s->workers, 3);
    assert_int_equal(s->max_body_bytes, 8 * 1024 * 1024);
    assert_int_equal(s->max_event_bytes, 512 * 1024);
    assert_int_equal(s->heartbeat_ms, 0);
    assert_int_equal(s->drain_ms, 5000);
    assert_int_equal(s->request_timeout_ms, 30000);
    assert_int_equal(s->timeouts.connect_ms, 2000);
    assert_int_equal(s->timeouts.first_byte_ms, 120000);
    assert_int_equal(s->timeouts.idle_ms, 90000);

    assert_int_equal(cfg->nkeys, 3);
    assert_string_equal(cfg->keys[0].key, "team-a-secret");
    assert_string_equal(cfg->keys[0].name, "team-a");
    assert_string_equal(cfg->keys[1].key, "sk-literal-key");
    assert_string_equal(cfg->keys[1].name, "key-2");
    assert_string_equal(cfg->keys[2].key, "team-b-secret");
    assert_string_equal(cfg->keys[2].name, "key-3");

    assert_string_equal(cfg->data_dir, "/tmp/sy-data");
    assert_int_equal(cfg->store.kind, SY_STORE_SQLITE);
    assert_string_equal(cfg->store.path, "/tmp/sy-data/custom.db");
    assert_null(cfg->store.url);

    assert_int_equal(cfg->ndeployments, 3);
    assert_true(cfg->models_configured);
    const struct sy_deployment *d = cfg->deployments;
    assert_ptr_equal(cfg->default_upstream, &d[0]);
    assert_string_equal(d[0].model_name, "gpt-4o");
    assert_int_equal(d[0].kind, SY_PROVIDER_OPENAI_CHAT);
    assert_string_equal(d[0].model, "gpt-4o-2024-08-06");
    assert_string_equal(d[0].api_base, "http://10.1.2.3:8000/v1");
    assert_string_equal(d[0].api_key, "sk-up");
    assert_int_equal(d[0].timeouts.connect_ms, 2000);    /* server default */
    assert_int_equal(d[0].timeouts.first_byte_ms, 30000); /* own */
    assert_int_equal(d[0].timeouts.idle_ms, 90000);       /* server default */
    assert_false(d[0].strict);
    assert_false(d[0].system_as_instructions);
    assert_int_equal(d[0].line, 25);

    assert_string_equal(d[1].model_name, "o3");
    assert_int_equal(d[1].kind, SY_PROVIDER_OPENAI_RESPONSES);
    assert_string_equal(d[1].model, "o3-2025-04-16");
    assert_string_equal(d[1].api_base, "https://api.openai.com/v1");
    assert_null(d[1].api_key);
    assert_true(d[1].system_as_instructions);
    assert_true(d[1].strict);
    assert_int_equal(d[1].line, 32);

    /* same model_name again: kept, in file order */
    assert_string_equal(d[2].model_name, "gpt-4o");
    assert_int_equal(d[2].kind, SY_PROVIDER_OPENAI_CHAT);
    assert_string_equal(d[2].model, "gpt-4o-mini");
    assert_string_equal(d[2].api_base, "http://10.0.0.2:8000/v1");
    assert_null(d[2].api_key); /* "" means none */
    assert_false(d[2].strict);
    assert_int_equal(d[2].line, 39);
    sy_config_free(cfg);
}

/* Run load with stderr captured into out (NUL-terminated). */
static sy_status load_capturing_stderr(const char *path, struct sy_config **cfg, char *out, size_t n)
{
    char cap[] = "/tmp/sy_config_stderr_XXXXXX";
    int fd = mkstemp(cap);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    sy_status st = sy_config_load(path, cfg, &errs);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t got = pread(fd, out, n - 1, 0);
    out[got > 0 ? got : 0] = '\0';
    close(fd);
    unlink(cap);
    return st;
}

static unsigned count_of(const char *hay, const char *needle)
{
    unsigned k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

static void test_litellm_file(void **state)
{
    (void)state;
    setenv("SYT_VLLM_BASE", "http://vllm.internal:8000/v1", 1);
    setenv("SYT_OPENAI_KEY", "sk-litellm-secret", 1);
    struct sy_config *cfg = NULL;
    static char log[16384];
    sy_status st = load_capturing_stderr(FIXTURE("litellm.yaml"), &cfg, log, sizeof log);
    if (st != SY_OK)
        dump_errs();
    assert_int_equal(st, SY_OK);
    assert_non_null(cfg);
    assert_int_equal(cfg->ndeployments, 3);
    const struct sy_deployment *d = cfg->deployments;
    assert_string_equal(d[0].model_name, "gpt-4o");
    assert_int_equal(d[0].kind, SY_PROVIDER_OPENAI_CHAT);
    assert_string_equal(d[0].model, "gpt-4o");
    assert_string_equal(d[0].api_base, "http://vllm.internal:8000/v1");
    assert_string_equal(d[0].api_key, "sk-litellm-secret");
    assert_int_equal(d[0].timeouts.connect_ms, 10000);
    assert_int_equal(d[0].timeouts.first_byte_ms, 600000); /* timeout: 600 */
    assert_int_equal(d[0].timeouts.idle_ms, 60000);        /* stream_timeout: 60 */

    assert_string_equal(d[1].model_name, "llama-3.1-8b");
    assert_int_equal(d[1].kind, SY_PROVIDER_OPENAI_CHAT);
    assert_string_equal(d[1].model, "meta-llama/Meta-Llama-3.1-8B-Instruct");
    assert_string_equal(d[1].api_key, "none");
    assert_int_equal(d[1].timeouts.first_byte_ms, 2500); /* timeout: 2.5 */
    assert_int_equal(d[1].timeouts.idle_ms, 2500);

    assert_string_equal(d[2].model_name, "o3");
    assert_int_equal(d[2].kind, SY_PROVIDER_OPENAI_RESPONSES);
    assert_string_equal(d[2].model, "o3");
    assert_string_equal(d[2].api_base, "https://api.openai.com/v1");
    assert_ptr_equal(cfg->default_upstream, &d[0]);
    assert_true(cfg->models_configured);
    assert_int_equal(cfg->nkeys, 0); /* general_settings.master_key is not a gateway key */

    /* one warning per ignored key name: rpm tpm max_retries drop_params tags organization
     * merge_reasoning_content_in_choices + the four top-level sections */
    assert_int_equal(count_of(log, "ignoring LiteLLM setting"), 11);
    assert_int_equal(count_of(log, ".rpm'"), 1);
    assert_non_null(strstr(log, "litellm.yaml:8:7: ignoring LiteLLM setting 'model_list[0].litellm_params.rpm'"));
    assert_non_null(strstr(log, "ignoring LiteLLM setting 'litellm_settings'"));
    assert_non_null(strstr(log, "ignoring LiteLLM setting 'environment_variables'"));
    assert_null(strstr(log, "sk-litellm-secret"));
    assert_null(strstr(log, "sk-1234"));
    sy_config_free(cfg);
}

static void test_multiple_errors_together(void **state)
{
    (void)state;
    load_fail(FIXTURE("errors.yaml"), 12);
    for (unsigned i = 0; i < errs.count; i++)
        assert_string_equal(errs.items[i].file, FIXTURE("errors.yaml"));
    expect_err(0, 2, 11, "server.listen: port must be a number between 1 and 65535, got '127.0.0.1:99999'");
    expect_err(1, 3, 12, "server.workers: expected a positive integer, got 'two'");
    expect_err(2, 4, 3, "unknown key 'wrokers' in server");
    expect_err(3, 5, 1, "unknown key 'modles' in top level");
    expect_err(4, 7, 9, "store.kind: expected one of sqlite, postgres, memory, got 'oracle'");
    expect_err(5, 12, 17, "model_list[0].params.api_base: expected an http:// or https:// URL, got 'ftp://example.com'");
    expect_err(6, 13, 16, "model_list[0].params.api_key: environment variable SYT_DEFINITELY_UNSET is not set");
    expect_err(7, 16, 7, "unknown key 'bogus' in model_list[1].params");
    expect_err(8, 14, 5, "model_list[1]: missing required key 'model_name'");
    expect_err(9, 18, 5, "duplicate key 'model_name' in model_list[2]");
    expect_err(10, 19, 21, "model_list[2].litellm_params: expected a mapping, got a sequence");
    expect_err(11, 11, 14,
               "model_list[0].params.model: provider 'anthropic' is not supported (supported: openai-chat, openai-responses)");
}

/* ---- single error kinds ---------------------------------------------------------------- */

#define UP "model_list:\n  - model_name: m\n    params: { api_base: http://h/v1 }\n"

static void test_error_kinds(void **state)
{
    (void)state;
    expect_only_err(UP "modles: []\n", 4, 1, "unknown key 'modles' in top level");
    expect_only_err(UP "server:\n  workers: 0\n", 5, 12, "server.workers: must be between 1 and 256, got '0'");
    expect_only_err(UP "server:\n  workers: 257\n", 5, 12, "server.workers: must be between 1 and 256, got '257'");
    expect_only_err(UP "server:\n  workers: -2\n", 5, 12, "server.workers: expected a positive integer, got '-2'");
    expect_only_err(UP "server:\n  drain_ms: -1\n", 5, 13, "server.drain_ms: expected a non-negative integer, got '-1'");
    expect_only_err(UP "server:\n  drain_ms: +5\n", 5, 13, "server.drain_ms: expected a non-negative integer, got '+5'");
    expect_only_err(UP "server:\n  heartbeat_ms: 4294967296\n", 5, 17,
                    "server.heartbeat_ms: must be between 0 and 4294967295, got '4294967296'");
    expect_only_err(UP "server:\n  heartbeat_ms: 99999999999999999999999\n", 5, 17,
                    "server.heartbeat_ms: must be between 0 and 4294967295, got '99999999999999999999999'");
    expect_only_err(UP "server:\n  workers: 1.5\n", 5, 12, "server.workers: expected a positive integer, got '1.5'");
    expect_only_err(UP "server: [1]\n", 4, 9, "server: expected a mapping, got a sequence");
    expect_only_err(UP "server: fast\n", 4, 9, "server: expected a mapping, got a scalar");
    expect_only_err(UP "server:\n  listen: {host: x}\n", 5, 11, "server.listen: expected a string, got a mapping");
    expect_only_err(UP "server:\n  workers: [2]\n", 5, 12, "server.workers: expected an integer, got a sequence");
    expect_only_err(UP "server:\n  timeouts:\n    idle_ms: 0\n", 6, 14,
                    "server.timeouts.idle_ms: must be between 1 and 4294967295, got '0'");
    expect_only_err(UP "server:\n  workers: 2\n  workers: 3\n", 6, 3, "duplicate key 'workers' in server");
    expect_only_err(UP "server:\n  ? [a]\n  : 1\n", 5, 5, "server: mapping keys must be plain strings, got a sequence");
    expect_only_err(UP "data_dir: \"\"\n", 4, 11, "data_dir: must not be empty");
    expect_only_err(UP "keys: { a: b }\n", 4, 7, "keys: expected a sequence, got a mapping");
    expect_only_err(UP "keys:\n  - [x]\n", 5, 5, "keys[0]: expected a string or a mapping with 'key', got a sequence");
    expect_only_err(UP "keys:\n  - \"\"\n", 5, 5, "keys[0]: must not be empty");
    expect_only_err(UP "keys:\n  - name: x\n", 5, 5, "keys[0]: missing required key 'key'");
    expect_only_err(UP "keys:\n  - key: k\n    nmae: x\n", 6, 5, "unknown key 'nmae' in keys[0]");
    expect_only_err(UP "store:\n  kind: memory\n  path: x.db\n", 6, 9, "store.path: only valid with kind sqlite");
    expect_only_err(UP "store:\n  url: postgres://x\n", 5, 8, "store.url: only valid with kind postgres");
    expect_only_err(UP "store:\n  kind: postgres\n", 5, 3, "store: missing required key 'url' (needed for kind postgres)");
    expect_only_err("model_list: {}\n", 1, 13, "model_list: expected a sequence, got a mapping");
    expect_only_err("model_list:\n  - just-a-name\n", 2, 5, "model_list[0]: expected a mapping, got a scalar");
    expect_only_err("model_list:\n  - model_name: m\n", 2, 5,
                    "model_list[0]: missing 'params' with an 'api_base' (or set SWITCHYARD_UPSTREAM_URL)");
    expect_only_err("model_list:\n  - model_name: m\n    litellm_params:\n      model: gpt-4o\n", 4, 7,
                    "model_list[0].litellm_params: missing required key 'api_base' (or set SWITCHYARD_UPSTREAM_URL)");
    expect_only_err("model_list:\n  - model_name:\n    params: { api_base: http://h/v1 }\n", 2, 16,
                    "model_list[0].model_name: must not be empty");
    expect_only_err("model_list:\n  - model_name: m\n    params: { api_base: http://h/v1 }\n"
                    "    litellm_params: { api_base: http://h/v1 }\n",
                    4, 21, "model_list[0]: give either 'params' or 'litellm_params', not both");
    expect_only_err(UP "model_list: []\n", 4, 1, "duplicate key 'model_list' in top level");
    expect_only_err("model_list:\n  - model_name: m\n    params: { api_base: http://h/v1, strict: maybe }\n", 3, 46,
                    "model_list[0].params.strict: expected true or false, got 'maybe'");
    expect_only_err("model_list:\n  - model_name: m\n    params: { api_base: http://h/v1, timeout: 1m }\n", 3, 47,
                    "model_list[0].params.timeout: expected a number of seconds, got '1m'");
    expect_only_err("model_list:\n  - model_name: m\n    params: { api_base: http://h/v1, timeout: 0 }\n", 3, 47,
                    "model_list[0].params.timeout: must be greater than 0 and at most 4294967 seconds, got '0'");
    expect_only_err("model_list:\n  - model_name: m\n    params: { api_base: http://h/v1 }\n    extra: 1\n", 4, 5,
                    "unknown key 'extra' in model_list[0]");
    expect_only_err("model_list: []\n", 0, 0, "no upstream configured: add a model_list or set SWITCHYARD_UPSTREAM_URL");
    expect_only_err("", 0, 0, "no upstream configured: add a model_list or set SWITCHYARD_UPSTREAM_URL");
}

static void test_provider_errors(void **state)
{
    (void)state;
    expect_only_err("model_list:\n  - model_name: c\n    litellm_params:\n      model: anthropic/claude-3-5\n"
                    "      api_base: http://h/v1\n",
                    4, 14,
                    "model_list[0].litellm_params.model: provider 'anthropic' is not supported (supported: "
                    "openai-chat, openai-responses)");
    expect_only_err("model_list:\n  - model_name: c\n    params:\n      provider: bedrock\n      api_base: http://h/v1\n",
                    4, 17,
                    "model_list[0].params.provider: provider 'bedrock' is not supported (supported: openai-chat, "
                    "openai-responses)");
    expect_only_err("model_list:\n  - model_name: c\n    params:\n      model: openai/responses/\n"
                    "      api_base: http://h/v1\n",
                    4, 14, "model_list[0].params.model: expected a model name after 'openai/responses/'");
    expect_only_err("model_list:\n  - model_name: c\n    params:\n      model: openai/\n      api_base: http://h/v1\n",
                    4, 14, "model_list[0].params.model: expected a model name after 'openai/'");
}

static void test_yaml_restrictions(void **state)
{
    (void)state;
    expect_only_err(UP "data_dir: &b ./d\n", 4, 11, "yaml anchors are not supported (&b)");
    expect_only_err("model_list:\n  - model_name: m\n    params: { api_base: *b }\n", 3, 25,
                    "yaml aliases are not supported (*b)");
    expect_only_err(UP "data_dir: !!str ./d\n", 4, 11, "yaml tags are not supported (tag:yaml.org,2002:str)");
    expect_only_err(UP "---\nserver: {}\n", 4, 1, "multiple yaml documents are not supported");
    expect_only_err("server:\n  listen: \"127.0.0.1:8080\n  workers: 2\n", 4, 1,
                    "invalid yaml: found unexpected end of stream (while scanning a quoted scalar started at line 2)");
    expect_only_err("server:\n  workers: 2\n    drain_ms: 1\n", 3, 13,
                    "invalid yaml: mapping values are not allowed in this context");
    expect_only_err(UP "data_dir: \"a\\0b\"\n", 4, 11, "NUL characters are not supported in values");

    /* nesting: the 64th '[' (depth 64 below the root mapping) is refused, and parsing stops */
    char deep[256] = "x: ";
    for (int i = 0; i < 70; i++)
        strcat(deep, "[");
    for (int i = 0; i < 70; i++)
        strcat(deep, "]");
    strcat(deep, "\n");
    expect_only_err(deep, 1, 4 + 63, "yaml nesting is deeper than 64 levels");
}

static void test_file_problems(void **state)
{
    (void)state;
    load_fail("/nonexistent/switchyard.yaml", 1);
    expect_err(0, 0, 0, "cannot open config file: No such file or directory");
    assert_string_equal(errs.items[0].file, "/nonexistent/switchyard.yaml");
    sy_diag_list_free(&errs);

    /* exactly 1 MiB is fine, one byte more is not */
    size_t big = (size_t)1 << 20;
    char *text = malloc(big + 1);
    assert_non_null(text);
    const char *head = UP;
    memset(text, '#', big + 1);
    memcpy(text, head, strlen(head));
    text[big - 1] = '\n';
    strcpy(tmp_path, "/tmp/sy_config_test_XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    close(fd);
    write_file(tmp_path, text, big);
    sy_config_free(load_ok(tmp_path));
    text[big - 1] = '#';
    text[big] = '\n';
    write_file(tmp_path, text, big + 1);
    load_fail(tmp_path, 1);
    expect_err(0, 0, 0, "config file is larger than 1 MiB");
    unlink(tmp_path);
    free(text);
}

static void test_error_cap(void **state)
{
    (void)state;
    char *text = malloc(200 * 16 + 64);
    assert_non_null(text);
    strcpy(text, UP);
    for (int i = 0; i < 150; i++)
        sprintf(text + strlen(text), "bad%d: 1\n", i);
    load_str_fail(text, 101);
    expect_err(0, 4, 1, "unknown key 'bad0' in top level");
    expect_err(99, 103, 1, "unknown key 'bad99' in top level");
    expect_err(100, 0, 0, "50 more problems not shown");
    free(text);
}

/* ---- values ---------------------------------------------------------------------------- */

static size_t body_size(const char *value)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml, UP "server:\n  max_body_bytes: %s\n", value);
    struct sy_config *cfg = load_str_ok(yaml);
    size_t v = cfg->server.max_body_bytes;
    sy_config_free(cfg);
    return v;
}

static void test_size_suffixes(void **state)
{
    (void)state;
    assert_int_equal(body_size("100"), 100);
    assert_int_equal(body_size("100B"), 100);
    assert_int_equal(body_size("512k"), 524288);
    assert_int_equal(body_size("512K"), 524288);
    assert_int_equal(body_size("512KB"), 524288);
    assert_int_equal(body_size("512KiB"), 524288);
    assert_int_equal(body_size("16MB"), 16777216);
    assert_int_equal(body_size("16MiB"), 16777216);
    assert_int_equal(body_size("16m"), 16777216);
    assert_int_equal(body_size("2 MiB"), 2097152);
    assert_int_equal(body_size("1GiB"), 1073741824);
    expect_only_err(UP "server:\n  max_body_bytes: 0\n", 5, 19,
                    "server.max_body_bytes: must be between 1 and 1073741824, got '0'");
    expect_only_err(UP "server:\n  max_body_bytes: 2GiB\n", 5, 19,
                    "server.max_body_bytes: must be between 1 and 1073741824, got '2GiB'");
    expect_only_err(UP "server:\n  max_body_bytes: 99999999999999999999GiB\n", 5, 19,
                    "server.max_body_bytes: must be between 1 and 1073741824, got '99999999999999999999GiB'");
    expect_only_err(UP "server:\n  max_event_bytes: 12XB\n", 5, 20,
                    "server.max_event_bytes: expected a size such as 16777216, 512KiB or 16MiB, got '12XB'");
    expect_only_err(UP "server:\n  max_event_bytes: MiB\n", 5, 20,
                    "server.max_event_bytes: expected a size such as 16777216, 512KiB or 16MiB, got 'MiB'");
    expect_only_err(UP "server:\n  max_event_bytes: -1\n", 5, 20,
                    "server.max_event_bytes: expected a size such as 16777216, 512KiB or 16MiB, got '-1'");
}

static void test_env_interpolation(void **state)
{
    (void)state;
    setenv("SYT_HOST", "gpu-1", 1);
    setenv("SYT_PORT", "8001", 1);
    setenv("SYT_KEY", "sk-from-env", 1);
    setenv("SYT_WORKERS", "5", 1);
    setenv("SYT_EMPTY", "", 1);
    struct sy_config *cfg = load_str_ok("server:\n  workers: ${SYT_WORKERS}\n"
                                        "model_list:\n  - model_name: m\n    params:\n"
                                        "      api_base: http://${SYT_HOST}:${SYT_PORT}/v1\n"
                                        "      api_key: \"os.environ/SYT_KEY\"\n"
                                        "data_dir: x-os.environ/SYT_KEY${SYT_EMPTY}$HOME\n");
    assert_int_equal(cfg->server.workers, 5);
    assert_string_equal(cfg->deployments[0].api_base, "http://gpu-1:8001/v1");
    assert_string_equal(cfg->deployments[0].api_key, "sk-from-env");
    /* os.environ/ only counts as the whole value; a lone '$' is literal */
    assert_string_equal(cfg->data_dir, "x-os.environ/SYT_KEY$HOME");
    sy_config_free(cfg);

    /* an empty variable is set: api_key "" means no key */
    cfg = load_str_ok("model_list:\n  - model_name: m\n    params:\n      api_base: http://h/v1\n"
                      "      api_key: os.environ/SYT_EMPTY\n");
    assert_null(cfg->deployments[0].api_key);
    sy_config_free(cfg);

    unsetenv("SYT_UNSET_A");
    unsetenv("SYT_UNSET_B");
    sy_diag_list_free(&errs);
    load_str_fail("model_list:\n  - model_name: m\n    params:\n"
                  "      api_base: http://${SYT_UNSET_A}:8000/v1\n"
                  "      api_key: os.environ/SYT_UNSET_B\n"
                  "keys:\n  - ${SYT_UNSET_A}\n  - key: ${SYT_EMPTY}\n",
                  4);
    expect_err(0, 4, 17, "model_list[0].params.api_base: environment variable SYT_UNSET_A is not set");
    expect_err(1, 5, 16, "model_list[0].params.api_key: environment variable SYT_UNSET_B is not set");
    expect_err(2, 7, 5, "keys[0]: environment variable SYT_UNSET_A is not set");
    expect_err(3, 8, 10, "keys[1].key: must not be empty");

    expect_only_err(UP "data_dir: /x/${SYT_HOST\n", 4, 11, "data_dir: unterminated '${' (expected '${NAME}')");
    expect_only_err(UP "data_dir: /x/${}\n", 4, 11, "data_dir: invalid environment variable name ''");
    expect_only_err(UP "data_dir: /x/${1A}\n", 4, 11, "data_dir: invalid environment variable name '1A'");
    expect_only_err(UP "data_dir: os.environ/A-B\n", 4, 11, "data_dir: invalid environment variable name 'A-B'");
}

static void test_listen(void **state)
{
    (void)state;
    struct sy_config *cfg = load_str_ok(UP "server:\n  listen: 0.0.0.0:9000\n");
    assert_string_equal(cfg->server.host, "0.0.0.0");
    assert_int_equal(cfg->server.port, 9000);

    struct sy_diag d;
    sy_diag_clear(&d);
    assert_int_equal(sy_config_set_listen(cfg, "[::1]:8080", &d), SY_OK);
    assert_string_equal(cfg->server.host, "::1");
    assert_int_equal(cfg->server.port, 8080);
    assert_int_equal(sy_config_set_listen(cfg, "localhost:1", &d), SY_OK);
    assert_string_equal(cfg->server.host, "localhost");
    assert_int_equal(cfg->server.port, 1);
    assert_int_equal(sy_config_set_listen(cfg, "[fe80::1%eth0]:65535", &d), SY_OK);
    assert_string_equal(cfg->server.host, "fe80::1%eth0");
    assert_int_equal(cfg->server.port, 65535);
    assert_false(sy_diag_is_set(&d));

    static const struct {
        const char *in, *msg;
    } bad[] = {
        { "localhost:0", "--listen: port must be a number between 1 and 65535, got 'localhost:0'" },
        { "localhost:65536", "--listen: port must be a number between 1 and 65535, got 'localhost:65536'" },
        { "localhost:80a", "--listen: port must be a number between 1 and 65535, got 'localhost:80a'" },
        { "localhost:", "--listen: port must be a number between 1 and 65535, got 'localhost:'" },
        { "localhost:-1", "--listen: port must be a number between 1 and 65535, got 'localhost:-1'" },
        { "localhost", "--listen: expected HOST:PORT, got 'localhost'" },
        { ":8080", "--listen: missing host in ':8080' (use 0.0.0.0:PORT to listen on every interface)" },
        { "::1:8080", "--listen: an IPv6 host must be in brackets, as in [::1]:8080, got '::1:8080'" },
        { "[::1]8080", "--listen: expected [IPV6]:PORT, got '[::1]8080'" },
        { "[]:8080", "--listen: missing host in '[]:8080' (use 0.0.0.0:PORT to listen on every interface)" },
        { "bad host:80", "--listen: invalid host in 'bad host:80'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sy_diag_clear(&d);
        assert_int_equal(sy_config_set_listen(cfg, bad[i].in, &d), SY_EINVAL);
        assert_string_equal(d.message, bad[i].msg);
        assert_string_equal(cfg->server.host, "fe80::1%eth0"); /* unchanged */
        assert_int_equal(cfg->server.port, 65535);
    }
    sy_config_free(cfg);

    expect_only_err(UP "server:\n  listen: \"[::1]:0\"\n", 5, 11,
                    "server.listen: port must be a number between 1 and 65535, got '[::1]:0'");
    expect_only_err(UP "server:\n  listen: 8080\n", 5, 11, "server.listen: expected HOST:PORT, got '8080'");
}

static const struct sy_deployment *only_file_deployment(struct sy_config *cfg)
{
    assert_int_equal(cfg->ndeployments, 1);
    return &cfg->deployments[0];
}

static void check_model(const char *params, enum sy_provider_kind kind, const char *model)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "model_list:\n  - model_name: m\n    params:\n      api_base: http://h/v1\n%s", params);
    struct sy_config *cfg = load_str_ok(yaml);
    const struct sy_deployment *d = only_file_deployment(cfg);
    assert_int_equal(d->kind, kind);
    if (model)
        assert_string_equal(d->model, model);
    else
        assert_null(d->model);
    sy_config_free(cfg);
}

static void test_model_prefixes(void **state)
{
    (void)state;
    check_model("      model: gpt-4o\n", SY_PROVIDER_OPENAI_CHAT, "gpt-4o");
    check_model("      model: openai/gpt-4o\n", SY_PROVIDER_OPENAI_CHAT, "gpt-4o");
    check_model("      model: openai/responses/o3-pro\n", SY_PROVIDER_OPENAI_RESPONSES, "o3-pro");
    check_model("      model: hosted_vllm/meta-llama/Llama-3-8B\n", SY_PROVIDER_OPENAI_CHAT, "meta-llama/Llama-3-8B");
    check_model("      model: openai_compatible/qwen\n", SY_PROVIDER_OPENAI_CHAT, "qwen");
    check_model("", SY_PROVIDER_OPENAI_CHAT, NULL);
    check_model("      provider: openai-responses\n", SY_PROVIDER_OPENAI_RESPONSES, NULL);
    /* an explicit provider sends the model verbatim, slashes and prefixes included */
    check_model("      provider: openai-chat\n      model: openai/gpt-oss-120b\n", SY_PROVIDER_OPENAI_CHAT,
                "openai/gpt-oss-120b");
    check_model("      provider: openai-responses\n      model: meta-llama/Llama-3-8B\n",
                SY_PROVIDER_OPENAI_RESPONSES, "meta-llama/Llama-3-8B");
    assert_string_equal(sy_provider_kind_name(SY_PROVIDER_OPENAI_CHAT), "openai-chat");
    assert_string_equal(sy_provider_kind_name(SY_PROVIDER_OPENAI_RESPONSES), "openai-responses");
}

static void test_timeouts_layering(void **state)
{
    (void)state;
    struct sy_config *cfg = load_str_ok("server:\n  timeouts: { connect_ms: 1500 }\n"
                                        "model_list:\n  - model_name: m\n    params:\n      api_base: http://h/v1\n"
                                        "      timeout: 0.5\n      stream_timeout: 30\n"
                                        "      timeouts: { first_byte_ms: 7000 }\n"
                                        "  - model_name: n\n    params: { api_base: http://h/v1, timeout: 1.0009 }\n");
    const struct sy_deployment *d = cfg->deployments;
    assert_int_equal(cfg->server.timeouts.connect_ms, 1500);
    assert_int_equal(cfg->server.timeouts.first_byte_ms, 600000);
    assert_int_equal(d[0].timeouts.connect_ms, 1500);   /* server */
    assert_int_equal(d[0].timeouts.first_byte_ms, 7000); /* timeouts beats timeout */
    assert_int_equal(d[0].timeouts.idle_ms, 30000);      /* stream_timeout beats timeout */
    assert_int_equal(d[1].timeouts.first_byte_ms, 1000); /* below a millisecond is dropped */
    assert_int_equal(d[1].timeouts.idle_ms, 1000);
    sy_config_free(cfg);
}

static void test_file_with_env_upstream(void **state)
{
    (void)state;
    setenv("SWITCHYARD_UPSTREAM_URL", "http://env-up:9000/v1", 1);
    setenv("SWITCHYARD_UPSTREAM_API", "responses", 1);
    setenv("OPENAI_API_KEY", "sk-env", 1);
    setenv("SWITCHYARD_API_KEYS", "env-k1,env-k2", 1);
    setenv("SWITCHYARD_DATA_DIR", "/srv/sy", 1);
    struct sy_config *cfg = load_str_ok("keys:\n  - file-k1\n  - { key: file-k2, name: ops }\n"
                                        "model_list:\n"
                                        "  - model_name: inherits\n"
                                        "  - model_name: own-key\n    params: { model: openai/x, api_key: sk-own }\n"
                                        "  - model_name: elsewhere\n    params: { api_base: http://other/v1 }\n");
    assert_int_equal(cfg->ndeployments, 4);
    const struct sy_deployment *d = cfg->deployments;
    assert_string_equal(d[0].model_name, "inherits");
    assert_string_equal(d[0].api_base, "http://env-up:9000/v1");
    assert_string_equal(d[0].api_key, "sk-env");
    assert_int_equal(d[0].kind, SY_PROVIDER_OPENAI_CHAT); /* kind is not inherited */
    assert_null(d[0].model);
    assert_int_equal(d[0].line, 5);
    assert_string_equal(d[1].api_base, "http://env-up:9000/v1");
    assert_string_equal(d[1].api_key, "sk-own");
    assert_string_equal(d[1].model, "x");
    assert_string_equal(d[2].api_base, "http://other/v1");
    assert_null(d[2].api_key); /* explicit api_base: the env key is not sent elsewhere */
    assert_string_equal(d[3].model_name, "*");
    assert_int_equal(d[3].kind, SY_PROVIDER_OPENAI_RESPONSES);
    assert_string_equal(d[3].api_base, "http://env-up:9000/v1");
    assert_string_equal(d[3].api_key, "sk-env");
    assert_null(d[3].model);
    assert_int_equal(d[3].line, 0);
    assert_ptr_equal(cfg->default_upstream, &d[3]);
    assert_true(cfg->models_configured);

    assert_int_equal(cfg->nkeys, 4);
    assert_string_equal(cfg->keys[0].key, "file-k1");
    assert_string_equal(cfg->keys[0].name, "key-1");
    assert_string_equal(cfg->keys[1].key, "file-k2");
    assert_string_equal(cfg->keys[1].name, "ops");
    assert_string_equal(cfg->keys[2].key, "env-k1");
    assert_string_equal(cfg->keys[2].name, "key-3");
    assert_string_equal(cfg->keys[3].key, "env-k2");
    assert_string_equal(cfg->keys[3].name, "key-4");
    assert_string_equal(cfg->data_dir, "/srv/sy");
    assert_string_equal(cfg->store.path, "/srv/sy/switchyard.db");
    check_default_server(&cfg->server);
    sy_config_free(cfg);

    /* an empty file plus the environment is a valid config */
    cfg = load_str_ok("# nothing here\n");
    assert_int_equal(cfg->ndeployments, 1);
    assert_false(cfg->models_configured);
    assert_ptr_equal(cfg->default_upstream, &cfg->deployments[0]);
    sy_config_free(cfg);
}

static void test_store_and_nulls(void **state)
{
    (void)state;
    setenv("SYT_DB", "postgres://u:p@db/sy", 1);
    struct sy_config *cfg = load_str_ok(UP "store:\n  kind: postgres\n  url: ${SYT_DB}\n"
                                           "server:\n  workers:\n  listen: ~\n"
                                           "data_dir: ./d/\n");
    assert_int_equal(cfg->store.kind, SY_STORE_POSTGRES);
    assert_string_equal(cfg->store.url, "postgres://u:p@db/sy");
    assert_null(cfg->store.path);
    assert_string_equal(cfg->data_dir, "./d/");
    check_default_server(&cfg->server); /* null values are the same as leaving keys out */
    sy_config_free(cfg);

    cfg = load_str_ok(UP "store: { kind: memory }\nserver:\nkeys:\n");
    assert_int_equal(cfg->store.kind, SY_STORE_MEMORY);
    assert_null(cfg->store.path);
    assert_null(cfg->store.url);
    assert_int_equal(cfg->nkeys, 0);
    sy_config_free(cfg);

    cfg = load_str_ok(UP "data_dir: ./d/\n");
    assert_string_equal(cfg->store.path, "./d/switchyard.db");
    sy_config_free(cfg);
}

static void test_store_limits(void **state)
{
    (void)state;
    struct sy_config *cfg = load_str_ok(UP "data_dir: ./d\n");
    assert_int_equal(cfg->store.ttl_s, 30 * 24 * 3600);
    assert_int_equal(cfg->store.sweep_interval_s, 60);
    assert_int_equal(cfg->store.max_response_bytes, 32 << 20);
    assert_int_equal(cfg->store.max_chain, 1000);
    assert_int_equal(cfg->store.max_conversation_items, 10000);
    sy_config_free(cfg);

    cfg = load_str_ok(UP "store:\n  ttl_s: 0\n  sweep_interval_s: 5\n  max_response_bytes: 1MiB\n"
                         "  max_chain: 10\n  max_conversation_items: 20\n");
    assert_int_equal(cfg->store.kind, SY_STORE_SQLITE);
    assert_int_equal(cfg->store.ttl_s, 0);
    assert_int_equal(cfg->store.sweep_interval_s, 5);
    assert_int_equal(cfg->store.max_response_bytes, 1 << 20);
    assert_int_equal(cfg->store.max_chain, 10);
    assert_int_equal(cfg->store.max_conversation_items, 20);
    sy_config_free(cfg);

    cfg = load_str_ok(UP "store: { kind: postgres, url: 'postgresql://u@db/sy', ttl_s: 86400 }\n");
    assert_int_equal(cfg->store.kind, SY_STORE_POSTGRES);
    assert_int_equal(cfg->store.ttl_s, 86400);
    assert_int_equal(cfg->store.max_chain, 1000);
    sy_config_free(cfg);

    expect_only_err(UP "store:\n  ttl_s: -1\n", 5, 10, "store.ttl_s: expected a non-negative integer, got '-1'");
    expect_only_err(UP "store:\n  sweep_interval_s: 0\n", 5, 21,
                    "store.sweep_interval_s: must be between 1 and 86400, got '0'");
    expect_only_err(UP "store:\n  max_response_bytes: 512\n", 5, 23,
                    "store.max_response_bytes: must be between 1024 and 1073741824, got '512'");
    expect_only_err(UP "store:\n  max_chain: 0\n", 5, 14, "store.max_chain: must be between 1 and 100000, got '0'");
    expect_only_err(UP "store:\n  max_conversation_items: lots\n", 5, 27,
                    "store.max_conversation_items: expected a positive integer, got 'lots'");
    expect_only_err(UP "store:\n  ttl: 60\n", 5, 3, "unknown key 'ttl' in store");
}

static void test_redis(void **state)
{
    (void)state;
    struct sy_config *cfg = load_str_ok(UP);
    assert_null(cfg->redis.url);
    assert_null(cfg->redis.host);
    sy_config_free(cfg);

    setenv("SYT_REDIS_PW", "p@ss word", 1);
    cfg = load_str_ok(UP "redis:\n  url: redis://:${SYT_REDIS_PW}@cache.local:6380/2\n");
    assert_string_equal(cfg->redis.url, "redis://:p@ss word@cache.local:6380/2");
    sy_config_free(cfg);
    cfg = load_str_ok(UP "redis:\n  url: redis://app:p%40ss@cache.local:6380/2\n");
    assert_string_equal(cfg->redis.host, "cache.local");
    assert_int_equal(cfg->redis.port, 6380);
    assert_int_equal(cfg->redis.db, 2);
    assert_string_equal(cfg->redis.username, "app");
    assert_string_equal(cfg->redis.password, "p@ss");
    sy_config_free(cfg);
    cfg = load_str_ok(UP "redis: { url: 'redis://[::1]' }\n");
    assert_string_equal(cfg->redis.host, "::1");
    assert_int_equal(cfg->redis.port, 6379);
    assert_int_equal(cfg->redis.db, 0);
    assert_null(cfg->redis.username);
    assert_null(cfg->redis.password);
    sy_config_free(cfg);

    /* the environment: used without a file's redis section, which wins over it */
    setenv("SWITCHYARD_REDIS_URL", "redis://10.0.0.5/1", 1);
    cfg = load_str_ok(UP);
    assert_string_equal(cfg->redis.url, "redis://10.0.0.5/1");
    assert_string_equal(cfg->redis.host, "10.0.0.5");
    assert_int_equal(cfg->redis.db, 1);
    sy_config_free(cfg);
    cfg = load_str_ok(UP "redis: { url: 'redis://file-host' }\n");
    assert_string_equal(cfg->redis.host, "file-host");
    sy_config_free(cfg);
    setenv("SWITCHYARD_REDIS_URL", "http://10.0.0.5", 1);
    load_fail(write_tmp(UP), 1);
    unlink(tmp_path);
    expect_err(0, 0, 0, "SWITCHYARD_REDIS_URL: expected redis://[[user]:password@]host[:port][/db]");
    assert_null(errs.items[0].file);
    unsetenv("SWITCHYARD_REDIS_URL");

    /* errors never echo the URL (it may hold a password) */
    expect_only_err(UP "redis:\n  url: rediss://:pw@h\n", 5, 8,
                    "redis.url: TLS (rediss://) is not supported: hiredis 0.14 has no TLS");
    expect_only_err(UP "redis:\n  url: redis://:pw@h:0\n", 5, 8,
                    "redis.url: expected redis://[[user]:password@]host[:port][/db]: the port must be a number "
                    "between 1 and 65535");
    expect_only_err(UP "redis:\n  url: redis://pw@h\n", 5, 8,
                    "redis.url: expected redis://[[user]:password@]host[:port][/db] (a password goes after a ':', "
                    "as in redis://:secret@host)");
    expect_only_err(UP "redis:\n  url: redis://h/x\n", 5, 8,
                    "redis.url: expected redis://[[user]:password@]host[:port][/db]: the database must be a number");
    expect_only_err(UP "redis:\n  url: redis://:pw@/0\n", 5, 8,
                    "redis.url: expected redis://[[user]:password@]host[:port][/db]: missing or invalid host");
    expect_only_err(UP "redis:\n  url: 'redis://h?db=1'\n", 5, 8,
                    "redis.url: expected redis://[[user]:password@]host[:port][/db] (no query or fragment)");
    expect_only_err(UP "redis:\n  url: redis://h\n  host: h\n", 6, 3, "unknown key 'host' in redis");
    expect_only_err(UP "redis: {}\n", 4, 8, "redis: missing required key 'url'");
}

static void test_background(void **state)
{
    (void)state;
    struct sy_config *cfg = load_str_ok(UP);
    assert_int_equal(cfg->background.lease_s, 30);
    assert_int_equal(cfg->background.max_per_key, 16);
    assert_int_equal(cfg->background.max_total, 256);
    sy_config_free(cfg);
    cfg = load_str_ok(UP "background:\n  lease_s: 3\n  max_per_key: 2\n  max_total: 1000\n");
    assert_int_equal(cfg->background.lease_s, 3);
    assert_int_equal(cfg->background.max_per_key, 2);
    assert_int_equal(cfg->background.max_total, 1000);
    sy_config_free(cfg);
    cfg = load_str_ok(UP "background: { max_total: 8 }\n");
    assert_int_equal(cfg->background.lease_s, 30);
    assert_int_equal(cfg->background.max_total, 8);
    sy_config_free(cfg);

    expect_only_err(UP "background:\n  lease_s: 2\n", 5, 12, "background.lease_s: must be between 3 and 86400, got '2'");
    expect_only_err(UP "background:\n  max_per_key: 0\n", 5, 16,
                    "background.max_per_key: must be between 1 and 1000000, got '0'");
    expect_only_err(UP "background:\n  max_total: many\n", 5, 14,
                    "background.max_total: expected a positive integer, got 'many'");
    expect_only_err(UP "background:\n  lease: 10\n", 5, 3, "unknown key 'lease' in background");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_env_only_minimal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_all_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_native_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_litellm_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multiple_errors_together, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_restrictions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_suffixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_interpolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_prefixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_layering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_with_env_upstream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_and_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_background, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
