import { connect } from 'node:net';
import { type Dispatcher, errors } from 'undici';
import type { FuzzCase } from './fuzz-cases.js';

/** What happened to one request. */
export type Delivery =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Lower-case names; a repeated header keeps its last value. */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    }
  /** The HTTP client refused to put it on the wire (invalid header name or value). */
  | { readonly kind: 'not-sent'; readonly error: Error }
  /** The connection ended without a response. */
  | { readonly kind: 'closed'; readonly error: Error };

/** The path every fuzzed request asks for. */
export const FUZZ_PATH = '/echo';

function flatHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Send one case with undici, its header lines as a raw list so duplicates and case survive.
 *
 * Send illegal cases through a plain `Client`, not a `Pool` with a `connections` limit: undici
 * 7.30.2's Pool loses a connection slot to every request it refuses client-side, and stalls once
 * it has refused as many as it has connections.
 */
export async function deliver(dispatcher: Dispatcher, fuzz: FuzzCase): Promise<Delivery> {
  const headers = fuzz.headers.flat();
  try {
    const response = await dispatcher.request({ path: FUZZ_PATH, method: 'GET', headers });
    const body = await response.body.text();
    return {
      kind: 'response',
      status: response.statusCode,
      headers: flatHeaders(response.headers),
      body,
    };
  } catch (error) {
    if (error instanceof errors.InvalidArgumentError) return { kind: 'not-sent', error };
    return { kind: 'closed', error: error as Error };
  }
}

/** The request head of a case with a raw line spliced in, as latin1 text. */
export function rawHead(fuzz: FuzzCase, host: string): string {
  const lines = fuzz.headers.map(([name, value]) => `${name}: ${value}`);
  const bad = fuzz.malformation;
  if (bad !== undefined && bad.line !== '') lines.splice(bad.at, 0, bad.line);
  return `GET ${FUZZ_PATH} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const end = body.indexOf('\r\n', offset);
    if (end < 0) break;
    const size = Number.parseInt(body.subarray(offset, end).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(end + 2, end + 2 + size));
    offset = end + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Parse the one response a `connection: close` request gets. */
function parseResponse(data: Buffer): Delivery | undefined {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(split + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { kind: 'response', status, headers, body: body.toString('utf8') };
}

/** Write a case's head byte for byte on a fresh connection and read the response. */
export function deliverRaw(port: number, fuzz: FuzzCase): Promise<Delivery> {
  const head = Buffer.from(rawHead(fuzz, `127.0.0.1:${port}`), 'latin1');
  return new Promise<Delivery>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.setTimeout(30_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      const parsed = parseResponse(Buffer.concat(chunks));
      resolve(
        parsed ?? { kind: 'closed', error: failure ?? new Error('closed without a response') },
      );
    });
    socket.end(head);
  });
}
