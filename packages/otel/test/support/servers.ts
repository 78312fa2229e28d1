import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A node:http server on a free loopback port. */
export interface TestServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Listen on port 0 (of `host`), for a test; close() drops open keep-alive sockets too. */
export async function listen(
  handler: RequestListener | Server,
  host = '127.0.0.1',
): Promise<TestServer> {
  const server = typeof handler === 'function' ? createServer(handler) : handler;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** How many times a header appears in a request's raw header list. */
export function countRaw(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) count++;
  }
  return count;
}

/** Read a request body and parse it as JSON. */
export async function json<T>(response: { text(): Promise<string> }): Promise<T> {
  return JSON.parse(await response.text()) as T;
}
