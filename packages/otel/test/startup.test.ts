import { type ChildProcess, spawn } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EdDSAKey } from '@passport-relay/core';
import {
  createTestRelay,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterEach, describe, expect, it } from 'vitest';

// The README's start-up, run for real: `node --import ./otel.mjs app.mjs` and
// `node --require ./otel.cjs app.cjs`, each a child process using the built packages.

const FIXTURES = fileURLToPath(new URL('./fixtures/startup/', import.meta.url));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

const edge = createTestRelay({ issuer: 'https://edge.example' });
const verificationKey = edge.verificationKey as EdDSAKey;
const keyEnv: Record<string, string> = {
  PASSPORT_PUBLIC_KEY: (verificationKey.key as KeyObject)
    .export({ type: 'spki', format: 'pem' })
    .toString(),
  PASSPORT_KEY_ID: verificationKey.kid ?? '',
};

let app: ChildProcess | undefined;
let recorder: RecordingServer | undefined;

afterEach(async () => {
  if (app !== undefined && app.exitCode === null && app.signalCode === null) {
    const exited = once(app, 'exit');
    app.kill('SIGTERM');
    await exited;
  }
  app = undefined;
  await recorder?.close();
  recorder = undefined;
});

/** Start the app with its preload, and resolve with its origin once it listens. */
async function start(preloadFlag: '--import' | '--require', preload: string, main: string) {
  const child = spawn(process.execPath, [preloadFlag, preload, main], {
    cwd: FIXTURES,
    env: { ...process.env, ...keyEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  app = child;
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${main} exited with code ${code} before listening`);
  });
  const lines = createInterface({ input: child.stdout });
  const listening = (async () => {
    for await (const line of lines) {
      const match = /^listening (\d+)$/.exec(line);
      if (match) return `http://127.0.0.1:${match[1]}`;
    }
    throw new Error(`${main} closed its output before listening`);
  })();
  return Promise.race([listening, exited]);
}

describe.each([
  ['ESM', '--import', './otel.mjs', 'app.mjs'],
  ['CommonJS', '--require', './otel.cjs', 'app.cjs'],
] as const)('%s start-up (node %s %s %s)', (_kind, flag, preload, main) => {
  it('serves the passport, continues the trace, and relays both to the next hop', async () => {
    recorder = await startRecordingServer();
    const origin = await start(flag, preload, main);
    const passport = edge.relay.issue({ sub: 'user-1', tenant: 't1' });
    const response = await fetch(`${origin}/?next=${encodeURIComponent(`${recorder.origin}/`)}`, {
      headers: { passport, traceparent: TRACEPARENT },
    });
    expect(await response.json()).toEqual({ sub: 'user-1', traceId: TRACE_ID, tenant: 't1' });
    // fetch, then node:http: each carried the passport and continued the trace.
    expect(recorder.received('passport')).toEqual([passport, passport]);
    expect(recorder.received('traceparent')).toEqual([
      expect.stringContaining(`-${TRACE_ID}-`),
      expect.stringContaining(`-${TRACE_ID}-`),
    ]);
  }, 30_000);
});
