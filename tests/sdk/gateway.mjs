// Starts the fake upstream + the gateway through tests/support/harness.py (`serve` mode) and
// stops them again. The harness exits when our stdin closes, so a crashed test run leaks nothing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const HARNESS = path.resolve(here, '../support/harness.py');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export async function startGateway({ config = path.join(here, 'gateway.yaml'), env = {} } = {}) {
  const args = [HARNESS, 'serve', '--config', config, '--print-env'];
  for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const killOnExit = () => { try { child.kill('SIGTERM'); } catch { /* already gone */ } };
  process.once('exit', killOnExit);

  const vars = await new Promise((resolve, reject) => {
    const out = {};
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 20 s\n${stderr}`)), 20000);
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line === 'READY') { clearTimeout(timer); resolve(out); return; }
        const eq = line.indexOf('=');
        if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
        if (line.startsWith('ERROR=')) { clearTimeout(timer); reject(new Error(`${line}\n${stderr}`)); }
      }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`harness exited (${code}) before READY\n${stderr}`)); });
  });

  const fake = async (method, p) => {
    const r = await fetch(vars.FAKE_URL + p, { method });
    return r.json();
  };
  return {
    ...vars,
    baseURL: vars.BASE_URL,
    apiKey: vars.GW_KEY,
    fakeRequests: () => fake('GET', '/_fake/requests'),
    fakeReset: () => fake('POST', '/_fake/reset'),
    fakeStats: () => fake('GET', '/_fake/stats'),
    /** Stops both; rejects unless the gateway exited 0 within 5 s with no sanitizer report. */
    async stop() {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      const { code, signal } = await exited;
      clearTimeout(t);
      process.removeListener('exit', killOnExit);
      if (code !== 0) throw new Error(`gateway shutdown failed (harness ${code ?? signal}):\n${stderr}`);
    },
  };
}
