import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Relay } from '@passport-relay/core';
import { type CloudEventHandler, type CloudEventSinkOptions, cloudEventSink } from './sink.js';

/**
 * Options of {@link expressCloudEventSink}.
 * @example
 * ```ts
 * const options: ExpressCloudEventSinkOptions = { maxBodyBytes: 65_536 };
 * ```
 */
export interface ExpressCloudEventSinkOptions extends CloudEventSinkOptions {
  /**
   * Largest request body read, in bytes, when no body parser ran before; larger is refused (413).
   * @default 1048576
   */
  readonly maxBodyBytes?: number;
}

/**
 * An Express (4 and 5) route handler that receives CloudEvents as a Knative sink: binary or
 * structured mode, the passport verified before `handler` runs (see {@link cloudEventSink}).
 * It reads the raw body itself, or uses `req.body` when a parser (`express.text`, `express.json`)
 * already ran. Works with a plain `node:http` server too.
 *
 * @example
 * ```ts
 * app.post('/', expressCloudEventSink(relay, async (event) => {
 *   await notify(event.data, relay.require().sub);
 * }));
 * ```
 */
export function expressCloudEventSink(
  relay: Relay,
  handler: CloudEventHandler,
  options: ExpressCloudEventSinkOptions = {},
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => void {
  const { maxBodyBytes = 1_048_576, ...sinkOptions } = options;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TypeError('expressCloudEventSink: maxBodyBytes must be a positive integer.');
  }
  const receive = cloudEventSink(relay, handler, sinkOptions);
  return function cloudEventRoute(req, res) {
    // A body parser that ran has consumed the stream; one that skipped this content type has not.
    const consumed = req.readableEnded || (req as { _body?: boolean })._body === true;
    const body: Promise<unknown> = consumed
      ? Promise.resolve(req.body)
      : readBody(req, maxBodyBytes);
    body
      .then((value) => receive({ headers: req.headers, body: value }))
      .then(
        ({ status, headers, body: text }) => res.writeHead(status, headers).end(text),
        (error: unknown) => {
          const status = error instanceof BodyTooLarge ? 413 : 400;
          res
            .writeHead(status, { 'content-type': 'text/plain' })
            .end(status === 413 ? 'Body too large' : 'Bad request');
        },
      );
  };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
