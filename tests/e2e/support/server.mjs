// Starts the real release binary (`verzuim serve`) on a free loopback port with a temporary
// data directory and SQLite, and offers the employer side (CLI + employer API) to the tests.
// The server binds 127.0.0.1, but its public URL (and so the browser's address) is
// http://localhost:<port>: a passkey's relying party must be a host name, never an IP address.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

export function binaryPath() {
  if (process.env.VERZUIM_BIN) return process.env.VERZUIM_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME ?? '/root', '.cache', 'verzuim-target');
  return join(target, 'release', 'verzuim');
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export async function startServer({ smtpPort }) {
  const bin = binaryPath();
  const frontendDir = join(repoRoot, 'frontend', 'dist');
  if (!existsSync(bin)) throw new Error(`release binary missing: ${bin} (cargo build --release -p verzuim)`);
  if (!existsSync(join(frontendDir, 'index.html'))) throw new Error(`SPA not built: ${frontendDir} (npm run build)`);

  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'verzuim-e2e-'));
  const baseUrl = `http://localhost:${port}`;
  const dbPath = join(dataDir, 'verzuim.db');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    VERZUIM_DATA_DIR: dataDir,
    DATABASE_URL: `sqlite://${dbPath}`,
    VERZUIM_BIND: `127.0.0.1:${port}`,
    VERZUIM_PUBLIC_URL: baseUrl,
    VERZUIM_FRONTEND_DIR: frontendDir,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    VERZUIM_RATE_LIMIT_PER_MINUTE: '0',
    // No metrics listener: the journey does not read it, and its default port may be taken.
    VERZUIM_METRICS_BIND: '',
    VERZUIM_LOG: process.env.VERZUIM_LOG || 'warn',
    VERZUIM_OUTBOX_POLL_MS: '100',
    VERZUIM_JWT_SECRET: 'e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  };
  // cwd = the data dir, so a developer's .env in the repo is not picked up.
  const child = spawn(bin, ['serve'], { env, cwd: dataDir, stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`verzuim serve exited early: ${JSON.stringify(exited)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('verzuim serve did not become ready within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }

  async function cli(...args) {
    const { stdout } = await run(bin, args, { env, cwd: dataDir });
    return JSON.parse(stdout);
  }

  /**
   * Makes the last "confirm it is you" (step-up, SPEC §8: a login or POST /me/step-up) of every
   * session of `employeeId` older than its five minutes, so that the next sensitive change asks
   * for it again — instead of the test waiting five minutes. Needs the `sqlite3` CLI (run.sh
   * installs it); the server's SQLite is in WAL mode, so this is a plain concurrent write.
   */
  async function ageStepUps(employeeId) {
    if (!/^[0-9a-f-]{36}$/i.test(employeeId)) throw new Error(`not an employee id: ${employeeId}`);
    const sql =
      "UPDATE session_step_ups SET stepped_up_at = '2000-01-01 00:00:00' " +
      `WHERE session_id IN (SELECT family_id FROM refresh_tokens WHERE employee_id = '${employeeId}');` +
      'SELECT changes();';
    const { stdout } = await run('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql]);
    return Number(stdout.trim());
  }

  /**
   * Moves the open absences of `employeeId` `days` back in time (first sick day and the day the
   * Poortwachter weeks count from), as if the employee reported sick that long ago — so that the
   * timeline has steps past their due date without the test waiting weeks. Same approach as
   * ageStepUps. Resolves to the number of absences changed.
   */
  async function backdateAbsence(employeeId, days) {
    if (!/^[0-9a-f-]{36}$/i.test(employeeId)) throw new Error(`not an employee id: ${employeeId}`);
    if (!Number.isInteger(days) || days < 0) throw new Error(`not a number of days: ${days}`);
    const sql =
      `UPDATE absences SET first_sick_day = date('now', '-${days} days'), counting_from = date('now', '-${days} days') ` +
      `WHERE employee_id = '${employeeId}' AND status = 'open';` +
      'SELECT changes();';
    const { stdout } = await run('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql]);
    return Number(stdout.trim());
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const timer = setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          r();
        });
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  return { baseUrl, port, dataDir, cli, ageStepUps, backdateAbsence, stop };
}

/** The employer's side: an employer, an API client and its bearer token. */
export async function employerSession(server, name) {
  const employer = await server.cli('employer', 'create', '--name', name, '--absence-email', 'verzuim@werkgever.example');
  const client = await server.cli('client', 'create', '--employer', employer.id, '--name', 'e2e HR system');
  const res = await fetch(`${server.baseUrl}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
  const { access_token: token } = await res.json();

  async function call(method, path, body) {
    const r = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, raw: text };
  }

  /**
   * POST /employees/{id}/documents (multipart: file, title, category, document_date,
   * visible_to_employee, and response_requested when `responseRequested` is given).
   */
  async function upload(employeeId, { bytes, fileName, title, category, documentDate, visible, responseRequested }) {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), fileName);
    form.append('title', title);
    form.append('category', category);
    form.append('document_date', documentDate);
    form.append('visible_to_employee', String(visible));
    if (responseRequested !== undefined) form.append('response_requested', String(responseRequested));
    const r = await fetch(`${server.baseUrl}/api/v1/employees/${employeeId}/documents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      body: form,
    });
    const text = await r.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: r.status, body, raw: text };
  }

  return { employerId: employer.id, name, call, upload };
}
