import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Options of {@link slowJsonBody}.
 * @example
 * ```ts
 * slowJsonBody({ i }, { parts: 3, pauseMs: 2 });
 * ```
 */
export interface SlowJsonBodyOptions {
  /**
   * How many chunks the body is cut into.
   * @default 3
   */
  readonly parts?: number;
  /**
   * Pause before each chunk, in milliseconds.
   * @default 5
   */
  readonly pauseMs?: number;
}

/**
 * A JSON request body that arrives in `parts` chunks with a pause before each, so it reaches the
 * server after the middleware ran and the body parser's stream events fire from the socket, not
 * from the request's start: the case where a context bound too narrowly is lost. Send it with a
 * `content-type: application/json` header; it can be read once.
 *
 * @example
 * ```ts
 * const response = await request(`${server.origin}/orders`, {
 *   method: 'POST',
 *   headers: { passport, 'content-type': 'application/json' },
 *   body: slowJsonBody({ item: 'pizza' }, { parts: 4 }),
 * });
 * ```
 */
export function slowJsonBody(value: unknown, options: SlowJsonBodyOptions = {}): Readable {
  const { parts = 3, pauseMs = 5 } = options;
  if (!Number.isInteger(parts) || parts < 1) {
    throw new RangeError(`slowJsonBody: "parts" must be a whole number from 1; received ${parts}.`);
  }
  const bytes = Buffer.from(JSON.stringify(value));
  const size = Math.max(1, Math.ceil(bytes.length / parts));
  async function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += size) {
      await sleep(pauseMs);
      yield bytes.subarray(offset, offset + size);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
