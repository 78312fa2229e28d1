import { fileURLToPath } from 'node:url';
import {
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  credentials,
  type GrpcObject,
  type Interceptor,
  loadPackageDefinition,
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerInterceptor,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceClientConstructor,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Relay } from '@passport-relay/core';

const definition = loadSync(fileURLToPath(new URL('./fixtures/orders.proto', import.meta.url)), {
  keepCase: false,
  defaults: true,
});
const proto = loadPackageDefinition(definition) as unknown as {
  orders: { v1: { Orders: ServiceClientConstructor } };
} & GrpcObject;
export const Orders = proto.orders.v1.Orders;

export interface Seen {
  id: string;
  sub: string;
  passport: string;
  downstreamSub: string;
}
type GetRequest = { id: string };

/** What each method does after it has read the caller: by default nothing more. */
export type Downstream = (id: string) => Promise<string>;

/** A running Orders server on loopback, counting the handler runs. */
export interface OrdersServer {
  readonly target: string;
  readonly port: number;
  readonly handlerRuns: () => number;
  close(): Promise<void>;
}

/**
 * Start a real grpc-js server on 127.0.0.1, port 0, with `interceptors`. Each handler answers with
 * `relay.current()?.sub` as the handler sees it, the raw passport metadata, and (when `downstream`
 * is given) what a call it makes downstream saw.
 */
export async function startOrdersServer(
  relay: Relay<object>,
  interceptors: ServerInterceptor[],
  downstream?: Downstream,
): Promise<OrdersServer> {
  let runs = 0;
  const server = new Server({ interceptors });
  const seen = async (id: string, metadata: Metadata): Promise<Seen> => {
    const sub = (relay.current() as { sub?: string } | undefined)?.sub ?? '';
    const downstreamSub = downstream === undefined ? '' : await downstream(id);
    // Read again after the awaits: the context must survive them.
    const after = (relay.current() as { sub?: string } | undefined)?.sub ?? '';
    if (after !== sub) throw new Error(`context changed across await: ${sub} -> ${after}`);
    return {
      id,
      sub,
      passport: String(metadata.get(relay.header)[0] ?? ''),
      downstreamSub,
    };
  };
  server.addService(Orders.service, {
    get(call: ServerUnaryCall<GetRequest, Seen>, callback: sendUnaryData<Seen>) {
      runs++;
      seen(call.request.id, call.metadata).then(
        (answer) => callback(null, answer),
        (error: Error) => callback(error),
      );
    },
    list(call: ServerWritableStream<GetRequest, Seen>) {
      runs++;
      (async () => {
        for (let part = 0; part < 3; part++) {
          call.write(await seen(`${call.request.id}#${part}`, call.metadata));
        }
        call.end();
      })().catch((error: Error) => call.destroy(error));
    },
    collect(call: ServerReadableStream<GetRequest, Seen>, callback: sendUnaryData<Seen>) {
      runs++;
      const ids: string[] = [];
      const subs = new Set<string>();
      call.on('data', (request: GetRequest) => {
        ids.push(request.id);
        subs.add((relay.current() as { sub?: string } | undefined)?.sub ?? '');
      });
      call.on('end', () => {
        seen(ids.join(','), call.metadata).then(
          (answer) => callback(null, { ...answer, sub: [...subs, answer.sub].join('|') }),
          (error: Error) => callback(error),
        );
      });
    },
    chat(call: ServerDuplexStream<GetRequest, Seen>) {
      runs++;
      const answers: Promise<void>[] = [];
      call.on('data', (request: GetRequest) => {
        answers.push(seen(request.id, call.metadata).then((answer) => void call.write(answer)));
      });
      call.on('end', () => {
        Promise.all(answers).then(
          () => call.end(),
          (error: Error) => call.destroy(error),
        );
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    target: `127.0.0.1:${port}`,
    port,
    handlerRuns: () => runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

export type OrdersClient = Client & {
  get(
    request: GetRequest,
    metadata: Metadata,
    callback: (error: ServiceError | null, reply?: Seen) => void,
  ): ClientUnaryCall;
  list(request: GetRequest, metadata?: Metadata): ClientReadableStream<Seen>;
  collect(
    metadata: Metadata,
    callback: (error: ServiceError | null, reply?: Seen) => void,
  ): ClientWritableStream<GetRequest>;
  chat(metadata?: Metadata): ClientDuplexStream<GetRequest, Seen>;
};

/** A real client for `target`, with `interceptors`. */
export function ordersClient(target: string, interceptors: Interceptor[] = []): OrdersClient {
  return new Orders(target, credentials.createInsecure(), {
    interceptors,
  }) as unknown as OrdersClient;
}

/** A unary `Get` as a promise; rejects with the `ServiceError`. */
export function get(client: OrdersClient, id: string, metadata = new Metadata()): Promise<Seen> {
  return new Promise((resolve, reject) => {
    client.get({ id }, metadata, (error, reply) => (error ? reject(error) : resolve(reply!)));
  });
}

/** Every message of a server-streaming `List`. */
export async function list(client: OrdersClient, id: string): Promise<Seen[]> {
  const replies: Seen[] = [];
  for await (const reply of client.list({ id }) as AsyncIterable<Seen>) replies.push(reply);
  return replies;
}

/** A client-streaming `Collect` of `ids`. */
export function collect(client: OrdersClient, ids: readonly string[]): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const call = client.collect(new Metadata(), (error, reply) =>
      error ? reject(error) : resolve(reply!),
    );
    for (const id of ids) call.write({ id });
    call.end();
  });
}

/** A bidirectional `Chat`: send `ids`, collect every answer. */
export async function chat(client: OrdersClient, ids: readonly string[]): Promise<Seen[]> {
  const call = client.chat();
  const replies: Seen[] = [];
  const done = (async () => {
    for await (const reply of call as AsyncIterable<Seen>) replies.push(reply);
  })();
  for (const id of ids) call.write({ id });
  call.end();
  await done;
  return replies;
}
