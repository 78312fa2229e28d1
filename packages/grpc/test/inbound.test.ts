import { Metadata, status } from '@grpc/grpc-js';
import { createTestRelay } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passportServerInterceptor } from '../src/index.js';
import {
  chat,
  collect,
  get,
  list,
  type OrdersClient,
  type OrdersServer,
  ordersClient,
  startOrdersServer,
} from './orders-fixture.js';

const { relay } = createTestRelay();

function withPassport(sub: string): Metadata {
  const metadata = new Metadata();
  metadata.set(relay.header, relay.issue({ sub }));
  return metadata;
}

describe('the server interceptor runs every kind of handler in the caller context', () => {
  let server: OrdersServer;
  let client: OrdersClient;

  beforeAll(async () => {
    server = await startOrdersServer(relay, [passportServerInterceptor(relay)]);
    client = ordersClient(server.target);
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('unary: the handler reads the caller with relay.current(), across awaits', async () => {
    await expect(get(client, 'o-1', withPassport('alice'))).resolves.toMatchObject({
      sub: 'alice',
    });
  });

  it('server streaming: every message is written in the caller context', async () => {
    const metadata = withPassport('bob');
    const replies = await new Promise<unknown[]>((resolve, reject) => {
      const out: unknown[] = [];
      const call = client.list({ id: 'o-2' }, metadata);
      call.on('data', (reply) => out.push(reply));
      call.on('end', () => resolve(out));
      call.on('error', reject);
    });
    expect(replies.map((reply) => (reply as { sub: string }).sub)).toEqual(['bob', 'bob', 'bob']);
  });

  it('client streaming: each received message and the end see the caller', async () => {
    const reply = await new Promise<{ sub: string }>((resolve, reject) => {
      const call = client.collect(withPassport('carol'), (error, answer) =>
        error ? reject(error) : resolve(answer!),
      );
      call.write({ id: 'a' });
      call.write({ id: 'b' });
      call.end();
    });
    expect(reply.sub).toBe('carol|carol');
  });

  it('bidirectional streaming: each answer is computed in the caller context', async () => {
    const call = client.chat(withPassport('dave'));
    const subs: string[] = [];
    const done = (async () => {
      for await (const reply of call as AsyncIterable<{ sub: string }>) subs.push(reply.sub);
    })();
    call.write({ id: 'x' });
    call.write({ id: 'y' });
    call.end();
    await done;
    expect(subs).toEqual(['dave', 'dave']);
  });

  it('a call without a passport runs anonymously when passports are optional', async () => {
    await expect(get(client, 'o-3')).resolves.toMatchObject({ sub: '' });
    await expect(list(client, 'o-4')).resolves.toHaveLength(3);
    await expect(collect(client, ['p'])).resolves.toMatchObject({ sub: '|' });
    await expect(chat(client, ['q'])).resolves.toMatchObject([{ sub: '' }]);
  });
});

describe('required passports', () => {
  let server: OrdersServer;
  let client: OrdersClient;

  beforeAll(async () => {
    server = await startOrdersServer(relay, [
      passportServerInterceptor(relay, { required: (path) => path !== '/orders.v1.Orders/List' }),
    ]);
    client = ordersClient(server.target);
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('refuses a call without a passport with UNAUTHENTICATED and ERR_PASSPORT_MISSING', async () => {
    const runs = server.handlerRuns();
    const error = await get(client, 'o-5').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((error as { metadata: Metadata }).metadata.get('passport-error')).toEqual([
      'ERR_PASSPORT_MISSING',
    ]);
    expect(server.handlerRuns()).toBe(runs);
  });

  it('refuses a streaming call without a passport before its handler runs', async () => {
    const runs = server.handlerRuns();
    const error = await chat(client, ['a', 'b']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(server.handlerRuns()).toBe(runs);
    await expect(get(client, 'o-7', withPassport('erin'))).resolves.toMatchObject({ sub: 'erin' });
  });

  it('the predicate keeps a method open, by its path', async () => {
    await expect(list(client, 'o-6')).resolves.toHaveLength(3);
  });
});

describe('options are checked when the interceptor is made', () => {
  it.each([
    ['no relay', undefined, undefined, /createRelay/],
    ['an unknown option', relay, { require: true }, /unknown option "require"/],
    ['a bad required', relay, { required: 'yes' }, /"required" must be a boolean/],
  ])('%s', (_name, candidate, options, message) => {
    expect(() =>
      passportServerInterceptor(candidate as typeof relay, options as never),
    ).toThrowError(message);
  });
});
