// The official openai client (v6), its chat API unchanged, against Responses-only deployments
// (provider openai-responses): the gateway translates every chat request into POST /v1/responses
// (the fake answers 404 to /v1/chat/completions for these models) and the Response / event
// stream back into chat completions and chunks. create, stream + include_usage, the stream
// helper, tool calls, runTools with a real JS function (a tool loop over /v1/responses),
// previous_response_id sessions, and error mapping.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startGateway } from './gateway.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let gw;
let client;

const REFUSAL = "I'm sorry, but I can't help with that."; // fake_upstream.REFUSAL_TEXT
const weatherParams = {
  type: 'object',
  properties: { city: { type: 'string' }, days: { type: 'integer' } },
  required: ['city', 'days'],
  additionalProperties: false,
};
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherParams } };
const timeTool = {
  type: 'function',
  function: { name: 'get_time', description: 'Local time', parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } },
};
const flatWeather = { type: 'function', name: 'get_weather', description: 'Current weather for a city', parameters: weatherParams, strict: false };

before(async () => {
  gw = await startGateway({ config: path.join(here, 'chat_over_responses.yaml') });
  client = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 20000 });
});
after(async () => { if (gw) await gw.stop(); });
beforeEach(async () => { await gw.fakeReset(); });

/** The Responses requests the fake received: asserts there are `count`, all POST /v1/responses.
 *  An explicit `stream: false` (the default) is taken out of the bodies. */
async function upstream(count) {
  const reqs = await gw.fakeRequests();
  assert.deepEqual(reqs.map((r) => `${r.method} ${r.path}`), Array(count).fill('POST /v1/responses'));
  return reqs.map((r) => {
    const body = JSON.parse(r.body);
    if (body.stream === false) delete body.stream;
    return { n: r.n, body };
  });
}

test('chat.completions.create: text, id = the upstream Response id, usage details', async () => {
  const c = await client.chat.completions.create({
    model: 'chat-resp',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the capital of France?' }],
  });
  const [up] = await upstream(1);
  assert.deepEqual(up.body, {
    model: 'resp-chat',
    input: [
      { type: 'message', role: 'system', content: 'Be brief.' },
      { type: 'message', role: 'user', content: 'What is the capital of France?' },
    ],
    store: false,
  });
  assert.equal(c.id, `resp_fake_${up.n}`);
  assert.equal(c.object, 'chat.completion');
  assert.equal(c.model, 'chat-resp');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0].message.role, 'assistant');
  assert.equal(c.choices[0].message.content, 'Hello! You said: What is the capital of France?');
  assert.equal(c.choices[0].message.refusal, null);
  assert.equal(c.choices[0].finish_reason, 'stop');
  assert.equal(c.usage.completion_tokens, 9);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + 9);
  assert.equal(c.usage.prompt_tokens_details.cached_tokens, 2);
  assert.equal(c.usage.completion_tokens_details.reasoning_tokens, 0);
});

test('stream with include_usage: content concatenates exactly, usage chunk arrives', async () => {
  const stream = await client.chat.completions.create({
    model: 'chat-resp',
    messages: [{ role: 'user', content: 'Tell me a short story' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let role = null;
  let finish = null;
  let chunks = 0;
  const ids = new Set();
  for await (const chunk of stream) {
    chunks++;
    ids.add(chunk.id);
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.choices.length === 0) {
      assert.equal(usage, null, 'two usage chunks');
      usage = chunk.usage;
      continue;
    }
    assert.equal(usage, null, 'a chunk after the usage chunk');
    assert.equal(chunk.usage, null, 'non-final chunks carry usage: null');
    const ch = chunk.choices[0];
    if (chunks === 1) role = ch.delta.role;
    text += ch.delta.content ?? '';
    finish = ch.finish_reason ?? finish;
  }
  const [up] = await upstream(1);
  assert.equal(up.body.stream, true);
  assert.equal(up.body.stream_options, undefined, 'include_usage is the gateway\'s business');
  assert.equal(text, 'Hello! You said: Tell me a short story');
  assert.equal(role, 'assistant');
  assert.equal(finish, 'stop');
  assert.ok(usage, 'usage chunk did not arrive');
  assert.equal(usage.completion_tokens, 8);
  assert.equal(usage.total_tokens, usage.prompt_tokens + 8);
  assert.deepEqual([...ids], [`resp_fake_${up.n}`]);
  assert.equal(chunks, 1 + 8 + 1 + 1); // role, 8 deltas, finish, usage
});

test('ChatCompletionStream helper: finalChatCompletion and content events', async () => {
  const runner = client.chat.completions.stream({
    model: 'chat-resp',
    messages: [{ role: 'user', content: 'stream helper' }],
    stream_options: { include_usage: true },
  });
  const deltas = [];
  runner.on('content', (delta) => deltas.push(delta));
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'Hello! You said: stream helper');
  assert.deepEqual(deltas, ['Hello!', ' You', ' said:', ' stream', ' helper']);
  assert.equal(final.usage.completion_tokens, 5);
});

test('tool call (non-stream): id = call_id, name, arguments, finish_reason tool_calls', async () => {
  const c = await client.chat.completions.create({
    model: 'chat-resp', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool],
  });
  const [up] = await upstream(1);
  assert.deepEqual(up.body.tools, [flatWeather]);
  const msg = c.choices[0].message;
  assert.equal(c.choices[0].finish_reason, 'tool_calls');
  assert.equal(msg.content, null);
  assert.deepEqual(msg.tool_calls, [{
    id: `call_fake_${up.n}_0`, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":42}' },
  }]);
});

test('parallel tool calls (stream): fragments reassemble per index', async () => {
  const stream = await client.chat.completions.create({
    model: 'chat-resp-parallel',
    messages: [{ role: 'user', content: 'Weather and time?' }],
    tools: [weatherTool, timeTool],
    stream: true,
  });
  const calls = {};
  let finish = null;
  let fragments = 0;
  for await (const chunk of stream) {
    for (const ch of chunk.choices) {
      finish = ch.finish_reason ?? finish;
      for (const d of ch.delta.tool_calls ?? []) {
        const c = (calls[d.index] ??= { id: null, name: null, args: '' });
        if (d.id) { assert.equal(c.id, null, 'id sent twice'); c.id = d.id; }
        c.name = d.function?.name ?? c.name;
        if (d.function?.arguments) { c.args += d.function.arguments; fragments++; }
      }
    }
  }
  const [up] = await upstream(1);
  assert.equal(finish, 'tool_calls');
  assert.deepEqual(calls, {
    0: { id: `call_fake_${up.n}_0`, name: 'get_weather', args: '{"city":"Paris","days":42}' },
    1: { id: `call_fake_${up.n}_1`, name: 'get_time', args: '{"tz":"London"}' },
  });
  assert.ok(fragments > 2, 'arguments should arrive in several fragments');
});

test('refusal: message.refusal set, content null', async () => {
  const c = await client.chat.completions.create({ model: 'chat-resp-refusal', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(c.choices[0].message.refusal, REFUSAL);
  assert.equal(c.choices[0].message.content, null);
  assert.equal(c.choices[0].finish_reason, 'stop');
});

for (const stream of [false, true]) {
  test(`runTools with a real JS function over /v1/responses (stream: ${stream})`, async () => {
    const seen = [];
    const runner = client.chat.completions.runTools({
      model: 'chat-resp',
      stream,
      messages: [{ role: 'user', content: 'What is the weather in Paris for 2 days?' }],
      tools: [{
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parse: JSON.parse,
          parameters: weatherParams,
          function: async (args) => { seen.push(args); return `22 C and sunny in ${args.city}`; },
        },
      }],
    });
    const content = await runner.finalContent();
    assert.deepEqual(seen, [{ city: 'Paris', days: 42 }]);
    assert.equal(content, 'The tool returned: 22 C and sunny in Paris');
    const [first, second] = await upstream(2);
    const callId = `call_fake_${first.n}_0`;
    assert.deepEqual(second.body.input, [
      { type: 'message', role: 'user', content: 'What is the weather in Paris for 2 days?' },
      { type: 'function_call', call_id: callId, name: 'get_weather', arguments: '{"city":"Paris","days":42}' },
      { type: 'function_call_output', call_id: callId, output: '22 C and sunny in Paris' },
    ]);
    assert.deepEqual(second.body.tools, [flatWeather]);
    assert.equal(runner.messages.filter((m) => m.role === 'tool').length, 1);
  });
}

test('session: previous_response_id (extra body field) = the first completion id reaches the upstream', async () => {
  const first = await client.chat.completions.create({ model: 'chat-resp', messages: [{ role: 'user', content: 'I am Ada.' }], store: true });
  const stream = await client.chat.completions.create({
    model: 'chat-resp',
    messages: [{ role: 'user', content: 'Who am I?' }],
    previous_response_id: first.id,
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'Hello! You said: Who am I?');
  const [a, b] = await upstream(2);
  assert.equal(first.id, `resp_fake_${a.n}`);
  assert.equal(a.body.store, true);
  assert.equal(b.body.previous_response_id, `resp_fake_${a.n}`);
  assert.deepEqual(b.body.input, [{ type: 'message', role: 'user', content: 'Who am I?' }]);
});

test('errors: upstream 429 -> RateLimitError with the upstream body and retry-after', async () => {
  for (const stream of [false, true]) {
    await assert.rejects(client.chat.completions.create({ model: 'chat-resp-429', messages: [{ role: 'user', content: 'hi' }], stream }), (err) => {
      assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err}`);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limit_exceeded');
      assert.match(err.message, /Rate limit reached/);
      assert.equal(err.headers.get('retry-after'), '7');
      return true;
    });
  }
  await upstream(2);
});

test('errors: failed Response -> InternalServerError 500 / RateLimitError 429', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'chat-resp-failed', messages: [{ role: 'user', content: 'hi' }] }), (err) => {
    assert.ok(err instanceof OpenAI.InternalServerError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 500);
    assert.equal(err.code, 'server_error');
    assert.equal(err.type, 'server_error');
    assert.match(err.message, /invalid output/);
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: 'chat-resp-ratelimited', messages: [{ role: 'user', content: 'hi' }] }), (err) => {
    assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.code, 'rate_limit_exceeded');
    return true;
  });
});

test('errors: a failed or broken stream raises APIError after the first deltas', async () => {
  for (const [model, code] of [['chat-resp-failed', 'server_error'], ['chat-resp-cut', 'upstream_disconnected']]) {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    await assert.rejects((async () => { for await (const c of stream) text += c.choices[0]?.delta?.content ?? ''; })(), (err) => {
      assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}: ${err}`);
      assert.equal(err.code, code);
      assert.equal(err.type, 'server_error');
      return true;
    });
    assert.equal(text, 'Hello! You');
  }
});

test('errors: unsupported parameters -> BadRequestError naming the param, nothing sent upstream', async () => {
  for (const [extra, param] of [[{ n: 2 }, 'n'], [{ stop: ['END'] }, 'stop'], [{ logit_bias: { 50256: -100 } }, 'logit_bias']]) {
    await assert.rejects(client.chat.completions.create({ model: 'chat-resp', messages: [{ role: 'user', content: 'hi' }], ...extra }), (err) => {
      assert.ok(err instanceof OpenAI.BadRequestError, `got ${err?.constructor?.name}: ${err}`);
      assert.equal(err.param, param);
      assert.equal(err.code, 'unsupported_parameter');
      return true;
    });
  }
  assert.deepEqual(await gw.fakeRequests(), []);
});
