import { once } from 'node:events';
import { createServer, type RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Fastify instance, as far as {@link listenOnLoopback} needs it: Fastify's own `listen` runs, and
 * `close()` is the app's.
 * @example
 * ```ts
 * const server = await listenOnLoopback(Fastify().register(passportRelay, { relay }));
 * ```
 */
export interface FastifyLikeApp {
  readonly server: Server;
  listen(options: { port: number; host: string }): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

/**
 * A Nest application, as far as {@link listenOnLoopback} needs it: Nest's own `listen` runs, and
 * `close()` is the app's.
 * @example
 * ```ts
 * const server = await listenOnLoopback(await NestFactory.create(AppModule, { logger: false }));
 * ```
 */
export interface NestLikeApp {
  getHttpServer(): unknown;
  listen(port: number, hostname: string): Promise<unknown>;
  close(): Promise<unknown>;
}

/**
 * What {@link listenOnLoopback} serves: a request listener (an Express app, Koa's `app.callback()`),
 * a `node:http` server that is not listening yet, a Fastify instance, or a Nest application.
 * @example
 * ```ts
 * const targets: Servable[] = [express(), http.createServer(handler), Fastify()];
 * ```
 */
export type Servable = RequestListener | Server | FastifyLikeApp | NestLikeApp;

/**
 * Options of {@link listenOnLoopback}.
 * @example
 * ```ts
 * const offList = await listenOnLoopback(app, { host: '127.0.0.2' }); // loopback, other address
 * ```
 */
export interface ListenOnLoopbackOptions {
  /**
   * Loopback address to bind.
   * @default "127.0.0.1"
   */
  readonly host?: string;
}

/**
 * A server listening on a free loopback port, and how to stop it.
 * @example
 * ```ts
 * const server: LoopbackServer = await listenOnLoopback(app);
 * expect(server.connections()).toBe(1);
 * ```
 */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Connections the server accepted so far: one for several requests proves keep-alive reuse. */
  connections(): number;
  /**
   * Stop listening and drop open connections. For a Fastify or Nest app this is the app's own
   * `close()` (its shutdown hooks run).
   */
  close(): Promise<void>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Serve `target` on a free port of a loopback address (port 0: never a fixed port), counting the
 * connections it accepts.
 *
 * @example
 * ```ts
 * const server = await listenOnLoopback(expressApp);
 * const response = await fetch(`${server.origin}/orders`);
 * await server.close();
 * ```
 * @example
 * ```ts
 * const server = await listenOnLoopback(Fastify().get('/', async () => 'ok'));
 * ```
 */
export async function listenOnLoopback(
  target: Servable,
  options: ListenOnLoopbackOptions = {},
): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  let server: Server;
  let listen: () => Promise<unknown>;
  let close: () => Promise<void>;
  if (typeof target === 'function') {
    server = createServer(target);
    listen = () => once(server.listen(0, host), 'listening');
    close = () => closeServer(server);
  } else if (target instanceof Server) {
    server = target;
    listen = () => once(server.listen(0, host), 'listening');
    close = () => closeServer(server);
  } else if ('getHttpServer' in target) {
    server = target.getHttpServer() as Server;
    listen = () => target.listen(0, host);
    close = async () => {
      await target.close();
    };
  } else if ('server' in target && typeof target.listen === 'function') {
    server = target.server;
    listen = async () => target.listen({ port: 0, host });
    close = async () => {
      await target.close();
    };
  } else {
    throw new TypeError(
      'listenOnLoopback: give it a request listener (an Express app), a node:http server, a Fastify instance or a Nest application.',
    );
  }
  let connections = 0;
  server.on('connection', () => connections++);
  await listen();
  const { port, address } = server.address() as AddressInfo;
  const hostPart = address.includes(':') ? `[${address}]` : address;
  return {
    origin: `http://${hostPart}:${port}`,
    port,
    connections: () => connections,
    close,
  };
}
