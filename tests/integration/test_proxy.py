"""Environment-only start, and the generic /v1/* proxy."""

import json

from common import GW_KEY, GW_KEY_B, UP_KEY, GatewayCase, chat_body, config, fake_upstream, req_n

ENV_UP_KEY = "sk-env-upstream-Secret-91c3"


class EnvOnlyWithKeys(GatewayCase):
    CONFIG = None
    ENV = {"SWITCHYARD_UPSTREAM_URL": "@UPSTREAM@", "SWITCHYARD_UPSTREAM_API": "chat",
           "OPENAI_API_KEY": ENV_UP_KEY, "SWITCHYARD_API_KEYS": GW_KEY + "," + GW_KEY_B}

    def test_any_model_routed_unchanged(self):
        body = ('{"model" : "whatever-model-123","messages":[{"role":"user","content":"hi"}],'
                '"n":1, "x":9007199254740993}').encode()
        r = self.gw.chat(body)
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.last_request()
        self.assertEqual(up["path"], "/v1/chat/completions")
        self.assertEqual(up["body"].encode(), body)
        self.assertEqual(up["headers"].get("authorization"), "Bearer " + ENV_UP_KEY)
        self.assertEqual(r.body, fake_upstream.chat_json_body(json.loads(body), req_n(r)))

    def test_second_env_key(self):
        self.assertEqual(self.gw.chat(chat_body(model="m"), key=GW_KEY_B).status, 200)
        self.assertEqual(self.gw.chat(chat_body(model="m"), key="nope").status, 401)

    def test_embeddings_proxied(self):
        body = b'{"model":"text-embedding-3-small","input":["a b","c"],  "encoding_format":"float"}'
        r = self.gw.request("POST", "/v1/embeddings", body, headers={"X-Custom-Test": "abc",
                                                                     "OpenAI-Beta": "assistants=v2"})
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.last_request()
        self.assertEqual((up["method"], up["path"]), ("POST", "/v1/embeddings"))
        self.assertEqual(up["body"].encode(), body)
        self.assertEqual(up["headers"].get("x-custom-test"), "abc")
        self.assertEqual(up["headers"].get("openai-beta"), "assistants=v2")
        self.assertEqual(up["headers"].get("authorization"), "Bearer " + ENV_UP_KEY)
        want = (json.dumps(fake_upstream.embeddings_obj(json.loads(body)), ensure_ascii=False, indent=2)
                + "\n").encode()
        self.assertEqual(r.body, want)
        self.assertEqual(r.header("x-request-id"), "req_fake_%d" % req_n(r))
        self.assertEqual(r.header("openai-version"), "2020-10-01")
        # Generic proxy: hop-by-hop response headers never pass (other headers may).
        self.assertNotIn("timeout=30, max=1000", [v for _, v in r.header_list])

    def test_hop_by_hop_request_headers_dropped(self):
        r = self.gw.request("POST", "/v1/embeddings", b'{"model":"e","input":"x"}',
                            headers={"Keep-Alive": "timeout=99", "Proxy-Authorization": "Basic Zm9vOmJhcg==",
                                     "X-Keep-Me": "1"})
        self.assertEqual(r.status, 200)
        h = self.fake.last_request()["headers"]
        self.assertNotIn("keep-alive", h)
        self.assertNotIn("proxy-authorization", h)
        self.assertEqual(h.get("x-keep-me"), "1")

    def test_files_get_with_query(self):
        r = self.gw.request("GET", "/v1/files?purpose=fine-tune&limit=2&after=file%2Dabc")
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.last_request()
        self.assertEqual((up["method"], up["path"], up["query"]),
                         ("GET", "/v1/files", "purpose=fine-tune&limit=2&after=file%2Dabc"))
        self.assertEqual(up["body"], "")
        d = r.json()
        self.assertEqual(d["query"], "purpose=fine-tune&limit=2&after=file%2Dabc")
        self.assertEqual(d["purpose"], "fine-tune")

    def test_models_proxied(self):
        r = self.gw.request("GET", "/v1/models")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), fake_upstream.MODELS_LIST)
        self.assertEqual(self.fake.last_request()["path"], "/v1/models")

    def test_unknown_upstream_route_404_relayed(self):
        r = self.gw.request("POST", "/v1/nonexistent-route", b"{}")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"]["message"], "Invalid URL (POST /v1/nonexistent-route)")

    def test_streaming_get_proxied_progressively(self):
        r = self.gw.request("GET", "/v1/stream-test?n=5&delay_ms=250", read_body=False)
        self.assertEqual(r.status, 200)
        events = self.stream_events(r)
        r.close()
        want = fake_upstream.stream_test_events(5)
        self.assertEqual([e for _, e in events], want)
        self.assertLess(events[0][0] - r.t_sent, 0.6, "first event not relayed promptly")
        self.assertGreater(events[-1][0] - events[0][0], 0.8, "proxied stream was buffered")
        self.assertEqual(self.fake.last_request()["query"], "n=5&delay_ms=250")

    def test_proxy_client_disconnect_cancels(self):
        before = self.fake.stats()["disconnects"]
        r = self.gw.request("GET", "/v1/stream-test?n=20&delay_ms=300", read_body=False)
        self.assertEqual(r.status, 200)
        next(r.iter_events())
        r.sock.close()
        self.assertGreaterEqual(self.fake.wait_stat("disconnects", before + 1, 1.5), before + 1)


class EnvOnlyNoKeys(GatewayCase):
    """No gateway keys, no upstream key: the client's Authorization is forwarded.
    Uses OPENAI_BASE_URL (the fallback for SWITCHYARD_UPSTREAM_URL)."""
    CONFIG = None
    ENV = {"OPENAI_BASE_URL": "@UPSTREAM@"}

    def test_client_authorization_forwarded_chat(self):
        r = self.gw.chat(chat_body(model="any-model"), key="client-own-upstream-token")
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.last_request()
        self.assertEqual(up["headers"].get("authorization"), "Bearer client-own-upstream-token")
        self.assertIn('"any-model"', up["body"])

    def test_client_authorization_forwarded_proxy(self):
        r = self.gw.request("GET", "/v1/models", key="client-own-upstream-token")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.fake.last_request()["headers"].get("authorization"),
                         "Bearer client-own-upstream-token")

    def test_no_auth_needed(self):
        r = self.gw.chat(chat_body(model="any-model"), key=None)
        self.assertEqual(r.status, 200)
        self.assertNotIn("authorization", self.fake.last_request()["headers"])


class ConfigDefaultUpstream(GatewayCase):
    """With a model_list, other /v1/* routes go to the first deployment's upstream, with its key."""
    CONFIG = config()

    def test_embeddings_to_first_deployment(self):
        body = b'{"model":"text-embedding-3-small","input":"hello"}'
        r = self.gw.request("POST", "/v1/embeddings", body)
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.last_request()
        self.assertEqual(up["body"].encode(), body)
        self.assertEqual(up["headers"].get("authorization"), "Bearer " + UP_KEY)
        for _, v in up["header_list"]:
            self.assertNotIn(GW_KEY, v)


class ConfigNoGatewayKeys(GatewayCase):
    """No gateway keys: a deployment with an api_key uses it; one without forwards the client's."""
    CONFIG = config(keys=False)

    def test_deployment_key_wins(self):
        r = self.gw.chat(chat_body(), key="client-token-1")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(self.fake.last_request()["headers"].get("authorization"), "Bearer " + UP_KEY)

    def test_client_authorization_forwarded(self):
        r = self.gw.chat(chat_body(model="nokey"), key="client-token-2")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(self.fake.last_request()["headers"].get("authorization"), "Bearer client-token-2")

    def test_no_auth_required(self):
        self.assertEqual(self.gw.chat(chat_body(), key=None).status, 200)
