import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { Readable } from 'node:stream';

/** What a conformance request got back. */
export interface SentReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

/** Options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  /**
   * Header values (an array value is sent as several header lines), or a flat raw list
   * `[name, value, name, value, ...]` as `forgedPassports()` gives it.
   */
  readonly headers?:
    | Readonly<Record<string, string | readonly string[] | undefined>>
    | readonly string[];
  readonly body?: Readable;
  /** A keep-alive or pooled agent; a fresh connection per request by default. */
  readonly agent?: Agent;
}

/**
 * One request with `node:http`, which sends header arrays as repeated lines and keeps casing, so a
 * suite can send two passports or a `PassPort` header.
 */
export function send(url: string, options: SendOptions = {}): Promise<SentReply> {
  const headers: Record<string, string | string[]> = {};
  if (Array.isArray(options.headers)) {
    // A raw list: repeated names become one array, which node:http sends as several lines.
    const raw = options.headers as readonly string[];
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const name = raw[index]!;
      const known = headers[name];
      headers[name] = known === undefined ? raw[index + 1]! : [...[known].flat(), raw[index + 1]!];
    }
  } else {
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) headers[name] = value as string | string[];
    }
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers, agent: options.agent ?? false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body === undefined) req.end();
    else options.body.pipe(req);
  });
}
