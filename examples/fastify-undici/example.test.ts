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
  expect(run.stdout).toContain(
    'OK: every charge reached payments as its own caller; the forgery was refused',
  );
});

it('shows each of the four concurrent checkouts reaching payments as its own caller', () => {
  for (const [sub, order] of [
    ['alice', 'A-1'],
    ['bob', 'B-1'],
    ['alice', 'A-2'],
    ['bob', 'B-2'],
  ]) {
    expect(run.stdout).toMatch(
      new RegExp(`${sub} +order ${order}: HTTP 200, orders saw ${sub}, payments saw ${sub}\\n`),
    );
  }
});

it('shows a passport signed with another key refused with 401', () => {
  expect(run.stdout).toContain('forged passport for alice: HTTP 401 ERR_PASSPORT_SIGNATURE');
});
