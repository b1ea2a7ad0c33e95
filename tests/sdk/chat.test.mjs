// The official openai client (v6) against the real gateway + fake upstream: chat completions,
// streaming with usage, tool calls, runTools, request ids.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './gateway.mjs';

let gw;
let client;

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
      additionalProperties: false,
    },
  },
};

const reqN = (rid) => {
  assert.match(rid ?? '', /^req_fake_\d+$/, `x-request-id from the upstream, got ${rid}`);
  return Number(rid.slice('req_fake_'.length));
};

before(async () => {
  gw = await startGateway();
  client = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
});
after(async () => { if (gw) await gw.stop(); });
beforeEach(async () => { await gw.fakeReset(); });

test('chat.completions.create (non-stream) + _request_id', async () => {
  const c = await client.chat.completions.create({
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'What is the capital of France?' }],
  });
  const n = reqN(c._request_id);
  assert.equal(c.id, `chatcmpl-fake-${n}`);
  assert.equal(c.object, 'chat.completion');
  assert.equal(c.model, 'upstream-model');
  assert.equal(c.choices[0].message.role, 'assistant');
  assert.equal(c.choices[0].message.content, 'Hello! You said: What is the capital of France?');
  assert.equal(c.choices[0].finish_reason, 'stop');
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  const reqs = await gw.fakeRequests();
  assert.equal(reqs.length, 1);
  assert.equal(JSON.parse(reqs[0].body).model, 'upstream-model');
  assert.notEqual(reqs[0].headers.authorization, `Bearer ${gw.apiKey}`, 'gateway key sent upstream');
});

test('withResponse() exposes x-request-id and passthrough headers', async () => {
  const { data, response, request_id } = await client.chat.completions
    .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  const n = reqN(response.headers.get('x-request-id'));
  assert.equal(request_id, `req_fake_${n}`);
  assert.equal(data.id, `chatcmpl-fake-${n}`);
  assert.equal(response.headers.get('openai-version'), '2020-10-01');
  assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '9999');
  assert.equal(response.headers.get('x-fake-private'), null);
});

test('stream with include_usage: content concatenates exactly, usage chunk arrives', async () => {
  const { data: stream, response } = await client.chat.completions.create({
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'Tell me a short story' }],
    stream: true,
    stream_options: { include_usage: true },
  }).withResponse();
  let text = '';
  let usage = null;
  let chunks = 0;
  let role = null;
  let finish = null;
  let ids = new Set();
  for await (const chunk of stream) {
    chunks++;
    ids.add(chunk.id);
    if (chunk.choices.length === 0) {
      assert.equal(usage, null, 'two usage chunks');
      usage = chunk.usage;
      continue;
    }
    assert.equal(chunk.usage, null, 'non-final chunks carry usage: null');
    const ch = chunk.choices[0];
    role ??= ch.delta.role ?? null;
    text += ch.delta.content ?? '';
    finish = ch.finish_reason ?? finish;
  }
  assert.equal(text, 'Hello! You said: Tell me a short story');
  assert.equal(role, 'assistant');
  assert.equal(finish, 'stop');
  assert.ok(usage, 'usage chunk did not arrive');
  assert.equal(usage.completion_tokens, 8); // Hello! You said: Tell me a short story
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.equal(ids.size, 1);
  assert.ok(chunks >= 9, `expected >= 9 chunks, got ${chunks}`);
  assert.equal(response.headers.get('content-type').split(';')[0], 'text/event-stream');
  reqN(response.headers.get('x-request-id'));
});

test('ChatCompletionStream helper (chat.completions.stream) accumulates a final completion', async () => {
  const runner = client.chat.completions.stream({
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'stream helper' }],
    stream_options: { include_usage: true },
  });
  const deltas = [];
  runner.on('content', (delta) => deltas.push(delta));
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'Hello! You said: stream helper');
  assert.equal(deltas.join(''), 'Hello! You said: stream helper');
  assert.ok(final.usage && final.usage.total_tokens > 0);
});

test('tool call (non-stream): id, name, arguments', async () => {
  const { data: c, request_id } = await client.chat.completions
    .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] })
    .withResponse();
  const n = reqN(request_id);
  const msg = c.choices[0].message;
  assert.equal(c.choices[0].finish_reason, 'tool_calls');
  assert.equal(msg.content, null);
  assert.equal(msg.tool_calls.length, 1);
  assert.equal(msg.tool_calls[0].id, `call_fake_${n}_0`);
  assert.equal(msg.tool_calls[0].type, 'function');
  assert.equal(msg.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: 'Paris', days: 42 });
});

test('tool call (stream): fragments reassemble to id, name, arguments', async () => {
  const { data: stream, response } = await client.chat.completions.create({
    model: 'gpt-test', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], stream: true,
  }).withResponse();
  const calls = {};
  let finish = null;
  let fragments = 0;
  for await (const chunk of stream) {
    for (const ch of chunk.choices) {
      finish = ch.finish_reason ?? finish;
      for (const d of ch.delta.tool_calls ?? []) {
        const c = (calls[d.index] ??= { id: null, name: null, args: '' });
        c.id = d.id ?? c.id;
        c.name = d.function?.name ?? c.name;
        if (d.function?.arguments) { c.args += d.function.arguments; fragments++; }
      }
    }
  }
  const n = reqN(response.headers.get('x-request-id'));
  assert.equal(finish, 'tool_calls');
  assert.deepEqual(Object.keys(calls), ['0']);
  assert.equal(calls[0].id, `call_fake_${n}_0`);
  assert.equal(calls[0].name, 'get_weather');
  assert.equal(calls[0].args, '{"city":"Paris","days":42}');
  assert.ok(fragments > 1, 'arguments should arrive in several fragments');
});

test('tool call (stream helper): finalChatCompletion has the tool call', async () => {
  const runner = client.chat.completions.stream({
    model: 'gpt-test', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool],
  });
  const final = await runner.finalChatCompletion();
  const tc = final.choices[0].message.tool_calls[0];
  assert.match(tc.id, /^call_fake_\d+_0$/);
  assert.equal(tc.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(tc.function.arguments), { city: 'Paris', days: 42 });
});

for (const stream of [false, true]) {
  test(`runTools with a real JS function (stream: ${stream})`, async () => {
    const seen = [];
    const runner = client.chat.completions.runTools({
      model: 'gpt-test',
      stream,
      messages: [{ role: 'user', content: 'What is the weather in Paris for 2 days?' }],
      tools: [{
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parse: JSON.parse,
          parameters: weatherTool.function.parameters,
          function: async (args) => { seen.push(args); return `22 C and sunny in ${args.city}`; },
        },
      }],
    });
    const content = await runner.finalContent();
    assert.deepEqual(seen, [{ city: 'Paris', days: 42 }]);
    assert.equal(content, 'The tool returned: 22 C and sunny in Paris');
    const msgs = runner.messages;
    assert.equal(msgs.filter((m) => m.role === 'tool').length, 1);
    const reqs = (await gw.fakeRequests()).filter((r) => r.path === '/v1/chat/completions');
    assert.equal(reqs.length, 2, 'tool call round trip = 2 upstream requests');
    const second = JSON.parse(reqs[1].body);
    assert.equal(second.messages.at(-1).role, 'tool');
    assert.equal(second.messages.at(-1).content, '22 C and sunny in Paris');
  });
}

test('models.list returns the configured names', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ['gpt-test', 'fault-429', 'fault-500', 'fault-malformed', 'fault-cut', 'slow']);
});

test('embeddings are proxied to the default upstream', async () => {
  const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b c'] });
  assert.equal(e.data.length, 2);
  assert.equal(e.data[1].index, 1);
  assert.equal(e.data[0].embedding.length, 8);
  assert.ok(e.data[0].embedding.every((x) => typeof x === 'number'));
  const reqs = await gw.fakeRequests();
  assert.equal(reqs.at(-1).path, '/v1/embeddings');
});
