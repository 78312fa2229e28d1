import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One request as the recording server saw it.
 * @example
 * ```ts
 * const [first] = server.requests;
 * first.url; // '/orders?id=1'
 * rawHeaderValues(first.rawHeaders, 'passport'); // every passport line it carried
 * ```
 */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw header pairs, to see duplicates that `headers` would join. */
  readonly rawHeaders: readonly string[];
}

/**
 * A loopback HTTP server that records what it receives. Made by {@link startRecordingServer} (or
 * `recordingServerPerTest`).
 * @example
 * ```ts
 * const server: RecordingServer = await startRecordingServer();
 * ```
 */
export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The port it listens on (a free one, picked by the system). */
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /**
   * The value(s) of one header across all requests, in order (`undefined` where a request had
   * none).
   * @example
   * ```ts
   * expect(server.received('passport')).toEqual([token, undefined]);
   * ```
   */
  received(header: string): (string | string[] | undefined)[];
  /**
   * The values of several headers, one list per request: `[[passport, requestId], ...]`.
   * @example
   * ```ts
   * expect(server.received(['passport', 'x-request-id'])).toEqual([[token, 'req-1']]);
   * ```
   */
  received(headers: readonly string[]): (string | string[] | undefined)[][];
  /**
   * The one request received at `path` (path and query, as sent); throws unless exactly one was.
   * @example
   * ```ts
   * const { rawHeaders } = server.receivedAt('/orders?id=1');
   * ```
   */
  receivedAt(path: string): RecordedRequest;
  /** Stop the server and drop its open connections. */
  close(): Promise<void>;
}

/**
 * Options of {@link startRecordingServer}.
 * @example
 * ```ts
 * const offList = await startRecordingServer({ host: '127.0.0.2' }); // not on a 127.0.0.1 list
 * ```
 */
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
    received: ((header: string | readonly string[]) =>
      requests.map((request) =>
        typeof header === 'string'
          ? request.headers[header.toLowerCase()]
          : header.map((name) => request.headers[name.toLowerCase()]),
      )) as RecordingServer['received'],
    receivedAt(path) {
      const found = requests.filter((request) => request.url === path);
      if (found.length !== 1) {
        throw new Error(`Expected one request to ${path}; the server received ${found.length}.`);
      }
      return found[0]!;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
