// OpenAI's Codex CLI (npm @openai/codex, a devDependency) run non-interactively (`codex exec`)
// against the gateway: a model_providers entry with base_url = the gateway's /v1 and
// wire_api = "responses", in a temporary CODEX_HOME. Nothing reaches the internet: the fake
// upstream answers.
//
//  * chat-only deployment (codex-chat -> the fake's `shell` model): the gateway is the Responses
//    server. Turn 1 the model calls exec_command {"cmd":"echo switchyard-codex-ok"}, Codex runs
//    it (read-only sandbox) and sends the output back as function_call_output; turn 2 the model
//    answers "The tool returned: <output>". Codex's hosted web_search tool and its namespace
//    tools (multi_agent) are switched off: a chat upstream cannot serve them and the gateway
//    refuses them by design (mapping.md 7 #15).
//  * Responses passthrough deployment (codex-passthrough -> the fake's resp-* mode): Codex's
//    request, whatever it holds, must reach the upstream verbatim.
//
// The whole file skips itself (with the reason printed) when the codex binary is missing or
// cannot run here.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from './gateway.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CODEX = path.join(here, 'node_modules', '.bin', 'codex');
const MARKER = 'switchyard-codex-ok';

function codexSkipReason() {
  if (!existsSync(CODEX)) return `codex CLI not installed (${CODEX} missing; run npm install in tests/sdk)`;
  const home = mkdtempSync(path.join(os.tmpdir(), 'sy-codex-probe-'));
  try {
    const r = spawnSync(CODEX, ['--version'], { encoding: 'utf8', timeout: 30000, env: { ...process.env, CODEX_HOME: home } });
    if (r.error) return `codex --version failed: ${r.error.message}`;
    if (r.status !== 0 || !/codex-cli \d/.test(r.stdout)) {
      return `codex --version exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`;
    }
    return null;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const skip = codexSkipReason();
if (skip) console.log(`# codex.test.mjs skipped: ${skip}`);

let gw;
let tmp;

before(async () => {
  if (skip) return;
  gw = await startGateway({ config: path.join(here, 'responses.yaml') });
});
after(async () => {
  if (gw) await gw.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => { if (gw) await gw.fakeReset(); });

/** Runs `codex exec` against the gateway; resolves {code, stdout, stderr, last, events}. */
function codexExec(model, prompt, extraArgs = []) {
  tmp = tmp || mkdtempSync(path.join(os.tmpdir(), 'sy-codex-'));
  const run = mkdtempSync(path.join(tmp, 'run-'));
  const home = path.join(run, 'home');
  const work = path.join(run, 'work');
  for (const d of [home, work]) spawnSync('mkdir', ['-p', d]);
  writeFileSync(path.join(home, 'config.toml'), [
    `model = "${model}"`,
    'model_provider = "switchyard"',
    '',
    '[model_providers.switchyard]',
    'name = "Switchyard"',
    `base_url = "${gw.baseURL}"`,
    'env_key = "SWITCHYARD_TEST_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n'));
  const last = path.join(run, 'last.txt');
  const args = ['exec', '--skip-git-repo-check', '--ephemeral', '--json', '--color', 'never', '-s', 'read-only',
    '-C', work, '-o', last, ...extraArgs, prompt];
  const env = { ...process.env, CODEX_HOME: home, SWITCHYARD_TEST_KEY: gw.apiKey };
  for (const k of Object.keys(env)) if (k.startsWith('OPENAI_')) delete env[k];
  return new Promise((resolve) => {
    const child = spawn(CODEX, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
      resolve({ code: code ?? signal, stdout, stderr, events, last: existsSync(last) ? readFileSync(last, 'utf8') : null });
    });
  });
}

/** The gateway's access-log entries for POST /v1/responses. */
function responsesAccess() {
  return readFileSync(gw.STDERR_LOG, 'utf8').split('\n')
    .filter((l) => l.includes('access {'))
    .map((l) => JSON.parse(l.slice(l.indexOf('access {') + 'access '.length)))
    .filter((e) => e.path === '/v1/responses');
}

const why = (r) => `codex exited ${r.code}\n--- stderr\n${r.stderr.slice(-3000)}\n--- stdout\n${r.stdout.slice(-2000)}`;

test('codex exec over a chat-only deployment: a full tool loop', { skip: skip ?? false }, async () => {
  const seen = responsesAccess().length;
  const r = await codexExec('codex-chat', 'Say hello', ['--disable', 'multi_agent', '-c', 'web_search="disabled"']);
  assert.equal(r.code, 0, why(r));
  assert.match(r.last ?? '', /^The tool returned: /, why(r));
  assert.ok(r.last.includes(MARKER), `the command output did not come back: ${r.last}`);

  const access = responsesAccess().slice(seen);
  assert.equal(access.length, 2, JSON.stringify(access));
  for (const e of access) {
    assert.equal(e.status, 200, JSON.stringify(e));
    assert.equal(e.stream, true, JSON.stringify(e));
  }

  const reqs = await gw.fakeRequests();
  assert.deepEqual(reqs.map((q) => q.path), ['/v1/chat/completions', '/v1/chat/completions']);
  const [first, second] = reqs.map((q) => JSON.parse(q.body));
  assert.equal(first.model, 'shell');
  assert.equal(first.stream, true);
  assert.ok(first.tools.some((t) => t.type === 'function' && t.function.name === 'exec_command'), 'exec_command tool sent upstream');
  const asst = second.messages.at(-2);
  const tool = second.messages.at(-1);
  assert.equal(asst.role, 'assistant');
  assert.equal(asst.tool_calls.length, 1);
  assert.equal(asst.tool_calls[0].function.name, 'exec_command');
  assert.equal(asst.tool_calls[0].function.arguments, JSON.stringify({ cmd: `echo ${MARKER}` }));
  assert.equal(tool.role, 'tool');
  assert.equal(tool.tool_call_id, asst.tool_calls[0].id);
  assert.ok(tool.content.includes(MARKER), tool.content);
});

test('codex exec over a Responses passthrough deployment (default Codex tools)', { skip: skip ?? false }, async () => {
  const r = await codexExec('codex-passthrough', 'Say hello');
  assert.equal(r.code, 0, why(r));
  assert.equal(r.last?.trim(), 'Hello! You said: Say hello', why(r));
  const reqs = await gw.fakeRequests();
  assert.ok(reqs.length >= 1);
  for (const q of reqs) {
    assert.equal(q.path, '/v1/responses');
    const b = JSON.parse(q.body);
    assert.equal(b.model, 'resp-codex');
    assert.equal(b.stream, true);
  }
});
