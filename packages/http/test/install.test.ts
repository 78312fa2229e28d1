import http from 'node:http';
import https from 'node:https';
import { asyncLocalContextStore, isPassportError, type Relay } from '@passport-relay/core';
import {
  closeAll,
  createTestRelay,
  rawHeaderValues,
  recordingServerPerTest,
  runAsCaller,
} from '@passport-relay/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { bodyOf } from './helpers.js';

const ORIGINALS = {
  httpRequest: http.request,
  httpGet: http.get,
  httpsRequest: https.request,
  httpsGet: https.get,
};

function current() {
  return {
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get,
  };
}

const { relay } = createTestRelay({ mode: 'HS256' });
const token = relay.issue({ sub: 'user-1' });
const server = recordingServerPerTest({ beforeEach, afterEach });
const uninstalls: (() => void)[] = [];

function install(r: Relay = relay): () => void {
  const uninstall = installHttpPropagation(r);
  uninstalls.push(uninstall);
  return uninstall;
}

/** One GET as the caller, returning the recorded request. */
async function callAsUser() {
  await runAsCaller(relay, token, () => bodyOf(http.get(`${server.origin}/x`)));
  return server.requests.at(-1)!;
}

afterEach(() => closeAll(uninstalls));
afterAll(() => {
  expect(current()).toEqual(ORIGINALS);
});

describe('installHttpPropagation', () => {
  it('replaces request and get on node:http and node:https', () => {
    install();
    const patched = current();
    for (const key of Object.keys(ORIGINALS) as (keyof typeof ORIGINALS)[]) {
      expect(patched[key]).not.toBe(ORIGINALS[key]);
      expect(patched[key].name).toBe(ORIGINALS[key].name);
    }
  });

  it('puts the very same original functions back on uninstall, and keeps no global state', () => {
    install()();
    expect(http.request).toBe(ORIGINALS.httpRequest);
    expect(http.get).toBe(ORIGINALS.httpGet);
    expect(https.request).toBe(ORIGINALS.httpsRequest);
    expect(https.get).toBe(ORIGINALS.httpsGet);
    expect(Symbol.for('passport-relay.http-propagation.v1') in globalThis).toBe(false);
  });

  it('adds nothing after uninstall', async () => {
    install()();
    expect((await callAsUser()).headers.passport).toBeUndefined();
  });

  it('sends one passport header when installed twice', async () => {
    install();
    install();
    const received = await callAsUser();
    expect(rawHeaderValues(received.rawHeaders, 'passport').length).toBe(1);
    expect(received.headers.passport).toBe(token);
  });

  it('keeps injecting until the last of two installs is undone', async () => {
    const first = install();
    const second = install();
    first();
    expect((await callAsUser()).headers.passport).toBe(token);
    second();
    expect(http.request).toBe(ORIGINALS.httpRequest);
    expect((await callAsUser()).headers.passport).toBeUndefined();
  });

  it('undoes only its own install when an uninstall is called twice', async () => {
    const first = install();
    install();
    first();
    first();
    expect((await callAsUser()).headers.passport).toBe(token);
  });

  it('lets two relays with their own headers and stores each add theirs', async () => {
    const other = createTestRelay({
      mode: 'HS256',
      header: 'x-billing-passport',
      store: asyncLocalContextStore('http-install-test'),
    }).relay;
    const otherToken = other.issue({ sub: 'user-2' });
    install();
    install(other);
    await runAsCaller(relay, token, () =>
      other.runWith(other.extract({ 'x-billing-passport': otherToken }), () =>
        bodyOf(http.get(`${server.origin}/x`)),
      ),
    );
    const [received] = server.requests;
    expect([received?.headers.passport, received?.headers['x-billing-passport']]).toEqual([
      token,
      otherToken,
    ]);
  });

  it('leaves a pass-through wrapper under a wrapper another library added on top', async () => {
    const uninstall = install();
    const ours = http.get;
    const theirs = function get(this: unknown, ...args: unknown[]) {
      return (ours as (...a: unknown[]) => http.ClientRequest).apply(this, args);
    } as typeof http.get;
    http.get = theirs;
    try {
      uninstall();
      expect(http.get).toBe(theirs);
      expect((await callAsUser()).headers.passport).toBeUndefined();
      install();
      expect(http.get).toBe(theirs);
      expect((await callAsUser()).headers.passport).toBe(token);
    } finally {
      http.get = ours;
    }
  });

  it('refuses something that is not a relay, saying what to pass', () => {
    let error: unknown;
    try {
      installHttpPropagation(undefined as unknown as Relay);
    } catch (caught) {
      error = caught;
    }
    expect(isPassportError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ERR_PASSPORT_OPTIONS',
      message: expect.stringContaining('createRelay'),
    });
  });
});
