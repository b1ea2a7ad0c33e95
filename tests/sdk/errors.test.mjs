// Error mapping as the official openai client sees it.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './gateway.mjs';

let gw;
let client;
const msgs = [{ role: 'user', content: 'hi' }];

before(async () => {
  gw = await startGateway();
  client = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
});
after(async () => { if (gw) await gw.stop(); });
beforeEach(async () => { await gw.fakeReset(); });

test('upstream 429 raises RateLimitError with the upstream body and headers', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'fault-429', messages: msgs }), (err) => {
    assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.equal(err.type, 'requests');
    assert.match(err.message, /Rate limit reached/);
    assert.equal(err.headers.get('retry-after'), '7');
    assert.equal(err.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(err.requestID ?? '', /^req_fake_\d+$/);
    return true;
  });
});

test('upstream 429 on a stream request raises RateLimitError too', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'fault-429', messages: msgs, stream: true }),
    (err) => err instanceof OpenAI.RateLimitError && err.status === 429,
  );
});

test('x-should-retry: false from the upstream stops SDK retries of a 500', async () => {
  const retrying = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 2, timeout: 20000 });
  await assert.rejects(retrying.chat.completions.create({ model: 'fault-500', messages: msgs }), (err) => {
    assert.ok(err instanceof OpenAI.InternalServerError, `got ${err?.constructor?.name}`);
    assert.equal(err.status, 500);
    assert.equal(err.type, 'server_error');
    return true;
  });
  const reqs = (await gw.fakeRequests()).filter((r) => r.path === '/v1/chat/completions');
  assert.equal(reqs.length, 1, 'the SDK retried although the upstream said x-should-retry: false');
});

test('unknown model raises NotFoundError (model_not_found)', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: msgs }), (err) => {
    assert.ok(err instanceof OpenAI.NotFoundError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 404);
    assert.equal(err.code, 'model_not_found');
    assert.equal(err.param, 'model');
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.requestID ?? '', /^req_/);
    return true;
  });
  assert.equal((await gw.fakeRequests()).length, 0);
});

test('wrong key raises AuthenticationError', async () => {
  const bad = new OpenAI({ apiKey: 'sk-not-a-gateway-key', baseURL: gw.baseURL, maxRetries: 0 });
  await assert.rejects(bad.chat.completions.create({ model: 'gpt-test', messages: msgs }), (err) => {
    assert.ok(err instanceof OpenAI.AuthenticationError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'invalid_api_key');
    assert.ok(!String(err.message).includes('sk-not-a-gateway-key'), 'key echoed in the error message');
    return true;
  });
  assert.equal((await gw.fakeRequests()).length, 0);
});

test('invalid request raises BadRequestError with param', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'gpt-test', messages: 'hi' }), (err) => {
    assert.ok(err instanceof OpenAI.BadRequestError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 400);
    assert.equal(err.param, 'messages');
    assert.equal(err.code, 'invalid_type');
    return true;
  });
});

test('malformed upstream stream surfaces as an APIError mid-stream', async () => {
  const stream = await client.chat.completions.create({ model: 'fault-malformed', messages: msgs, stream: true });
  let got = 0;
  await assert.rejects(async () => { for await (const _ of stream) got++; }, (err) => {
    assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.code, 'upstream_malformed');
    assert.equal(err.type, 'server_error');
    return true;
  });
  assert.equal(got, 2, 'the two good chunks before the bad one are delivered');
});

test('upstream cut mid-stream surfaces as an APIError (upstream_disconnected)', async () => {
  const stream = await client.chat.completions.create({ model: 'fault-cut', messages: msgs, stream: true });
  let got = 0;
  await assert.rejects(async () => { for await (const _ of stream) got++; }, (err) => {
    assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.code, 'upstream_disconnected');
    return true;
  });
  assert.equal(got, 3);
});

test('client abort mid-stream cancels the upstream transfer', async () => {
  const before = (await gw.fakeStats()).disconnects;
  const ac = new AbortController();
  const stream = await client.chat.completions.create(
    { model: 'slow', messages: [{ role: 'user', content: 'one two three four five six seven' }], stream: true },
    { signal: ac.signal },
  );
  for await (const _ of stream) { ac.abort(); break; }
  const t0 = Date.now();
  let now = before;
  while (Date.now() - t0 < 1500 && now <= before) {
    await new Promise((r) => setTimeout(r, 50));
    now = (await gw.fakeStats()).disconnects;
  }
  assert.ok(now > before, 'the upstream did not see the transfer cancelled within 1.5 s');
});
