import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

// Runs the example exactly as a user would (`node --import tsx main.ts` in this directory), as a
// real child process, and holds it to what its README promises.

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let child: ChildProcess | undefined;

function runExample(): Promise<Run> {
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  const started = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd });
  child = started;
  let stdout = '';
  let stderr = '';
  started.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  started.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    started.once('error', reject);
    started.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let run: Run;

beforeAll(async () => {
  run = await runExample();
}, 60_000);

// If the example hung (a server it did not stop), do not leave it running.
afterAll(() => {
  if (child?.exitCode === null && child.signalCode === null) child.kill();
});

it('exits 0 and says every request behaved', () => {
  expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  expect(run.stdout).toContain(
    'OK: orders saw the user of each token, and never the smuggled passport',
  );
});

it('shows orders reading the passport the gateway minted from each user token', () => {
  expect(run.stdout).toContain('alice, Bearer token, GET /orders: HTTP 200');
  expect(run.stdout).toContain(
    '  orders saw sub=alice email=alice@acme.example roles=["admin"] tenant=acme iss=https://gateway.example',
  );
  expect(run.stdout).toContain('bob, Bearer token, GET /orders: HTTP 200');
  expect(run.stdout).toContain(
    '  orders saw sub=bob email=bob@globex.example roles=["viewer"] tenant=globex iss=https://gateway.example',
  );
});

it('shows a client-supplied passport stripped, with a token and on a public route', () => {
  expect(run.stdout).toContain("bob + alice's passport, GET /orders: HTTP 200, orders saw sub=bob");
  expect(run.stdout).toContain(
    "no token + alice's passport, GET /catalog: HTTP 200, orders saw sub=anonymous",
  );
});

it('shows a protected route without a token refused at the edge with a Bearer challenge', () => {
  expect(run.stdout).toContain(
    'no token, GET /orders: HTTP 401 ERR_PASSPORT_MISSING, WWW-Authenticate: Bearer realm="gateway"',
  );
});
