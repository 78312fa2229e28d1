import { Metadata, ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { createTestRelay } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  channelTargetHosts,
  passportClientInterceptor,
  passportServerInterceptor,
} from '../src/index.js';
import {
  chat,
  get,
  list,
  type OrdersClient,
  type OrdersServer,
  ordersClient,
  startOrdersServer,
} from './orders-fixture.js';

describe('channelTargetHosts reads the hosts of a channel target', () => {
  it.each([
    ['dns:///orders.shop.svc:50051', ['orders.shop.svc']],
    ['dns://8.8.8.8/orders:50051', ['orders']],
    ['dns:orders:50051', ['orders']],
    ['orders:50051', ['orders']],
    ['orders', ['orders']],
    ['127.0.0.1:50051', ['127.0.0.1']],
    ['[::1]:50051', ['::1']],
    ['ipv4:10.0.0.1:50051,10.0.0.2', ['10.0.0.1', '10.0.0.2']],
    ['ipv6:[::1]:50051,[fe80::1]:1', ['::1', 'fe80::1']],
    ['unix:/run/orders.sock', ['localhost']],
    ['unix:///run/orders.sock', ['localhost']],
    ['unix-abstract:orders', ['localhost']],
    ['xds:///orders.shop.svc:50051', ['orders.shop.svc']],
    ['api.example.com:443', ['api.example.com']],
  ])('%s', (target, hosts) => {
    expect(channelTargetHosts(target)).toEqual(hosts);
  });

  it.each(['', '   ', 'dns:///:50051', '[::1'])(
    'refuses %j with ERR_PASSPORT_OPTIONS',
    (target) => {
      expect(() => channelTargetHosts(target)).toThrowError(
        expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
      );
    },
  );
});

describe('the client interceptor carries the passport to allowed targets only', () => {
  const { relay } = createTestRelay({ propagateTo: ['127.0.0.1', 'localhost'] });
  let server: OrdersServer;

  beforeAll(async () => {
    // The server records what arrived; it verifies with the same relay.
    server = await startOrdersServer(relay, [passportServerInterceptor(relay)]);
  });
  afterAll(() => server.close());

  function client(target = server.target): OrdersClient {
    return ordersClient(target, [passportClientInterceptor(relay, { target })]);
  }

  it('unary and streaming calls made as a caller carry its passport', async () => {
    const orders = client();
    try {
      await relay.run({ sub: 'alice' }, async () => {
        await expect(get(orders, 'o-1')).resolves.toMatchObject({ sub: 'alice' });
        await expect(list(orders, 'o-2')).resolves.toMatchObject([
          { sub: 'alice' },
          { sub: 'alice' },
          { sub: 'alice' },
        ]);
        await expect(chat(orders, ['a', 'b'])).resolves.toMatchObject([
          { sub: 'alice' },
          { sub: 'alice' },
        ]);
      });
    } finally {
      orders.close();
    }
  });

  it('the same target spelled as ipv4: or dns:/// carries it too', async () => {
    for (const target of [`ipv4:127.0.0.1:${server.port}`, `dns:///localhost:${server.port}`]) {
      const orders = client(target);
      try {
        await expect(relay.run({ sub: 'bob' }, () => get(orders, 'o-3'))).resolves.toMatchObject({
          sub: 'bob',
        });
      } finally {
        orders.close();
      }
    }
  });

  it('outside any context nothing is added', async () => {
    const orders = client();
    try {
      await expect(get(orders, 'o-4')).resolves.toMatchObject({ sub: '', passport: '' });
    } finally {
      orders.close();
    }
  });

  it('metadata the caller set explicitly wins and is sent once', async () => {
    const orders = client();
    const own = relay.issue({ sub: 'explicit' });
    const metadata = new Metadata();
    metadata.set('passport', own);
    try {
      const seen = await relay.run({ sub: 'alice' }, () => get(orders, 'o-5', metadata));
      expect(seen).toMatchObject({ sub: 'explicit', passport: own });
    } finally {
      orders.close();
    }
  });

  it('a target off the list receives nothing, even over the same server', async () => {
    const strict = createTestRelay({ propagateTo: ['orders.shop.svc'] }).relay;
    const target = server.target;
    const orders = ordersClient(target, [passportClientInterceptor(strict, { target })]);
    try {
      const seen = await strict.run({ sub: 'alice' }, () => get(orders, 'o-6'));
      expect(seen).toMatchObject({ sub: '', passport: '' });
    } finally {
      orders.close();
    }
  });

  it('an ipv4: list with one address off the list receives nothing', async () => {
    const target = `ipv4:127.0.0.1:${server.port},169.254.169.254:80`;
    const orders = ordersClient(target, [passportClientInterceptor(relay, { target })]);
    try {
      const seen = await relay.run({ sub: 'alice' }, () => get(orders, 'o-7'));
      expect(seen).toMatchObject({ passport: '' });
    } finally {
      orders.close();
    }
  });

  it('forwarded headers travel from inbound metadata to the next hop with the passport', async () => {
    const traced = createTestRelay({ forwardHeaders: ['x-request-id'] }).relay;
    const backendReceived: string[] = [];
    const recordRequestId: ServerInterceptor = (_method, call) =>
      new ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              backendReceived.push(String(metadata.get('x-request-id')[0]));
              nextMetadata(metadata);
            },
          }),
      });
    const backend = await startOrdersServer(traced, [
      recordRequestId,
      passportServerInterceptor(traced),
    ]);
    const toBackend = ordersClient(backend.target, [
      passportClientInterceptor(traced, { target: backend.target }),
    ]);
    const forwarded: string[] = [];
    const front = await startOrdersServer(
      traced,
      [passportServerInterceptor(traced)],
      async (id) => {
        forwarded.push(...(traced.currentContext()?.forwarded.map(([n, v]) => `${n}=${v}`) ?? []));
        return (await get(toBackend, id)).passport === '' ? 'none' : 'carried';
      },
    );
    const toFront = ordersClient(front.target);
    try {
      const metadata = new Metadata();
      metadata.set('passport', traced.issue({ sub: 'alice' }));
      metadata.set('x-request-id', 'req-42');
      const seen = await get(toFront, 'o-8', metadata);
      expect(seen).toMatchObject({ sub: 'alice', downstreamSub: 'carried' });
      expect(forwarded).toEqual(['x-request-id=req-42']);
      expect(backendReceived).toEqual(['req-42']);
    } finally {
      toFront.close();
      toBackend.close();
      await front.close();
      await backend.close();
    }
  });

  it('options are checked when the interceptor is made', () => {
    expect(() => passportClientInterceptor(relay, undefined as never)).toThrowError(/target/);
    expect(() => passportClientInterceptor(relay, { target: '' })).toThrowError(/gRPC target/);
    expect(() =>
      passportClientInterceptor(relay, { target: 'orders:1', extra: 1 } as never),
    ).toThrowError(/unknown option "extra"/);
  });
});
