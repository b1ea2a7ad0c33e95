// The official openai client (v6), unchanged, against the gateway keeping Responses state over a
// chat-only upstream: responses.retrieve / delete / inputItems.list (with auto-pagination),
// previous_response_id chains with a tool call and function_call_output, store:false, the
// Conversations API (conversations.* and conversations.items.*), responses created with
// `conversation`, and key isolation. Reference: spec/responses-api.md sections 1, 11, 12.
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

const REASONING = 'The user said something. I should answer politely.';
const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};
const userItem = (text) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistantItem = (text) => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });

before(async () => {
  gw = await startGateway({ config: path.join(here, 'stored.yaml') });
  client = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
  clientB = new OpenAI({ apiKey: gw.GW_KEY_B, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
});
after(async () => { if (gw) await gw.stop(); });
beforeEach(async () => { await gw.fakeReset(); });

/** A user content of one text part written as the plain string (a stored string input may be
 * replayed either way); everything else as the upstream received it. */
function flat(messages) {
  return messages.map((m) => {
    const c = m.content;
    if (m.role === 'user' && Array.isArray(c) && c.length === 1 && c[0].type === 'text' && Object.keys(c[0]).length === 2) {
      return { ...m, content: c[0].text };
    }
    return m;
  });
}

/** The chat requests the fake received (all to /v1/chat/completions), messages flattened. */
async function upstreamChats(count) {
  const reqs = await gw.fakeRequests();
  assert.deepEqual(reqs.map((r) => r.path), Array(count).fill('/v1/chat/completions'));
  return reqs.map((r) => { const b = JSON.parse(r.body); return { ...b, messages: flat(b.messages) }; });
}

const isNotFound = (e) => e instanceof OpenAI.NotFoundError && e.status === 404;
const texts = (items) => items.map((it) => it.content[0].text);
const withoutOutputText = ({ output_text: _, ...rest }) => rest;

async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

// -- responses ----------------------------------------------------------------------------------

test('responses.create then responses.retrieve returns the same Response', async () => {
  const created = await client.responses.create({
    model: 'gpt-test', input: 'remember me', instructions: 'Be brief.', metadata: { k: 'v' },
  });
  assert.equal(created.store, true, 'store defaults to true');
  const got = await client.responses.retrieve(created.id);
  assert.deepEqual(got, created);
  assert.equal(got.output_text, 'Hello! You said: remember me');
  assert.equal(got.instructions, 'Be brief.');
});

test('streamed create: retrieve as soon as response.completed arrives', async () => {
  const stream = await client.responses.create({ model: 'gpt-test', input: 'stream then fetch', stream: true });
  let completed;
  let fetched;
  for await (const ev of stream) {
    if (ev.type === 'response.completed') {
      completed = ev.response;
      fetched = await client.responses.retrieve(completed.id); // before the stream is finished
    }
  }
  assert.ok(completed, 'no response.completed');
  assert.equal(fetched.output_text, 'Hello! You said: stream then fetch');
  assert.deepEqual(withoutOutputText(fetched), withoutOutputText(completed));
});

test('responses.stream helper: finalResponse() is retrievable', async () => {
  const stream = client.responses.stream({ model: 'reasoner', input: 'think first' });
  const final = await stream.finalResponse();
  const got = await client.responses.retrieve(final.id);
  // (finalResponse() adds `parsed` to output_text parts: compare ids, types and texts)
  assert.deepEqual(got.output.map((it) => [it.id, it.type]), final.output.map((it) => [it.id, it.type]));
  assert.equal(got.output_text, final.output_text);
  assert.equal(got.output_text, 'Hello! You said: think first');
  assert.deepEqual(got.output.map((it) => it.type), ['reasoning', 'message']);
  assert.deepEqual(got.output[0].content, [{ type: 'reasoning_text', text: REASONING }]);
});

test('responses.inputItems.list: shape, default order desc, pages, for await', async () => {
  const r = await client.responses.create({ model: 'gpt-test', input: ['m1', 'm2', 'm3', 'm4', 'm5'].map(userItem) });
  const page = await client.responses.inputItems.list(r.id);
  assert.deepEqual(texts(page.data), ['m5', 'm4', 'm3', 'm2', 'm1'], 'order defaults to desc');
  assert.equal(page.has_more, false);
  for (const it of page.data) {
    assert.match(it.id, /^msg_/);
    assert.equal(it.type, 'message');
    assert.equal(it.role, 'user');
    assert.equal(it.status, 'completed');
  }
  const first = await client.responses.inputItems.list(r.id, { limit: 2, order: 'asc' });
  assert.deepEqual(texts(first.data), ['m1', 'm2']);
  assert.equal(first.has_more, true);
  assert.equal(first.hasNextPage(), true);
  const second = await first.getNextPage();
  assert.deepEqual(texts(second.data), ['m3', 'm4']);
  const all = await collect(client.responses.inputItems.list(r.id, { limit: 2, order: 'asc' }));
  assert.deepEqual(texts(all), ['m1', 'm2', 'm3', 'm4', 'm5']);
  const allDesc = await collect(client.responses.inputItems.list(r.id, { limit: 2 }));
  assert.deepEqual(texts(allDesc), ['m5', 'm4', 'm3', 'm2', 'm1']);
  await assert.rejects(client.responses.inputItems.list(r.id, { limit: 101 }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'limit');
});

test('string input is one user message with an input_text part', async () => {
  const r = await client.responses.create({ model: 'gpt-test', input: 'just a string' });
  const items = await collect(client.responses.inputItems.list(r.id));
  assert.equal(items.length, 1);
  const { id, ...rest } = items[0];
  assert.match(id, /^msg_/);
  assert.deepEqual(rest, { type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'just a string' }] });
});

test('responses.delete: then retrieve, inputItems and delete are NotFound', async () => {
  const r = await client.responses.create({ model: 'gpt-test', input: 'delete me' });
  // (the SDK hands back the parsed body: spec/responses-api.md 1, 11)
  assert.deepEqual(await client.responses.delete(r.id), { id: r.id, object: 'response.deleted', deleted: true });
  await assert.rejects(client.responses.retrieve(r.id), isNotFound);
  await assert.rejects(client.responses.inputItems.list(r.id), isNotFound);
  await assert.rejects(client.responses.delete(r.id), isNotFound);
  await assert.rejects(client.responses.create({ model: 'gpt-test', input: 'x', previous_response_id: r.id }),
    (e) => (e.status === 400 || e.status === 404) && e.param === 'previous_response_id');
});

test('store:false: not retrievable, cannot be continued', async () => {
  const r = await client.responses.create({ model: 'gpt-test', input: 'ephemeral', store: false });
  assert.equal(r.store, false);
  assert.equal(r.output_text, 'Hello! You said: ephemeral');
  await assert.rejects(client.responses.retrieve(r.id), isNotFound);
  await gw.fakeReset();
  await assert.rejects(client.responses.create({ model: 'gpt-test', input: 'x', previous_response_id: r.id }),
    (e) => (e.status === 400 || e.status === 404) && e.param === 'previous_response_id');
  assert.deepEqual(await gw.fakeRequests(), []);
});

test('previous_response_id chain: tool call, function_call_output only, then text', async () => {
  const r1 = await client.responses.create({ model: 'gpt-test', input: 'Weather in Paris?', tools: [weather] });
  const call = r1.output[0];
  assert.equal(call.type, 'function_call');
  assert.equal(call.arguments, '{"city":"Paris"}');
  await gw.fakeReset();
  const r2 = await client.responses.create({
    model: 'gpt-test', tools: [weather], previous_response_id: r1.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 C and sunny' }],
  });
  assert.equal(r2.previous_response_id, r1.id);
  assert.equal(r2.output_text, 'The tool returned: 18 C and sunny');
  const toolTurn = [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: call.call_id, content: '18 C and sunny' },
  ];
  assert.deepEqual((await upstreamChats(1))[0].messages, toolTurn);
  const items2 = await collect(client.responses.inputItems.list(r2.id));
  assert.deepEqual(items2.map((it) => [it.type, it.call_id, it.output]), [['function_call_output', call.call_id, '18 C and sunny']]);

  await gw.fakeReset();
  const r3 = await client.responses.create({
    model: 'gpt-test', previous_response_id: r2.id, input: 'Thanks!', instructions: 'Only for this turn.',
  });
  assert.equal(r3.output_text, 'Hello! You said: Thanks!');
  assert.deepEqual((await upstreamChats(1))[0].messages, [
    { role: 'system', content: 'Only for this turn.' },
    ...toolTurn,
    { role: 'assistant', content: 'The tool returned: 18 C and sunny' },
    { role: 'user', content: 'Thanks!' },
  ]);
});

test('another key gets NotFound for responses', async () => {
  const r = await client.responses.create({ model: 'gpt-test', input: 'team a only' });
  await assert.rejects(clientB.responses.retrieve(r.id), isNotFound);
  await assert.rejects(clientB.responses.inputItems.list(r.id), isNotFound);
  await assert.rejects(clientB.responses.delete(r.id), isNotFound);
  assert.equal((await client.responses.retrieve(r.id)).id, r.id);
});

// -- conversations --------------------------------------------------------------------------------

test('conversations.create / retrieve / update / delete', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const c = await client.conversations.create({ metadata: { topic: 'demo' }, items: [userItem('Hello')] });
  assert.match(c.id, /^conv_/);
  assert.equal(c.object, 'conversation');
  assert.ok(Math.abs(c.created_at - t0) <= 5, `created_at ${c.created_at}`);
  assert.deepEqual(c.metadata, { topic: 'demo' });
  assert.deepEqual(await client.conversations.retrieve(c.id), c);
  const upd = await client.conversations.update(c.id, { metadata: { topic: 'changed' } });
  assert.deepEqual(upd, { ...c, metadata: { topic: 'changed' } });
  const del = await client.conversations.delete(c.id);
  assert.deepEqual(del, { id: c.id, object: 'conversation.deleted', deleted: true });
  await assert.rejects(client.conversations.retrieve(c.id), isNotFound);
  const empty = await client.conversations.create();
  assert.deepEqual(empty.metadata, {});
});

test('conversations.items.create / list / retrieve / delete', async () => {
  const c = await client.conversations.create({ items: [userItem('c1')] });
  const added = await client.conversations.items.create(c.id, {
    items: [assistantItem('c2'), userItem('c3'), assistantItem('c4'), userItem('c5')],
  });
  assert.equal(added.object, 'list');
  assert.deepEqual(texts(added.data), ['c2', 'c3', 'c4', 'c5']);
  const all = await collect(client.conversations.items.list(c.id, { order: 'asc', limit: 2 }));
  assert.deepEqual(texts(all), ['c1', 'c2', 'c3', 'c4', 'c5']);
  const desc = await collect(client.conversations.items.list(c.id, { limit: 2 }));
  assert.deepEqual(texts(desc), ['c5', 'c4', 'c3', 'c2', 'c1'], 'order defaults to desc');
  const one = await client.conversations.items.retrieve(all[2].id, { conversation_id: c.id });
  assert.deepEqual(one, all[2]);
  const after = await client.conversations.items.delete(all[2].id, { conversation_id: c.id });
  assert.deepEqual(after, await client.conversations.retrieve(c.id), 'deleting an item answers the conversation');
  assert.deepEqual(texts(await collect(client.conversations.items.list(c.id, { order: 'asc' }))), ['c1', 'c2', 'c4', 'c5']);
  await assert.rejects(client.conversations.items.retrieve(all[2].id, { conversation_id: c.id }), isNotFound);
});

test('responses.create with conversation: context before, turn appended after', async () => {
  const c = await client.conversations.create({ items: [userItem('My name is Ann.'), assistantItem('Nice to meet you, Ann.')] });
  await gw.fakeReset();
  const r = await client.responses.create({ model: 'gpt-test', conversation: c.id, input: 'What is my name?' });
  assert.deepEqual(r.conversation, { id: c.id });
  assert.deepEqual((await upstreamChats(1))[0].messages, [
    { role: 'user', content: 'My name is Ann.' },
    { role: 'assistant', content: 'Nice to meet you, Ann.' },
    { role: 'user', content: 'What is my name?' },
  ]);
  const items = await collect(client.conversations.items.list(c.id, { order: 'asc' }));
  assert.deepEqual(texts(items), ['My name is Ann.', 'Nice to meet you, Ann.', 'What is my name?', 'Hello! You said: What is my name?']);
  assert.equal(items[3].id, r.output[0].id);
  assert.deepEqual(items[3], r.output[0]);

  // the object form, streamed, continues the same conversation
  await gw.fakeReset();
  const stream = client.responses.stream({ model: 'gpt-test', conversation: { id: c.id }, input: 'Again?' });
  const final = await stream.finalResponse();
  assert.deepEqual(final.conversation, { id: c.id });
  assert.equal((await upstreamChats(1))[0].messages.length, 5);
  assert.equal((await collect(client.conversations.items.list(c.id))).length, 6);
});

test('conversation together with previous_response_id is a BadRequest', async () => {
  const c = await client.conversations.create();
  const r = await client.responses.create({ model: 'gpt-test', input: 'x' });
  await assert.rejects(
    client.responses.create({ model: 'gpt-test', input: 'y', conversation: c.id, previous_response_id: r.id }),
    (e) => e instanceof OpenAI.BadRequestError);
});

test('another key gets NotFound for conversations', async () => {
  const c = await client.conversations.create({ items: [userItem('private')] });
  const [item] = await collect(client.conversations.items.list(c.id));
  await assert.rejects(clientB.conversations.retrieve(c.id), isNotFound);
  await assert.rejects(clientB.conversations.update(c.id, { metadata: { x: 'y' } }), isNotFound);
  await assert.rejects(clientB.conversations.items.list(c.id), isNotFound);
  await assert.rejects(clientB.conversations.items.retrieve(item.id, { conversation_id: c.id }), isNotFound);
  await assert.rejects(clientB.conversations.delete(c.id), isNotFound);
  await assert.rejects(clientB.responses.create({ model: 'gpt-test', input: 'x', conversation: c.id }), isNotFound);
  assert.deepEqual(await client.conversations.retrieve(c.id), c);
});
