import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the recording server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw header pairs, to see duplicates that `headers` would join. */
  readonly rawHeaders: readonly string[];
}

/** A loopback HTTP server that records what it receives. */
export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The value(s) of one header across all requests (lower-case name). */
  received(header: string): (string | string[] | undefined)[];
  close(): Promise<void>;
}

/** Options of {@link startRecordingServer}. */
export interface RecordingServerOptions {
  /**
   * Host to bind.
   * @default "127.0.0.1"
   */
  readonly host?: string;
}

/**
 * Start a server on a free loopback port that records every request and answers with JSON
 * `{ headers }` (what it received). `GET /redirect?to=<url>` answers 302 to `<url>`, for redirect
 * leak tests; `?status=<n>` sets the status.
 *
 * @example
 * ```ts
 * const server = await startRecordingServer();
 * await fetch(`${server.origin}/x`);
 * server.received('passport'); // [undefined]
 * await server.close();
 * ```
 */
export async function startRecordingServer(
  options: RecordingServerOptions = {},
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    const url = new URL(req.url ?? '/', 'http://recording.test');
    const to = url.searchParams.get('to');
    // Drain the body before answering so keep-alive sockets stay reusable.
    req.resume();
    req.on('end', () => {
      if (url.pathname === '/redirect' && to !== null) {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to }).end();
        return;
      }
      const body = JSON.stringify({ headers: req.headers });
      res
        .writeHead(Number(url.searchParams.get('status') ?? 200), {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        })
        .end(body);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    origin: `http://${host}:${port}`,
    port,
    requests,
    received: (header) => requests.map((request) => request.headers[header.toLowerCase()]),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
