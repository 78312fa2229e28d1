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

it('exits 0 and says every hop behaved', () => {
  expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  expect(run.stdout).toContain('OK: orders and inventory each saw their own caller');
});

it('shows orders (PassportService) and inventory (@CurrentPassport) each seeing the caller', () => {
  for (const [sub, roles] of [
    ['alice', '["admin"]'],
    ['bob', '["viewer"]'],
  ]) {
    expect(run.stdout).toContain(`${sub}: HTTP 200`);
    expect(run.stdout).toContain(`  orders     sub=${sub} roles=${roles}\n`);
    expect(run.stdout).toContain(`  inventory  sub=${sub} roles=${roles}\n`);
  }
});

it('shows a request without a passport refused with 401', () => {
  expect(run.stdout).toContain('anonymous: HTTP 401 ERR_PASSPORT_MISSING');
});
