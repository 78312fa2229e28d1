import type { TestHooks } from './per-test.js';
import {
  type RecordingServer,
  type RecordingServerOptions,
  startRecordingServer,
} from './recording-server.js';

/**
 * A fresh {@link RecordingServer} for every test: started before each test, closed after it. The
 * object returned stands for the current test's server (`origin`, `requests`, `received()`, ...),
 * so tests use it as they would a server they started themselves; read outside a test, it throws.
 * Call it where you would call `beforeEach` (top level or inside a `describe`).
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, expect, it } from 'vitest';
 *
 * const server = recordingServerPerTest({ beforeEach, afterEach });
 *
 * it('carries the passport to the next service', async () => {
 *   await runAsCaller(relay, token, () => fetch(`${server.origin}/orders`));
 *   expect(server.received('passport')).toEqual([token]);
 * });
 * ```
 */
export function recordingServerPerTest(
  hooks: TestHooks,
  options: RecordingServerOptions = {},
): RecordingServer {
  let server: RecordingServer | undefined;
  const current = (): RecordingServer => {
    if (server === undefined) {
      throw new Error(
        'recordingServerPerTest: there is a server only while a test runs (it starts in beforeEach and closes in afterEach).',
      );
    }
    return server;
  };
  hooks.beforeEach(async () => {
    server = await startRecordingServer(options);
  });
  hooks.afterEach(async () => {
    const running = server;
    server = undefined;
    await running?.close();
  });
  return {
    get origin() {
      return current().origin;
    },
    get port() {
      return current().port;
    },
    get requests() {
      return current().requests;
    },
    received: ((header: string | readonly string[]) =>
      typeof header === 'string'
        ? current().received(header)
        : current().received(header)) as RecordingServer['received'],
    receivedAt: (path) => current().receivedAt(path),
    close: async () => {
      const running = server;
      server = undefined;
      await running?.close();
    },
  };
}
