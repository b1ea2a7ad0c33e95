// The official openai client (v6), unchanged, against the gateway serving the Responses API over a
// chat-only upstream (the fake refuses /v1/responses, so every answer here was translated):
// responses.create, responses.stream + finalResponse, tool loops, parallel tool calls,
// responses.parse with a json_schema text format, reasoning, refusal, incomplete, errors.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startGateway } from './gateway.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let gw;
let client;

// The fake upstream's fixed texts (tests/support/fake_upstream.py).
const REASONING = 'The user said something. I should answer politely.';
const REFUSAL = "I'm sorry, but I can't help with that.";

const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};
const time = {
  type: 'function',
  name: 'get_time',
  description: 'Local time in a time zone',
  parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'], additionalProperties: false },
  strict: true,
};

before(async () => {
  gw = await startGateway({ config: path.join(here, 'responses.yaml') });
  client = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
});
after(async () => { if (gw) await gw.stop(); });
beforeEach(async () => { await gw.fakeReset(); });

/** The chat requests the fake received; asserts they all went to /v1/chat/completions. */
async function upstreamChats(count) {
  const reqs = await gw.fakeRequests();
  assert.deepEqual(reqs.map((r) => r.path), Array(count).fill('/v1/chat/completions'));
  return reqs.map((r) => JSON.parse(r.body));
}

/** Collects every event of a ResponseStream and returns [types, finalResponse]. */
async function drain(stream) {
  const types = [];
  for await (const ev of stream) types.push(ev.type);
  return [types, await stream.finalResponse()];
}

test('responses.create: text answer, output_text, usage, request id', async () => {
  const { data: r, request_id: rid } = await client.responses
    .create({ model: 'gpt-test', input: 'What is the capital of France?', instructions: 'Be brief.' })
    .withResponse();
  assert.match(r.id, /^resp_/);
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.equal(r.output_text, 'Hello! You said: What is the capital of France?');
  assert.equal(r.output.length, 1);
  assert.equal(r.output[0].type, 'message');
  assert.equal(r.instructions, 'Be brief.');
  assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
  assert.ok(rid, 'x-request-id');
  const [up] = await upstreamChats(1);
  assert.deepEqual(up, {
    model: 'upstream-model',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the capital of France?' }],
  });
});

test('responses.stream: events, deltas and finalResponse()', async () => {
  const stream = client.responses.stream({ model: 'gpt-test', input: 'stream me please' });
  const deltas = [];
  stream.on('response.output_text.delta', (e) => deltas.push([e.delta, e.snapshot]));
  const [types, final] = await drain(stream);
  assert.deepEqual(types, [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    ...Array(6).fill('response.output_text.delta'),
    'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
  ]);
  assert.deepEqual(deltas.map((d) => d[0]), ['Hello!', ' You', ' said:', ' stream', ' me', ' please']);
  assert.deepEqual(deltas.map((d) => d[1]).slice(0, 2), ['Hello!', 'Hello! You']);
  assert.equal(deltas.at(-1)[1], 'Hello! You said: stream me please');
  assert.equal(final.output_text, 'Hello! You said: stream me please');
  assert.equal(final.status, 'completed');
  assert.ok(final.usage.output_tokens > 0);
  const [up] = await upstreamChats(1);
  assert.equal(up.stream, true);
  assert.deepEqual(up.stream_options, { include_usage: true });
});

test('responses.create({stream: true}): raw events have sequence numbers 0..n', async () => {
  const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
  const seqs = [];
  let last;
  for await (const ev of stream) { seqs.push(ev.sequence_number); last = ev; }
  assert.deepEqual(seqs, [...seqs.keys()]);
  assert.equal(last.type, 'response.completed');
  assert.equal(last.response.output[0].content[0].text, 'Hello! You said: hi');
});

for (const stream of [false, true]) {
  test(`tool loop with function_call_output (stream: ${stream})`, async () => {
    const first = { model: 'gpt-test', input: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather] };
    const r1 = stream
      ? (await drain(client.responses.stream(first)))[1]
      : await client.responses.create(first);
    assert.equal(r1.output.length, 1);
    const call = r1.output[0];
    assert.equal(call.type, 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.equal(call.arguments, '{"city":"Paris"}');
    assert.match(call.call_id, /^call_fake_\d+_0$/);
    assert.equal(r1.output_text, '');

    const second = {
      model: 'gpt-test',
      tools: [weather],
      input: [...first.input, ...r1.output, { type: 'function_call_output', call_id: call.call_id, output: '18 C and sunny' }],
    };
    const r2 = stream
      ? (await drain(client.responses.stream(second)))[1]
      : await client.responses.create(second);
    assert.equal(r2.output_text, 'The tool returned: 18 C and sunny');
    const ups = await upstreamChats(2);
    assert.deepEqual(ups[1].messages, [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: call.call_id, content: '18 C and sunny' },
    ]);
    assert.deepEqual(ups[1].tools, [{ type: 'function', function: { name: 'get_weather', description: weather.description, parameters: weather.parameters, strict: true } }]);
  });
}

test('parallel tool calls: two function_call items, both outputs fed back in one turn', async () => {
  const input = [{ role: 'user', content: 'Weather and time?' }];
  const [types, r1] = await drain(client.responses.stream({ model: 'parallel', input, tools: [weather, time] }));
  assert.deepEqual(r1.output.map((o) => [o.type, o.name, o.arguments]), [
    ['function_call', 'get_weather', '{"city":"Paris"}'],
    ['function_call', 'get_time', '{"tz":"London"}'],
  ]);
  assert.notEqual(r1.output[0].call_id, r1.output[1].call_id);
  assert.notEqual(r1.output[0].id, r1.output[1].id);
  assert.equal(types.filter((t) => t === 'response.output_item.added').length, 2);
  const nonStream = await client.responses.create({ model: 'parallel', input, tools: [weather, time] });
  assert.deepEqual(nonStream.output.map((o) => [o.type, o.name, o.arguments]), r1.output.map((o) => [o.type, o.name, o.arguments]));

  const outputs = [{ type: 'function_call_output', call_id: r1.output[0].call_id, output: '18 C' },
    { type: 'function_call_output', call_id: r1.output[1].call_id, output: '12:00' }];
  const r2 = await client.responses.create({ model: 'parallel', input: [...input, ...r1.output, ...outputs], tools: [weather, time] });
  assert.equal(r2.output_text, 'The tools returned: 18 C; 12:00');
  const ups = await upstreamChats(3);
  const msgs = ups[2].messages;
  assert.equal(msgs.length, 4);
  assert.equal(msgs[1].role, 'assistant');
  assert.deepEqual(msgs[1].tool_calls.map((t) => t.id), [r1.output[0].call_id, r1.output[1].call_id]);
  assert.deepEqual(msgs.slice(2).map((m) => [m.role, m.tool_call_id, m.content]),
    [['tool', r1.output[0].call_id, '18 C'], ['tool', r1.output[1].call_id, '12:00']]);
});

test('responses.parse with a json_schema text format: output_parsed (stream and non-stream)', async () => {
  const format = {
    type: 'json_schema',
    name: 'weather',
    strict: true,
    schema: { type: 'object', properties: { city: { type: 'string' }, temp: { type: 'integer' } }, required: ['city', 'temp'], additionalProperties: false },
  };
  const r = await client.responses.parse({ model: 'gpt-test', input: 'Weather as JSON', text: { format } });
  assert.deepEqual(r.output_parsed, { city: 'Paris', temp: 42 });
  assert.deepEqual(r.text.format, { ...format, description: null }); // what OpenAI echoes too
  const final = await client.responses.stream({ model: 'gpt-test', input: 'Weather as JSON', text: { format } }).finalResponse();
  // the stream helper auto-parses only zod formats; a plain json_schema is parsed by hand
  assert.deepEqual(JSON.parse(final.output_text), { city: 'Paris', temp: 42 });
  const ups = await upstreamChats(2);
  for (const up of ups) {
    assert.deepEqual(up.response_format, { type: 'json_schema', json_schema: { name: 'weather', schema: format.schema, strict: true } });
  }
});

test('reasoning: a reasoning item with reasoning_text, streamed with the SDK event names', async () => {
  const stream = client.responses.stream({ model: 'reasoner', input: 'hi', reasoning: { effort: 'low' } });
  const rdeltas = [];
  stream.on('response.reasoning_text.delta', (e) => rdeltas.push(e.delta));
  const [, final] = await drain(stream);
  assert.equal(rdeltas.join(''), REASONING);
  assert.deepEqual(final.output.map((o) => o.type), ['reasoning', 'message']);
  assert.deepEqual(final.output[0].content, [{ type: 'reasoning_text', text: REASONING }]);
  assert.deepEqual(final.output[0].summary, []);
  assert.equal(final.output_text, 'Hello! You said: hi');
  assert.ok(final.usage.output_tokens_details.reasoning_tokens > 0);
  assert.deepEqual(final.reasoning, { effort: 'low', summary: null });
  const r = await client.responses.create({ model: 'reasoner', input: 'hi', reasoning: { effort: 'low' } });
  assert.deepEqual(r.output[0].content, [{ type: 'reasoning_text', text: REASONING }]);
  const ups = await upstreamChats(2);
  assert.equal(ups[0].reasoning_effort, 'low');
});

test('refusal: a refusal content part, streamed', async () => {
  const stream = client.responses.stream({ model: 'refuser', input: 'something bad' });
  const deltas = [];
  stream.on('response.refusal.delta', (e) => deltas.push(e.delta));
  const [, final] = await drain(stream);
  assert.equal(deltas.join(''), REFUSAL);
  assert.deepEqual(final.output[0].content.map(({ type, refusal }) => ({ type, refusal })), [{ type: 'refusal', refusal: REFUSAL }]);
  assert.equal(final.output_text, '');
});

test('finish_reason length: status incomplete with incomplete_details', async () => {
  const r = await client.responses.create({ model: 'length', input: 'hi', max_output_tokens: 16 });
  assert.equal(r.status, 'incomplete');
  assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(r.output_text, 'Hello! You said:');
  const final = await client.responses.stream({ model: 'length', input: 'hi', max_output_tokens: 16 }).finalResponse();
  assert.equal(final.status, 'incomplete');
  const ups = await upstreamChats(2);
  assert.equal(ups[0].max_tokens, 16);
});

test('upstream cut mid-stream: the SDK gets response.failed, not an exception or a hang', async () => {
  const stream = client.responses.stream({ model: 'fault-cut', input: 'hi' });
  let failed = null;
  stream.on('response.failed', (e) => { failed = e.response; });
  const [types, final] = await drain(stream);
  assert.equal(types.at(-1), 'response.failed');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error.code, 'server_error');
  assert.equal(final.status, 'failed');
});

test('errors: upstream 429 -> RateLimitError, strict drop -> BadRequestError, hosted tool -> 400', async () => {
  await assert.rejects(client.responses.create({ model: 'fault-429', input: 'hi' }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, e.constructor.name);
    assert.equal(e.status, 429);
    return true;
  });
  await assert.rejects(client.responses.create({ model: 'gpt-strict', input: 'hi', reasoning: { summary: 'auto' } }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    assert.equal(e.param, 'reasoning.summary');
    assert.equal(e.code, 'unsupported_parameter');
    return true;
  });
  await assert.rejects(client.responses.stream({ model: 'gpt-test', input: 'hi', tools: [{ type: 'web_search' }] }).finalResponse(), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    assert.equal(e.param, 'tools[0].type');
    return true;
  });
  await assert.rejects(client.responses.create({ model: 'gpt-test', input: 'hi', previous_response_id: 'resp_x' }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.param, 'previous_response_id');
    return true;
  });
});

test('dropped parameters are named in x-switchyard-dropped', async () => {
  const { data, response } = await client.responses
    .create({ model: 'gpt-test', input: 'hi', reasoning: { effort: 'low', summary: 'auto' } })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-dropped'), 'reasoning.summary');
  assert.equal(data.output_text, 'Hello! You said: hi');
});
