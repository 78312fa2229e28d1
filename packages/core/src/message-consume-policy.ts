import { badOption, refuse } from './errors.js';
import type { Relay } from './relay.js';
import type { RelayContext } from './relay-context.js';

/**
 * How long after its passport was issued (`iat`) a message may still be consumed once the
 * passport's own `exp` has passed: one hour.
 * @example
 * ```ts
 * messageConsumePolicy({ maxMessageAgeSeconds: DEFAULT_MAX_MESSAGE_AGE_SECONDS / 4 });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_AGE_SECONDS = 3600;
const MAX_MESSAGE_AGE_LIMIT_SECONDS = 7 * 24 * 3600;

/**
 * Options of {@link messageConsumePolicy}.
 * @example
 * ```ts
 * const strict: MessageConsumePolicyOptions = { maxMessageAgeSeconds: 0 };
 * ```
 */
export interface MessageConsumePolicyOptions {
  /**
   * A message waits in its broker; its passport may expire meanwhile. A consumer accepts a passport
   * whose `exp` has passed while no more than this many seconds have gone by since its `iat` (the
   * signed issue time; a broker's own timestamp is written by whoever writes to the broker, so it
   * is never used to extend). `0` checks `exp` at consume time exactly as an HTTP hop does. The
   * signature, issuer, audience and schema are checked in every case.
   * @default 3600
   */
  readonly maxMessageAgeSeconds?: number;
  /**
   * Refuse a message that carries no passport (`ERR_PASSPORT_MISSING`).
   * @default true
   */
  readonly required?: boolean;
}

/**
 * A resolved, checked consume-time policy: what a message consumer does with a passport.
 * @example
 * ```ts
 * const policy: MessageConsumePolicy = messageConsumePolicy();
 * ```
 */
export interface MessageConsumePolicy {
  readonly maxMessageAgeSeconds: number;
  readonly required: boolean;
  /** The instant a passport's `exp` and `nbf` are checked at (see `ExtractOptions.checkTimeAt`). */
  checkTimeAt(token: string, nowSeconds: number): number;
}

const KNOWN = new Set(['maxMessageAgeSeconds', 'required']);

/**
 * Check the consume-time options once and return the policy message adapters apply.
 * A bad option throws `ERR_PASSPORT_OPTIONS` naming `where`.
 *
 * @example
 * ```ts
 * const policy = messageConsumePolicy({ maxMessageAgeSeconds: 600 });
 * const context = extractFromMessage(relay, message.headers, policy);
 * ```
 */
export function messageConsumePolicy(
  options: MessageConsumePolicyOptions = {},
  where = 'messageConsumePolicy',
): MessageConsumePolicy {
  if (typeof options !== 'object' || options === null) {
    throw badOption(`${where}: options must be an object.`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw badOption(
        `${where}: unknown option "${key}"; known options are ${[...KNOWN].join(', ')}.`,
      );
    }
  }
  const maxAge = options.maxMessageAgeSeconds ?? DEFAULT_MAX_MESSAGE_AGE_SECONDS;
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_MESSAGE_AGE_LIMIT_SECONDS) {
    throw badOption(
      `${where}: "maxMessageAgeSeconds" must be an integer from 0 (check exp at consume time) to ${MAX_MESSAGE_AGE_LIMIT_SECONDS} (a week).`,
    );
  }
  const required = options.required ?? true;
  if (typeof required !== 'boolean') throw badOption(`${where}: "required" must be a boolean.`);
  return Object.freeze({
    maxMessageAgeSeconds: maxAge,
    required,
    checkTimeAt(token: string, nowSeconds: number): number {
      if (maxAge === 0) return nowSeconds;
      const times = peekTimes(token);
      if (times === undefined) return nowSeconds;
      const { iat, exp } = times;
      // Within its lifetime, or beyond the message age: checked now, as any hop would.
      if (nowSeconds <= exp || iat > exp || nowSeconds - iat > maxAge) return nowSeconds;
      // Expired while the message waited, within the bound: checked as of its last valid second.
      return exp;
    },
  });
}

/**
 * The consumer's inbound decision for one message: verify the passport in `carrier` (message
 * headers, job data, CloudEvent extensions: any object, values untrusted) under `policy`. Returns
 * the context to run the handler in; throws a `PassportError` on refusal.
 *
 * Only the passport and forwarded header names are read. A passport value that is not a string
 * (nor a Buffer, nor a list of strings, which counts as duplicates) is refused as malformed, so a
 * job's JSON can never smuggle an object where a token belongs.
 *
 * @example
 * ```ts
 * const policy = messageConsumePolicy();
 * const context = extractFromMessage(relay, job.data, policy);
 * await relay.runWith(context, () => handler(job));
 * ```
 */
export function extractFromMessage<T extends object>(
  relay: Relay<T>,
  carrier: Readonly<Record<string, unknown>>,
  policy: MessageConsumePolicy,
): RelayContext<T> {
  const headers: Record<string, string | readonly string[] | Buffer> = Object.create(null);
  for (const name of [relay.header, ...relay.forwardHeaders]) {
    const value = typeof carrier === 'object' && carrier !== null ? carrier[name] : undefined;
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || Buffer.isBuffer(value)) headers[name] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      headers[name] = value as string[];
    } else if (name === relay.header) {
      throw refuse('ERR_PASSPORT_MALFORMED', `The message's "${name}" value is not a string.`);
    }
  }
  return relay.extract(headers, { required: policy.required, checkTimeAt: policy.checkTimeAt });
}

/**
 * `iat` and `exp` read from the token without verifying it, only to pick the instant its time
 * claims are checked at. The codec then verifies the signature over these very claims, so a
 * forger gains nothing; anything unreadable is checked now and refused by the codec.
 */
function peekTimes(token: string): { iat: number; exp: number } | undefined {
  const parts = token.split('.');
  const segment =
    parts.length === 3 ? parts[1]! : parts.length === 1 ? parts[0]!.replace(/=+$/, '') : undefined;
  if (segment === undefined || !/^[A-Za-z0-9_-]*$/.test(segment)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
    if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
    if (!Number.isFinite(iat) || !Number.isFinite(exp)) return undefined;
    return { iat, exp };
  } catch {
    return undefined;
  }
}
