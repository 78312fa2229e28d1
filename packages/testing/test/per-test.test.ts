import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installPerTest, recordingServerPerTest } from '../src/index.js';
import { accepts } from './support/accepts.js';

// The tests in this describe run in order and look at what the one before left behind.
describe('recordingServerPerTest', () => {
  const server = recordingServerPerTest({ beforeEach, afterEach });
  const hosts = recordingServerPerTest({ beforeEach, afterEach }, { host: '127.0.0.2' });
  const origins: string[] = [];

  it('is a running recording server inside a test', async () => {
    origins.push(server.origin);
    await fetch(`${server.origin}/first`, { headers: { passport: 'p1' } });
    expect(server.requests.map(({ url }) => url)).toEqual(['/first']);
    expect(server.received('passport')).toEqual(['p1']);
    expect(server.receivedAt('/first').headers.passport).toBe('p1');
  });

  it('is a fresh server in the next test, and the previous one was closed', async () => {
    expect(server.requests).toEqual([]);
    expect(await accepts(origins[0]!)).toBe(false);
  });

  it('binds the host it is given', () => {
    expect(hosts.origin).toBe(`http://127.0.0.2:${hosts.port}`);
  });

  afterAll(() => {
    expect(() => server.origin).toThrow(/only while a test runs/);
  });
});

describe('installPerTest', () => {
  const events: string[] = [];
  installPerTest({ beforeEach, afterEach }, () => {
    events.push('install');
    return () => events.push('uninstall');
  });

  it('installs before each test', () => {
    expect(events).toEqual(['install']);
  });

  it('uninstalls after each test, before the next install', () => {
    expect(events).toEqual(['install', 'uninstall', 'install']);
  });
});
