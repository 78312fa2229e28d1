import { setTimeout as sleep } from 'node:timers/promises';
import { createTestRelay } from '@passport-relay/testing';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { winstonPassportFormat } from '../src/index.js';
import { lineSink } from './log-lines.js';

const { relay } = createTestRelay();

function logger(format = winstonPassportFormat(relay)) {
  const sink = lineSink();
  const log = winston.createLogger({
    format: winston.format.combine(format, winston.format.json()),
    transports: [new winston.transports.Stream({ stream: sink.stream })],
  });
  return { log, sink };
}

describe('winstonPassportFormat', () => {
  it('adds the caller sub to every entry inside a context, across awaits, and never the token', async () => {
    const { log, sink } = logger();
    const token = relay.issue({ sub: 'alice' });
    await relay.runWith(relay.extract({ passport: token }), async () => {
      log.info('received');
      await sleep(1);
      log.info('after an await');
    });
    log.info('outside');

    expect(sink.lines.map(({ message, passport }) => ({ message, passport }))).toEqual([
      { message: 'received', passport: { sub: 'alice' } },
      { message: 'after an await', passport: { sub: 'alice' } },
      { message: 'outside', passport: undefined },
    ]);
    for (const part of token.split('.')) expect(sink.text()).not.toContain(part);
  });

  it('a property the entry already has wins; fields can be flat', () => {
    const { log, sink } = logger(
      winstonPassportFormat(relay, { fields: ['sub', 'tenant'], key: false }),
    );
    relay.run({ sub: 'bob', tenant: 't1' }, () => log.info('x', { tenant: 'explicit' }));
    expect(sink.lines[0]).toMatchObject({ sub: 'bob', tenant: 'explicit' });
  });
});
