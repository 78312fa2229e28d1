/**
 * The verdict on one fuzzed request: what a correct server must answer, and whether it did.
 *
 * Acceptance is judged independently of passport-relay: a 200 must name the caller of a passport
 * that jose accepts under the same key and issuer, and that the request actually carried.
 */
import {
  PASSPORT_ERRORS,
  type PassportErrorCode,
  PROBLEM_CONTENT_TYPE,
} from '@passport-relay/core';
import { type FuzzCase, legalOnTheWire } from './fuzz-cases.js';
import { type Delivery, FUZZ_PATH } from './fuzz-http.js';
import type { Forgery } from './jws.js';

/** What the handler behind the adapter answers: the caller as every view of it saw it. */
export interface Echo {
  readonly sub: string | null;
  /** The passport value the relay verified (`relay.currentContext().token`). */
  readonly token: string | null;
  /** Other views of the caller the adapter offers (`request.passport`, `@CurrentPassport()`). */
  readonly views: Readonly<Record<string, string | null>>;
}

type Expectation =
  /** One passport that must be accepted for this caller. */
  | { readonly kind: 'accept'; readonly sub: string }
  /** No passport on a route that requires one: 401 `ERR_PASSPORT_MISSING`. */
  | { readonly kind: 'missing' }
  /** Several passport lines: 400 `ERR_PASSPORT_DUPLICATE` (or 431 when they are too large). */
  | { readonly kind: 'duplicate' }
  /** Malformed HTTP, or a head over Node's limit: refused, by Node or the framework if need be. */
  | { readonly kind: 'refuse' }
  /** An invalid header name or value: the client must not send it. */
  | { readonly kind: 'not-sent' }
  /** Anything consistent: refused, or accepted for a passport jose accepts too. */
  | { readonly kind: 'either' };

interface Judgement {
  readonly expectation: Expectation;
  /** Node or the framework may refuse it before the relay sees it (400/431, or a reset). */
  readonly httpLevel: boolean;
}

export interface OracleOptions {
  readonly forgery: Forgery;
  /** Node's limit on a request head (`http.maxHeaderSize`). */
  readonly maxHeaderSize: number;
  /** Node reads at most this many header lines and drops the rest. */
  readonly maxHeaderLines: number;
}

const CR_OR_LF = /[\r\n]/;

/** Bytes of slack around Node's limit, whose exact accounting is Node's business. */
const HEAD_SLACK = 64;
/** Passport values shorter than this may occur in a problem body by chance. */
const ECHO_CHECK_MIN = 24;

/** Strip the spaces and tabs HTTP drops around a value (a loop: a regex would be quadratic). */
function trimOws(value: string): string {
  const blank = (index: number) => value[index] === ' ' || value[index] === '\t';
  let start = 0;
  let end = value.length;
  while (start < end && blank(start)) start++;
  while (end > start && blank(end - 1)) end--;
  return value.slice(start, end);
}

/**
 * Bounds on what Node counts against `maxHeaderSize` (the target, names and values): whether it
 * counts the whitespace around a value is Node's business, so the bounds differ by it.
 */
function headBytes(fuzz: FuzzCase): { readonly least: number; readonly most: number } {
  // The lines the client adds itself, at their longest: a size estimate, not an address.
  let least = FUZZ_PATH.length + 'host127.0.0.1:65535connectionkeep-alive'.length;
  let most = least;
  for (const [name, value] of fuzz.headers) {
    least += name.length + trimOws(value).length;
    most += name.length + value.length;
  }
  const raw = fuzz.malformation?.line.length ?? 0;
  return { least: least + raw, most: most + raw };
}

export function judge(fuzz: FuzzCase, options: OracleOptions): Judgement {
  const raw = fuzz.malformation;
  if (raw === undefined) {
    if (!legalOnTheWire(fuzz)) return { expectation: { kind: 'not-sent' }, httpLevel: false };
  } else if (!raw.wellFormed || !legalOnTheWire(fuzz)) {
    // Written byte for byte, a CR or LF inside another header re-frames the request: a value that
    // ends in CRLF ends the head early, and Node may then read a well-formed request that never
    // reaches the malformed line. What it answers must still be consistent.
    const reframed = fuzz.headers.some(
      ([name, value]) => CR_OR_LF.test(name) || CR_OR_LF.test(value),
    );
    return { expectation: { kind: reframed ? 'either' : 'refuse' }, httpLevel: true };
  }
  const bytes = headBytes(fuzz);
  if (bytes.least > options.maxHeaderSize + HEAD_SLACK) {
    return { expectation: { kind: 'refuse' }, httpLevel: true };
  }
  const lines = fuzz.headers.length + 2 + (raw?.smuggled ?? 0);
  // Near Node's header-line limit: Node 20 to 24 drop the lines past it, Node 26 answers 431 itself
  // before any application code runs. Both are Node's decision, not the relay's.
  const tooManyLines = lines > options.maxHeaderLines - 10;
  const httpLevel = bytes.most > options.maxHeaderSize - HEAD_SLACK || tooManyLines;
  if (httpLevel) {
    return { expectation: { kind: 'either' }, httpLevel };
  }
  const count = fuzz.passports.length + (raw?.smuggled ?? 0);
  if (count === 0) return { expectation: { kind: 'missing' }, httpLevel };
  if (count > 1) return { expectation: { kind: 'duplicate' }, httpLevel };
  const sub = fuzz.passports[0]?.validSub;
  return {
    expectation: sub === undefined ? { kind: 'either' } : { kind: 'accept', sub },
    httpLevel,
  };
}

/** Outcome counts across a run. */
export class Tally {
  readonly #counts = new Map<string, number>();

  add(key: string, by = 1): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + by);
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** The sum of every count whose key starts with `prefix`. */
  sum(prefix: string): number {
    let total = 0;
    for (const [key, count] of this.#counts) if (key.startsWith(prefix)) total += count;
    return total;
  }

  /** The keys under `prefix`, without it. */
  keys(prefix: string): string[] {
    return [...this.#counts.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length))
      .sort();
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isCode(value: unknown): value is PassportErrorCode {
  return typeof value === 'string' && value.startsWith('ERR_PASSPORT_') && value in PASSPORT_ERRORS;
}

/**
 * Check one delivery against what the case requires. Returns a failure message, or `undefined`
 * when the answer is correct; counts the outcome in `tally`.
 */
export async function verdict(
  fuzz: FuzzCase,
  delivery: Delivery,
  options: OracleOptions,
  tally: Tally,
): Promise<string | undefined> {
  const { expectation, httpLevel } = judge(fuzz, options);
  tally.add('cases');
  if (fuzz.malformation !== undefined) tally.add('sent-raw');

  if (delivery.kind === 'not-sent') {
    if (expectation.kind !== 'not-sent')
      return `the client refused a legal request: ${delivery.error.message}`;
    tally.add('not-sent (invalid header, refused by the client)');
    return undefined;
  }
  if (expectation.kind === 'not-sent') return 'the client sent an illegal header';
  if (delivery.kind === 'closed') {
    if (!httpLevel) return `the connection closed without a response: ${delivery.error.message}`;
    tally.add('http: connection closed');
    return undefined;
  }

  const { status, headers, body } = delivery;
  if (status >= 500) return `status ${status}: ${body.slice(0, 300)}`;

  if (status === 200) {
    if (expectation.kind !== 'accept' && expectation.kind !== 'either') {
      return `accepted a request that must be refused (${expectation.kind}): ${body.slice(0, 300)}`;
    }
    const echo = parseJson(body) as Echo | undefined;
    if (typeof echo?.sub !== 'string' || typeof echo.token !== 'string') {
      return `200 without a caller: ${body.slice(0, 300)}`;
    }
    for (const [view, sub] of Object.entries(echo.views ?? {})) {
      if (sub !== echo.sub)
        return `${view} saw ${JSON.stringify(sub)}, the relay ${JSON.stringify(echo.sub)}`;
    }
    const carried =
      fuzz.malformation === undefined
        ? fuzz.passports.some(({ value }) => trimOws(value) === echo.token)
        : fuzz.headers.some(([, value]) => value.includes(echo.token as string));
    if (!carried) return 'the verified passport is not the one the request carried';
    const independent = await options.forgery.joseVerdict(echo.token);
    if (independent !== echo.sub) {
      return `accepted a passport jose ${independent === undefined ? 'refuses' : `reads as ${JSON.stringify(independent)}`} as ${JSON.stringify(echo.sub)}`;
    }
    if (expectation.kind === 'accept' && echo.sub !== expectation.sub) {
      return `answered for ${JSON.stringify(echo.sub)} instead of ${JSON.stringify(expectation.sub)}`;
    }
    tally.add('accepted');
    if (expectation.kind === 'either') {
      tally.add(
        `accepted although generated as: ${fuzz.passports[0]?.kind ?? fuzz.shape} in ${fuzz.shape}`,
      );
    }
    return undefined;
  }

  if (headers['content-type'] === PROBLEM_CONTENT_TYPE) {
    const problem = parseJson(body);
    const code = problem?.code;
    if (!isCode(code)) return `a problem body without a passport code: ${body.slice(0, 300)}`;
    if (PASSPORT_ERRORS[code].status !== status || problem?.status !== status) {
      return `${code} answered with status ${status}, body status ${String(problem?.status)}`;
    }
    if (status !== 400 && status !== 401 && status !== 431) return `${code} refused with ${status}`;
    if (status === 401 && headers['www-authenticate'] !== `Passport error="${code}"`) {
      return `401 ${code} with www-authenticate ${JSON.stringify(headers['www-authenticate'])}`;
    }
    for (const { value } of fuzz.passports) {
      const trimmed = trimOws(value);
      if (trimmed.length >= ECHO_CHECK_MIN && body.includes(trimmed)) {
        return `${code}: the refusal echoes the passport`;
      }
    }
    if (expectation.kind === 'accept') {
      return `refused a valid passport for ${JSON.stringify(expectation.sub)} with ${code}`;
    }
    if (expectation.kind === 'missing' && code !== 'ERR_PASSPORT_MISSING') {
      return `no passport, refused with ${code}`;
    }
    if (
      expectation.kind === 'duplicate' &&
      code !== 'ERR_PASSPORT_DUPLICATE' &&
      code !== 'ERR_PASSPORT_TOO_LARGE'
    ) {
      return `several passports, refused with ${code}`;
    }
    tally.add(`refused: ${code}`);
    return undefined;
  }

  if ((status === 400 || status === 431) && httpLevel) {
    tally.add(`http: ${status} from Node or the framework`);
    return undefined;
  }
  return `unexpected ${status} (${headers['content-type'] ?? 'no content type'}): ${body.slice(0, 300)}`;
}

/** A case shortened for a failure message: long values cut, the shape and kinds kept. */
export function describeCase(fuzz: FuzzCase): string {
  const cut = (text: string) =>
    text.length > 120
      ? `${JSON.stringify(text.slice(0, 120))}…(${text.length} chars)`
      : JSON.stringify(text);
  const lines = fuzz.headers.slice(0, 12).map(([name, value]) => `  ${cut(name)}: ${cut(value)}`);
  if (fuzz.headers.length > 12) lines.push(`  … ${fuzz.headers.length - 12} more header lines`);
  return [
    `shape ${fuzz.shape}; passports: ${fuzz.passports.map((p) => p.kind).join(', ') || 'none'}`,
    ...(fuzz.malformation === undefined
      ? []
      : [`  raw line at ${fuzz.malformation.at}: ${cut(fuzz.malformation.line)}`]),
    ...lines,
  ].join('\n');
}
