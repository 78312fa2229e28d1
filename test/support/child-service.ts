import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** A service running in a child Node process, listening on a loopback port it chose. */
export interface ChildService {
  readonly origin: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** What the child wrote to stderr so far (last 64 KiB), for failure messages. */
  stderr(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Send `question` over IPC and resolve with the child's next message (see `answerQuestions`). */
  ask<T>(question: string): Promise<T>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/** The line a service prints on stdout once it listens: `LISTENING <port>`. */
export const LISTENING = 'LISTENING';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const STDERR_KEEP = 64 * 1024;

/**
 * Start `script` (a TypeScript file under test/support, run with tsx) with `env`, and resolve when
 * it prints `LISTENING <port>`. Extra `nodeArgs` go before the script (`--expose-gc`).
 */
export async function startChildService(
  script: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<ChildService> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
    { cwd: TEST_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const match = new RegExp(`${LISTENING} (\\d+)`).exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited (${code ?? signal}) before listening:\n${stderr}`)),
    );
  });
  // The IPC channel must not keep the parent alive once the test is done with the child.
  child.channel?.unref();
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    process: child,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    async ask<T>(question: string) {
      const answer = once(child, 'message') as Promise<[T]>;
      child.send(question);
      return (await answer)[0];
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * In a child started by `startChildService`: answer each question from the parent with what
 * `answers[question]` returns. The channel does not keep the child alive.
 */
export function answerQuestions(answers: Record<string, () => unknown>): void {
  process.on('message', async (question: string) => {
    const answer = answers[question];
    process.send?.(answer === undefined ? { error: `no answer to ${question}` } : await answer());
  });
  process.channel?.unref();
}
