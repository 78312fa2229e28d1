import { PassportError } from './errors.js';

/**
 * A misconfiguration: `ERR_PASSPORT_OPTIONS`, its message prefixed with where it was found so the
 * reader knows which call to fix.
 *
 * @example
 * ```ts
 * throw optionError('passportRelay (express)', '"required" must be a boolean or (req) => boolean.');
 * ```
 */
export function optionError(where: string, message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `${where}: ${message}`);
}

/**
 * How {@link checkOptions} treats a missing options object, and what its fix-it shows.
 *
 * @example
 * ```ts
 * checkOptions('myAdapter', options, { known: ['relay'], example: 'myAdapter({ relay })', required: true });
 * ```
 */
export interface CheckOptionsSpec<K extends string> {
  /** The option names this call understands. */
  readonly known: readonly K[];
  /** A call that works, shown in the message when the options are not an object. */
  readonly example: string;
  /**
   * Whether the options object itself is required.
   * @default false
   */
  readonly required?: boolean;
}

/** Edit distance, to suggest `audience` for `audiance`. Names are short; quadratic is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const lower = key.toLowerCase();
    if (name.toLowerCase().startsWith(lower) || lower.startsWith(name.toLowerCase()))
      return ` Did you mean "${name}"?`;
    const d = distance(key, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` Did you mean "${best}"?`;
}

/**
 * Check an options object once, where it is given: it must be an object (or absent, unless
 * `required`), and every key must be one this call knows, so a JavaScript caller's typo
 * (`audiance`) fails at start-up instead of silently turning a check off. Returns the options as a
 * record (an empty one when absent) for the caller to read its own fields from.
 *
 * @throws `ERR_PASSPORT_OPTIONS` with a message that says how to fix the call.
 * @example
 * ```ts
 * const { issuer, audience } = checkOptions('signedCodec', options, {
 *   known: ['keys', 'issuer', 'audience'],
 *   example: 'signedCodec({ keys, issuer })',
 *   required: true,
 * });
 * ```
 */
export function checkOptions<K extends string>(
  where: string,
  options: unknown,
  spec: CheckOptionsSpec<K>,
): Partial<Record<K, unknown>> {
  if (options === undefined && spec.required !== true) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(
      where,
      `needs an options object, e.g. ${spec.example}; received ${options === null ? 'null' : typeof options}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!(spec.known as readonly string[]).includes(key)) {
      throw optionError(
        where,
        `unknown option "${key}".${suggestion(key, spec.known)} Known options: ${spec.known.join(', ')}.`,
      );
    }
  }
  return options as Partial<Record<K, unknown>>;
}

/**
 * Check an option that takes one of a few string values, each with a short explanation shown when
 * the value is wrong.
 *
 * @param choices Each allowed value, with what it does (an empty string for none).
 * @example
 * ```ts
 * const onRefusal = oneOf('passportRelay (express)', 'onRefusal', options.onRefusal, {
 *   respond: 'answer with a problem+json refusal',
 *   next: 'call next(error)',
 * }, 'respond');
 * ```
 */
export function oneOf<V extends string>(
  where: string,
  name: string,
  value: unknown,
  choices: Readonly<Record<V, string>>,
  fallback: NoInfer<V>,
): V {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && Object.hasOwn(choices, value)) return value as V;
  const listed = Object.entries<string>(choices).map(([choice, what]) =>
    what === '' ? `"${choice}"` : `"${choice}" (${what})`,
  );
  const list =
    listed.length === 1 ? listed[0] : `${listed.slice(0, -1).join(', ')} or ${listed.at(-1)}`;
  throw optionError(where, `"${name}" must be ${list}; received ${JSON.stringify(value)}.`);
}

/**
 * Check a numeric option against its range once, at start-up, and fill in its default.
 *
 * @example
 * ```ts
 * const tolerance = numberOption('signedCodec', 'clockToleranceSeconds', options.clockToleranceSeconds, {
 *   min: 0, max: 300, fallback: 5,
 * });
 * ```
 */
export function numberOption(
  where: string,
  name: string,
  value: unknown,
  range: {
    readonly min: number;
    readonly max: number;
    readonly fallback: number;
    readonly integer?: boolean;
    readonly hint?: string;
  },
): number {
  if (value === undefined) return range.fallback;
  const integer = range.integer === true;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < range.min ||
    value > range.max
  ) {
    throw optionError(
      where,
      `"${name}" must be ${integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}${range.hint ?? ''}; received ${JSON.stringify(value)}.`,
    );
  }
  return value;
}
