import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Whether the request went out on a kept-alive socket that served an earlier one. */
  readonly reusedSocket: boolean;
  json<T = Record<string, unknown>>(): T;
}

export interface SendOptions {
  readonly method?: string;
  /** A header given as a list is sent as that many header lines. */
  readonly headers?: Record<string, string | string[] | undefined>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Stream the body in two halves with a pause between them. */
  readonly slowBodyMs?: number;
  readonly agent?: Agent;
}

/** One real HTTP request with `node:http` (no client library between the test and the server). */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const payload =
    options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise<Reply>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          reusedSocket: req.reusedSocket,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    req.on('error', reject);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) req.setHeader(name, value);
    }
    if (payload === undefined) {
      req.end();
      return;
    }
    req.setHeader('content-type', 'application/json');
    req.setHeader('content-length', payload.length);
    if (options.slowBodyMs === undefined) {
      req.end(payload);
      return;
    }
    const half = Math.floor(payload.length / 2);
    req.flushHeaders();
    req.write(payload.subarray(0, half));
    sleep(options.slowBodyMs).then(
      () => req.end(payload.subarray(half)),
      (error: unknown) => req.destroy(error as Error),
    );
  });
}
