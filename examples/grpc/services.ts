/**
 * The services of this example, written the way you would write yours: no handler reads metadata,
 * no function takes a passport or a user id, no call sets one. The server interceptor puts the
 * verified caller in the call's context; the client interceptor carries it to allowed targets.
 */
import { fileURLToPath } from 'node:url';
import {
  credentials,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Relay } from '@passport-relay/core';
import { passportClientInterceptor, passportServerInterceptor } from '@passport-relay/grpc';

const definition = loadSync(fileURLToPath(new URL('./shop.proto', import.meta.url)));
const shop = (
  loadPackageDefinition(definition) as unknown as {
    shop: { v1: { Orders: ServiceClientConstructor; Billing: ServiceClientConstructor } };
  }
).shop.v1;

export interface Hop {
  service: string;
  sub: string;
  receivedPassport: boolean;
}

type Callback<T> = (error: Error | null, reply?: T) => void;
// biome-ignore lint/suspicious/noExplicitAny: generated-at-runtime gRPC clients are untyped
type Untyped = any;

/**
 * Start a gRPC server on `host`, port 0: with the passport interceptor (passports required) for
 * our services, without it for the partner, which knows nothing of passport-relay.
 */
export async function serve(
  add: (server: Server) => void,
  { relay, host = '127.0.0.1' }: { relay?: Relay; host?: string } = {},
): Promise<{ target: string; close: () => Promise<void> }> {
  const interceptors = relay ? [passportServerInterceptor(relay, { required: true })] : [];
  const server = new Server({ interceptors });
  add(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    target: `dns:///${host}:${port}`,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** A client of `Service` on `target`, carrying the caller's passport where `propagateTo` allows. */
export function client(relay: Relay, service: 'Orders' | 'Billing', target: string): Untyped {
  return new shop[service](target, credentials.createInsecure(), {
    interceptors: [passportClientInterceptor(relay, { target })],
  });
}

/** `billing` (and the partner, which runs the same code): report who called. */
export function addBilling(relay: Relay, name: string) {
  return (server: Server) =>
    server.addService(shop.Billing.service, {
      charge(call: Untyped, callback: Callback<Hop>) {
        callback(null, {
          service: name,
          sub: relay.current()?.sub ?? '',
          receivedPassport: call.metadata.get(relay.header).length > 0,
        });
      },
    });
}

/** `orders`: charges billing and the partner, in business code that never sees a passport. */
export function addOrders(relay: Relay, billing: Untyped, partner: Untyped) {
  const charge = (to: Untyped, item: string) =>
    new Promise<Hop>((resolve, reject) =>
      to.charge({ item }, (error: Error | null, hop: Hop) =>
        error ? reject(error) : resolve(hop),
      ),
    );
  const here = (): Hop => ({ service: 'orders', sub: relay.require().sub, receivedPassport: true });
  return (server: Server) =>
    server.addService(shop.Orders.service, {
      place(call: Untyped, callback: Callback<{ hops: Hop[] }>) {
        Promise.all([charge(billing, call.request.item), charge(partner, call.request.item)]).then(
          ([billed, partnered]) => callback(null, { hops: [here(), billed, partnered] }),
          (error: Error) => callback(error),
        );
      },
      async track(call: Untyped) {
        for (const step of ['packed', 'shipped']) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          call.write({
            service: `orders/${step}`,
            sub: relay.current()?.sub ?? '',
            receivedPassport: true,
          });
        }
        call.end();
      },
    });
}
