import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** What one run of an example printed, and how it exited. */
export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the example in the directory of `testUrl` exactly as a user would (`node --import tsx
 * main.ts` there), once, as a real child process, before the file's tests; kill it afterwards if
 * it hung (a server it did not stop). Returns a getter for the run, for the tests to hold it to
 * what its README promises.
 */
export function runExampleOnce(testUrl: string): () => ExampleRun {
  let child: ChildProcess | undefined;
  let run: ExampleRun | undefined;
  beforeAll(async () => {
    const started = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: fileURLToPath(new URL('.', testUrl)),
    });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    started.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    run = await new Promise<ExampleRun>((resolve, reject) => {
      started.once('error', reject);
      started.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }, 60_000);
  afterAll(() => {
    if (child?.exitCode === null && child.signalCode === null) child.kill();
  });
  return () => {
    if (run === undefined) throw new Error('the example has not run: see beforeAll');
    return run;
  };
}
