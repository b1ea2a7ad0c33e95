// The official openai client (v6), unchanged, against the gateway running background responses over
// a chat-only upstream (spec/responses-api.md section 10): responses.create({background: true})
// answering at once, polling with responses.retrieve, responses.cancel, create with
// {background: true, stream: true}, re-attaching with responses.retrieve(id, {stream: true,
// starting_after}) and the SDK's responses.stream({response_id}) helper; the errors the SDK maps
// to its exception classes. The fake's slow-<n>-<ms> models stream "tok0", " tok1", ... ms apart
// and record on each request whether the upstream saw the client go (tests/support/fake_upstream.py).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startGateway } from './gateway.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let gw;
let client;
let clientB;

const ACTIVE = ['queued', 'in_progress'];
const slowText = (n) => Array.from({ length: n }, (_, i) => `tok${i}`).join(' ');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;
const marker = () => `bg-sdk-${process.pid}-${Date.now()}-${counter++}`;

before(async () => {
  gw = await startGateway({ config: path.join(here, 'background.yaml') });
  client = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
  clientB = new OpenAI({ apiKey: gw.GW_KEY_B, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
});
after(async () => { if (gw) await gw.stop(); });
beforeEach(async () => { await gw.fakeReset(); });

/** responses.retrieve until the status is terminal: every snapshot, the terminal one last. */
async function pollUntilDone(id, { timeoutMs = 20000, everyMs = 50 } = {}) {
  const snaps = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.responses.retrieve(id);
    snaps.push(r);
    if (!ACTIVE.includes(r.status)) return snaps;
    if (Date.now() > deadline) throw new Error(`response ${id} still ${r.status} after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** The fake's record of the one chat request carrying mark, once cond(record) holds. */
async function upstreamRecord(mark, cond = () => true, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const recs = (await gw.fakeRequests()).filter((q) => q.path === '/v1/chat/completions' && q.body.includes(mark));
    assert.ok(recs.length <= 1, `more than one upstream request for ${mark}`);
    if (recs.length === 1 && cond(recs[0])) return recs[0];
    if (Date.now() > deadline) throw new Error(`upstream record for ${mark} not as expected: ${JSON.stringify(recs[0])}`);
    await sleep(20);
  }
}

async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

const deltasOf = (events) => events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
const seqs = (events) => events.map((e) => e.sequence_number);
const range = (n) => [...Array(n).keys()];

// -- create and poll ----------------------------------------------------------------------------

test('responses.create({background: true}) answers at once; responses.retrieve polls it to completion', async () => {
  const mark = marker();
  const t0 = Date.now();
  const created = await client.responses.create({ model: 'slow-8-250', input: mark, background: true, metadata: { k: 'v' } });
  const dt = Date.now() - t0;
  assert.ok(dt < 1500, `create took ${dt} ms; the upstream needs 2 s`);
  assert.ok(ACTIVE.includes(created.status), created.status);
  assert.equal(created.background, true);
  assert.deepEqual(created.output, []);
  assert.equal(created.usage, null);
  assert.equal(created.output_text, '');
  assert.match(created.id, /^resp_/);

  const snaps = await pollUntilDone(created.id);
  const done = snaps.at(-1);
  assert.ok(snaps.length >= 3, 'an 8 x 250 ms run is seen running before it completes');
  assert.equal(done.status, 'completed');
  assert.equal(done.id, created.id);
  assert.equal(done.background, true);
  assert.deepEqual(done.metadata, { k: 'v' });
  assert.equal(done.output_text, slowText(8));
  assert.equal(done.usage.output_tokens, 8);
  assert.equal(done.error, null);
  assert.equal((await upstreamRecord(mark)).completed, true);
  for (const s of snaps.slice(0, -1)) {
    assert.ok(ACTIVE.includes(s.status), s.status);
    assert.equal(s.usage, null);
    assert.ok(slowText(8).startsWith(s.output_text), `text so far: ${s.output_text}`);
  }
});

test('failed and incomplete background responses', async () => {
  const failed = await client.responses.create({ model: 'fault-500', input: 'x', background: true });
  const f = (await pollUntilDone(failed.id)).at(-1);
  assert.equal(f.status, 'failed');
  assert.equal(f.error.code, 'server_error');
  assert.ok(f.error.message);

  const cut = await client.responses.create({ model: 'length', input: 'cut me short please', background: true });
  const c = (await pollUntilDone(cut.id)).at(-1);
  assert.equal(c.status, 'incomplete');
  assert.deepEqual(c.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(c.output_text, 'Hello! You said:');
});

// -- cancel ------------------------------------------------------------------------------------------

test('responses.cancel stops a running background response at once, and again is a no-op', async () => {
  const mark = marker();
  const created = await client.responses.create({ model: 'slow-150-100', input: mark, background: true });
  await upstreamRecord(mark, (q) => (q.deltas_sent ?? 0) >= 2);
  const tCancel = Date.now() / 1000;
  const cancelled = await client.responses.cancel(created.id);
  assert.equal(cancelled.id, created.id);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.background, true);
  assert.equal(cancelled.error, null);
  const rec = await upstreamRecord(mark, (q) => q.disconnected || q.completed, 5000);
  assert.equal(rec.disconnected, true, 'the upstream must see the disconnect');
  assert.equal(rec.completed, false);
  assert.ok(rec.t_end - tCancel < 1.5, `the upstream saw the disconnect ${(rec.t_end - tCancel).toFixed(2)} s after the cancel`);

  assert.deepEqual(await client.responses.cancel(created.id), cancelled, 'cancel is idempotent');
  const got = await client.responses.retrieve(created.id);
  assert.equal(got.status, 'cancelled');
});

test('responses.cancel of a finished background response returns it unchanged', async () => {
  const created = await client.responses.create({ model: 'gpt-test', input: 'quick', background: true });
  const done = (await pollUntilDone(created.id)).at(-1);
  assert.equal(done.status, 'completed');
  const again = await client.responses.cancel(created.id);
  assert.equal(again.status, 'completed');
  assert.deepEqual(again.output, done.output);
  assert.deepEqual(again.usage, done.usage);
});

test('errors: background without store, cancel of a foreground or unknown response', async () => {
  await assert.rejects(
    client.responses.create({ model: 'gpt-test', input: 'x', background: true, store: false }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400,
  );
  const fg = await client.responses.create({ model: 'gpt-test', input: 'foreground' });
  await assert.rejects(client.responses.cancel(fg.id), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.error?.message, 'Only background responses can be cancelled.');
    return true;
  });
  await assert.rejects(client.responses.cancel(`resp_${'0'.repeat(48)}`), (e) => e instanceof OpenAI.NotFoundError);
  const bg = await client.responses.create({ model: 'gpt-test', input: 'mine', background: true });
  await assert.rejects(clientB.responses.cancel(bg.id), (e) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(clientB.responses.retrieve(bg.id), (e) => e instanceof OpenAI.NotFoundError);
  assert.equal((await pollUntilDone(bg.id)).at(-1).status, 'completed');
});

// -- streaming and re-attaching ------------------------------------------------------------------------

test('create({background: true, stream: true}): response.created, response.queued, then live to the end', async () => {
  const stream = await client.responses.create({ model: 'slow-10-150', input: marker(), background: true, stream: true });
  const events = await collect(stream);
  assert.deepEqual(events.slice(0, 3).map((e) => e.type), ['response.created', 'response.queued', 'response.in_progress']);
  assert.equal(events[0].response.status, 'queued');
  assert.equal(events[0].response.background, true);
  assert.equal(events[1].response.status, 'queued');
  assert.deepEqual(seqs(events), range(events.length));
  const last = events.at(-1);
  assert.equal(last.type, 'response.completed');
  assert.equal(deltasOf(events), slowText(10));
  const got = await client.responses.retrieve(last.response.id);
  assert.equal(got.status, 'completed');
  assert.equal(got.output_text, slowText(10));
});

test('responses.retrieve(id, {stream: true, starting_after}) re-attaches to a running response', async () => {
  const stream = await client.responses.create({ model: 'slow-12-150', input: marker(), background: true, stream: true });
  const seen = [];
  let deltas = 0;
  for await (const ev of stream) { // leaving the loop drops the connection; the run goes on
    seen.push(ev);
    if (ev.type === 'response.output_text.delta' && ++deltas === 3) break;
  }
  const id = seen[0].response.id;
  const lastSeen = seen.at(-1).sequence_number;
  const rest = await collect(await client.responses.retrieve(id, { stream: true, starting_after: lastSeen }));
  assert.ok(rest.length > 0, 'nothing after the re-attach');
  assert.equal(rest[0].sequence_number, lastSeen + 1);
  const all = [...seen, ...rest];
  assert.deepEqual(seqs(all), range(all.length));
  assert.equal(all.at(-1).type, 'response.completed');
  assert.equal(deltasOf(all), slowText(12));

  // without starting_after: the whole stream again, the same events
  const full = await collect(await client.responses.retrieve(id, { stream: true }));
  assert.deepEqual(full, all);
  // after the end: only what follows starting_after
  const tail = await collect(await client.responses.retrieve(id, { stream: true, starting_after: all.length - 3 }));
  assert.deepEqual(tail, all.slice(-2));
});

test('responses.stream({response_id, starting_after}) helper follows a background response to its final Response', async () => {
  const created = await client.responses.create({ model: 'slow-10-150', input: marker(), background: true, stream: true });
  const first = [];
  for await (const ev of created) {
    first.push(ev);
    if (ev.type === 'response.output_text.delta') break;
  }
  const id = first[0].response.id;
  const helper = client.responses.stream({ response_id: id, starting_after: first.at(-1).sequence_number });
  const after = await collect(helper);
  assert.equal(after[0].sequence_number, first.at(-1).sequence_number + 1);
  const final = await helper.finalResponse();
  assert.equal(final.id, id);
  assert.equal(final.status, 'completed');
  assert.equal(final.output_text, slowText(10));
});
