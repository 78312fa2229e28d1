import { afterEach, describe, expect, it } from 'vitest';
import { createTestRelay, type RecordingServer, startRecordingServer } from '../src/index.js';

describe('createTestRelay', () => {
  it.each(['EdDSA', 'HS256', 'plain'] as const)(
    'issues passports its relay accepts (%s)',
    (mode) => {
      const { relay } = createTestRelay({ mode });
      const value = relay.issue({ sub: 'user-1', tenant: 't1' });
      expect(relay.verify(value)).toMatchObject({ sub: 'user-1', tenant: 't1' });
    },
  );

  it('generates distinct keys per relay, so one test relay refuses another one’s passports', () => {
    const a = createTestRelay().relay;
    const b = createTestRelay().relay;
    expect(() => b.verify(a.issue({ sub: 'user-1' }))).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_SIGNATURE' }),
    );
  });
});

describe('startRecordingServer', () => {
  let server: RecordingServer | undefined;
  afterEach(async () => server?.close());

  it('records the headers of every request on a loopback port', async () => {
    server = await startRecordingServer();
    await fetch(`${server.origin}/a`, { headers: { passport: 'p1' } });
    await fetch(`${server.origin}/b`);
    expect(server.requests.map((request) => request.url)).toEqual(['/a', '/b']);
    expect(server.received('passport')).toEqual(['p1', undefined]);
  });

  it('lists several headers per request', async () => {
    server = await startRecordingServer();
    await fetch(`${server.origin}/a`, { headers: { passport: 'p1', 'x-request-id': 'r1' } });
    await fetch(`${server.origin}/b`, { headers: { 'x-request-id': 'r2' } });
    expect(server.received(['passport', 'X-Request-Id'])).toEqual([
      ['p1', 'r1'],
      [undefined, 'r2'],
    ]);
  });

  it('finds the one request received at a path, and throws unless there is exactly one', async () => {
    server = await startRecordingServer();
    await fetch(`${server.origin}/once?x=1`, { headers: { passport: 'p1' } });
    await fetch(`${server.origin}/twice`);
    await fetch(`${server.origin}/twice`);
    expect(server.receivedAt('/once?x=1').headers.passport).toBe('p1');
    expect(() => server!.receivedAt('/twice')).toThrow(/received 2/);
    expect(() => server!.receivedAt('/never')).toThrow(/received 0/);
  });

  it('answers /redirect?to= with a redirect', async () => {
    server = await startRecordingServer();
    const response = await fetch(`${server.origin}/redirect?to=/landed`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/landed');
  });
});
