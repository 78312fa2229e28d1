import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  agedPassport,
  type BrokerServer,
  createTestRelay,
  freeLoopbackPort,
  requireBinary,
  startNatsServer,
  startRedisServer,
} from '../src/index.js';

const started: BrokerServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.close()));
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('brokers', () => {
  it('fails with the command that installs a missing broker, never skips', () => {
    expect(() => requireBinary('no-such-broker-server')).toThrow(
      /no-such-broker-server is not installed.*\.ci\/needs\/messages\.sh/,
    );
  });

  it('finds a free loopback port', async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(0);
    expect(await listening(port)).toBe(false);
  });

  it.each([
    ['redis', startRedisServer],
    ['nats', startNatsServer],
  ])('starts %s on loopback, restarts it on the same port, and stops it', async (kind, start) => {
    const server = await start();
    started.push(server);
    expect(server.kind).toBe(kind);
    expect(server.url).toBe(`${kind}://127.0.0.1:${server.port}`);
    expect(await listening(server.port)).toBe(true);
    await server.stop();
    expect(await listening(server.port)).toBe(false);
    await server.start();
    expect(await listening(server.port)).toBe(true);
    await server.close();
    await server.close();
    expect(await listening(server.port)).toBe(false);
  });
});

describe('agedPassport', () => {
  it('is signed by the test relay, issued and expiring when asked', () => {
    const test = createTestRelay();
    const token = agedPassport(test, { sub: 'u1' }, { issuedSecondsAgo: 900, lifetimeSeconds: 60 });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    expect(payload.iat).toBeGreaterThanOrEqual(now - 901);
    expect(payload.exp - payload.iat).toBe(60);
    expect(() => test.relay.verify(token)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_EXPIRED' }),
    );
    expect(() =>
      agedPassport(createTestRelay({ mode: 'plain' }), { sub: 'u' }, { issuedSecondsAgo: 1 }),
    ).toThrow(/signed/);
  });
});
