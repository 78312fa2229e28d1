import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestRelay, listenOnLoopback, runConcurrently } from '@passport-relay/testing';
import pino from 'pino';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { pinoPassportMixin } from '../src/index.js';
import { lineSink } from './log-lines.js';

const { relay } = createTestRelay();

describe('pinoPassportMixin', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('adds the caller sub to every line written inside a request, and never the token', async () => {
    const sink = lineSink();
    const log = pino({ mixin: pinoPassportMixin(relay) }, sink.stream);
    const token = relay.issue({ sub: 'alice', email: 'alice@example.com' });
    const app = createServer((req, res) => {
      // The inbound glue every adapter is: verify, then serve inside the context.
      relay.runWith(relay.extract(req.headers), async () => {
        log.info('received');
        await sleep(1);
        log.warn({ order: 7 }, 'after an await');
        res.end('ok');
      });
    });
    const loopback = await listenOnLoopback(app);
    try {
      const response = await request(`${loopback.origin}/`, { headers: { passport: token } });
      await response.body.dump();
    } finally {
      await loopback.close();
    }
    log.info('outside');

    expect(sink.lines.map(({ msg, passport }) => ({ msg, passport }))).toEqual([
      { msg: 'received', passport: { sub: 'alice' } },
      { msg: 'after an await', passport: { sub: 'alice' } },
      { msg: 'outside', passport: undefined },
    ]);
    for (const part of token.split('.')) expect(sink.text()).not.toContain(part);
    expect(sink.text()).not.toContain('alice@example.com');
  });

  it('writes the chosen fields, under a key or at the top level', () => {
    const nested = lineSink();
    const flat = lineSink();
    const fields = ['sub', 'tenant', 'missing'];
    const nestedLog = pino(
      { mixin: pinoPassportMixin(relay, { fields, key: 'caller' }) },
      nested.stream,
    );
    const flatLog = pino({ mixin: pinoPassportMixin(relay, { fields, key: false }) }, flat.stream);

    relay.run({ sub: 'bob', tenant: 't1', roles: ['admin'] }, () => {
      nestedLog.info('x');
      flatLog.info('y');
    });

    expect(nested.lines[0]).toMatchObject({ caller: { sub: 'bob', tenant: 't1' } });
    expect(nested.lines[0]!.caller).not.toHaveProperty('roles');
    expect(flat.lines[0]).toMatchObject({ sub: 'bob', tenant: 't1' });
    expect(flat.lines[0]).not.toHaveProperty('roles');
    expect(flat.lines[0]).not.toHaveProperty('missing');
  });

  it('an anonymous request adds nothing', () => {
    const sink = lineSink();
    const log = pino({ mixin: pinoPassportMixin(relay) }, sink.stream);
    relay.run(undefined, () => log.info('anonymous'));
    expect(sink.lines[0]).not.toHaveProperty('passport');
  });

  it('2,000 interleaved callers each log only their own sub', async () => {
    const sink = lineSink();
    const log = pino({ mixin: pinoPassportMixin(relay) }, sink.stream);
    await runConcurrently(2_000, 200, (i) =>
      relay.run({ sub: `user-${i}` }, async () => {
        await sleep(i % 3);
        log.info({ i }, 'work');
      }),
    );
    const crossed = sink.lines.filter(
      (line) => (line.passport as { sub: string }).sub !== `user-${line.i as number}`,
    );
    expect(sink.lines).toHaveLength(2_000);
    expect(crossed).toEqual([]);
  });

  it.each([
    ['no relay', undefined, undefined, /createRelay/],
    ['an unknown option', relay, { field: ['sub'] }, /unknown option "field"/],
    ['empty fields', relay, { fields: [] }, /"fields" must be/],
    ['a bad key', relay, { key: '' }, /"key" must be/],
  ])('refuses %s at start-up', (_name, candidate, options, message) => {
    expect(() => pinoPassportMixin(candidate as typeof relay, options as never)).toThrowError(
      message,
    );
  });
});
