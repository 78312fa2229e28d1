import { isPassportError, type Relay } from '@passport-relay/core';
import {
  closeAll,
  createTestRelay,
  rawHeaderValues,
  recordingServerPerTest,
  runAsCaller,
} from '@passport-relay/testing';
import axios, { type AxiosInstance } from 'axios';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AxiosPropagationOptions, installAxiosPropagation } from '../src/index.js';

const ORIGINAL_CREATE = axios.create;
const { relay } = createTestRelay({ mode: 'HS256' });
const token = relay.issue({ sub: 'user-1' });
const server = recordingServerPerTest({ beforeEach, afterEach });
const uninstalls: (() => void)[] = [];

function install(instance: AxiosInstance = axios): () => void {
  const uninstall = installAxiosPropagation(relay, { axios: instance });
  uninstalls.push(uninstall);
  return uninstall;
}

/** One GET as the caller; the passport header as received. */
async function passportReceived(instance: AxiosInstance = axios) {
  await runAsCaller(relay, { passport: token }, () => instance.get(`${server.origin}/x`));
  return server.requests.at(-1)?.headers.passport;
}

afterEach(() => closeAll(uninstalls));
afterAll(() => {
  expect(axios.create).toBe(ORIGINAL_CREATE);
});

describe('installAxiosPropagation', () => {
  it('covers instances created after the install, and the instances they create', async () => {
    install();
    const api = axios.create();
    const nested = api.create();
    expect(await passportReceived(api)).toBe(token);
    expect(await passportReceived(nested)).toBe(token);
  });

  it('does not reach an instance created before the install, until installed on it', async () => {
    const early = axios.create();
    install();
    expect(await passportReceived(early)).toBeUndefined();
    install(early);
    expect(await passportReceived(early)).toBe(token);
  });

  it('ejects the interceptor and puts the very same create back on uninstall', async () => {
    install()();
    expect(axios.create).toBe(ORIGINAL_CREATE);
    expect(await passportReceived()).toBeUndefined();
  });

  it('stops the instances created meanwhile from adding headers on uninstall', async () => {
    const uninstall = install();
    const api = axios.create();
    uninstall();
    expect(await passportReceived(api)).toBeUndefined();
  });

  it('sends one passport header when installed twice', async () => {
    install();
    install();
    await passportReceived(axios.create());
    expect(rawHeaderValues(server.requests[0]!.rawHeaders, 'passport').length).toBe(1);
  });

  it('keeps injecting until the last of two installs is undone', async () => {
    const first = install();
    const second = install();
    first();
    first();
    expect(await passportReceived()).toBe(token);
    second();
    expect(axios.create).toBe(ORIGINAL_CREATE);
    expect(await passportReceived()).toBeUndefined();
  });

  it('adds nothing outside a request', async () => {
    install();
    await axios.get(`${server.origin}/x`);
    expect(server.received('passport')).toEqual([undefined]);
  });

  it.each([
    ['no relay', undefined, { axios }, 'needs a relay'],
    ['no options', relay, undefined, "import axios from 'axios'"],
    ['no axios', relay, {}, 'must be an axios 1.x instance'],
    ['an unknown option', relay, { axios, propagateTo: [] }, 'unknown option "propagateTo"'],
  ])('refuses %s, saying how to fix it', (_, badRelay, options, message) => {
    let error: unknown;
    try {
      installAxiosPropagation(badRelay as Relay, options as AxiosPropagationOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isPassportError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ERR_PASSPORT_OPTIONS',
      message: expect.stringContaining(message),
    });
  });
});
