/**
 * fast-check arbitraries for hostile inbound header sets: random bytes within and outside what HTTP
 * allows, huge values, many headers, duplicated passports, odd encodings, and near-valid passports
 * (a valid one mutated, re-signed with a wrong key, `alg: none`, expired, ...).
 */
import { TRACING_HEADERS } from '@passport-relay/core';
import fc from 'fast-check';
import { b64url, type Forgery, forgeJws, type Signer } from './jws.js';

/** One value sent in a passport header line. */
export interface PassportValue {
  readonly value: string;
  /**
   * The caller a correct server must accept this value for (once HTTP trims the surrounding
   * whitespace), when the request is otherwise sound; `undefined` for values generated invalid.
   */
  readonly validSub: string | undefined;
  /** What the generator did, for reports. */
  readonly kind: string;
}

/** A line written byte for byte among the header lines (at index `at`), through a raw socket. */
export interface Malformation {
  readonly line: string;
  readonly at: number;
  readonly kind: string;
  /** Whether the line is still valid HTTP/1.1 (then the request must be judged on its merits). */
  readonly wellFormed: boolean;
  /** Passport lines the line adds, for a well-formed line. */
  readonly smuggled: number;
}

/** One generated request. */
export interface FuzzCase {
  readonly shape: string;
  /** Header lines in order as `[name, value]`, duplicates and letter case kept. */
  readonly headers: readonly (readonly [string, string])[];
  /** The values of the passport lines among `headers` (any letter case), in order. */
  readonly passports: readonly PassportValue[];
  /** Set for requests sent through a raw socket because no HTTP client would send them. */
  readonly malformation: Malformation | undefined;
}

/** Valid passports minted by the relay under test, with their callers. */
export interface IssuedPassport {
  readonly sub: string;
  readonly token: string;
}

export interface FuzzEnvironment {
  readonly issued: readonly IssuedPassport[];
  readonly forgery: Forgery;
  /** Seconds since the epoch when a case is generated. */
  readonly now: () => number;
  /** The relay's limit on a passport header value. */
  readonly maxPassportBytes: number;
}

/** RFC 9110 `token`: what a header name may be. */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a header value may hold on the wire: HTAB, visible ASCII, space, obs-text. */
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Whether every header line of `fuzz` is a legal name with a legal value. */
export function legalOnTheWire(fuzz: FuzzCase): boolean {
  return fuzz.headers.every(([name, value]) => TOKEN.test(name) && FIELD_VALUE.test(value));
}

/** Names an HTTP client treats specially (framing, connection management): never fuzzed. */
const RESERVED = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'passport',
]);

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const wireChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
/** One character a header value may carry (obs-text travels as one latin1 byte). */
const legalChar = wireChar.map((code) => String.fromCharCode(code));
/** One character no header value may carry: controls, DEL, and anything past latin1. */
const illegalChar = fc.oneof(
  fc.integer({ min: 0x00, max: 0x08 }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x0a, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.constant('\x7f'),
  fc.integer({ min: 0x100, max: 0xd7ff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\r\n', '\n', '\r', '€', '😀'),
);
const legalValue = (maxLength: number) => fc.string({ unit: legalChar, maxLength });
const base64urlSegment = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...BASE64URL_ALPHABET), maxLength });
/** Odd characters a mutation may put into a passport. */
const oddChar = fc.oneof(
  fc.constantFrom(...BASE64URL_ALPHABET),
  fc.constantFrom('.', '=', '+', '/', '%', ' ', '\t', ',', ';', '"', 'é', '\xff', '\x80'),
);

const otherName = fc
  .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,24}$/)
  .filter((name) => !RESERVED.has(name.toLowerCase()));
/** Names one typo away from the passport header: they must never be read as one. */
const nearMissName = fc.constantFrom(
  'x-passport',
  'passports',
  'passport-',
  'passport_',
  '_passport',
  'passp0rt',
  'pasport',
  'passport.v2',
  'authorization',
);
const passportName = fc.constantFrom(
  'passport',
  'passport',
  'passport',
  'Passport',
  'PASSPORT',
  'pAsSpOrT',
);

type Header = readonly [string, string];

const otherHeader: fc.Arbitrary<Header> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(otherName, legalValue(64)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...TRACING_HEADERS), legalValue(64)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('cookie', 'user-agent', 'accept'), legalValue(64)),
  },
);
const others = (maxLength: number) => fc.array(otherHeader, { maxLength });

function pick<T>(items: readonly T[]): fc.Arbitrary<T> {
  return fc.constantFrom(...items);
}

function setAt(text: string, index: number, replacement: string, deleteCount: number): string {
  const at = text.length === 0 ? 0 : index % (text.length + 1);
  return text.slice(0, at) + replacement + text.slice(at + deleteCount);
}

function percentEncodeAll(text: string): string {
  let out = '';
  for (const char of text)
    out += `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function utf8AsLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Valid passports mutated: a character flipped, inserted or cut, segments moved or spliced. */
function mutated(env: FuzzEnvironment): fc.Arbitrary<PassportValue> {
  const token = pick(env.issued).map((issued) => issued.token);
  const segments = (value: string) => value.split('.');
  const variants: fc.Arbitrary<[string, string]>[] = [
    fc
      .tuple(token, fc.nat(), oddChar)
      .map(([t, i, c]) => ['flip-char', setAt(t, i, c, 1)] as [string, string]),
    fc
      .tuple(token, fc.nat(), oddChar)
      .map(([t, i, c]) => ['insert-char', setAt(t, i, c, 0)] as [string, string]),
    fc
      .tuple(token, fc.nat())
      .map(([t, i]) => ['delete-char', setAt(t, i, '', 1)] as [string, string]),
    fc
      .tuple(token, fc.nat())
      .map(([t, i]) => ['truncated', t.slice(0, i % t.length)] as [string, string]),
    fc
      .tuple(token, fc.constantFrom([1, 0, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1]))
      .map(([t, order]) => {
        const parts = segments(t);
        return ['swapped-segments', order.map((i) => parts[i]).join('.')] as [string, string];
      }),
    fc.tuple(token, fc.nat(2)).map(([t, drop]) => {
      const parts = segments(t);
      parts.splice(drop, 1);
      return ['dropped-segment', parts.join('.')] as [string, string];
    }),
    fc
      .tuple(token, fc.constantFrom('.', '..', '.x', '.e30'))
      .map(([t, suffix]) => ['extra-segment', t + suffix] as [string, string]),
    fc.tuple(token, token).map(([a, b]) => {
      const [header, , signature] = segments(a);
      const [, payload] = segments(b);
      return ['spliced-payload', `${header}.${payload}.${signature}`] as [string, string];
    }),
    fc
      .tuple(token, token, fc.constantFrom('', ' ', ',', ', ', ';', '.'))
      .map(([a, b, glue]) => ['two-in-one', `${a}${glue}${b}`] as [string, string]),
    fc
      .tuple(token, fc.boolean())
      .map(
        ([t, upper]) =>
          ['case-changed', upper ? t.toUpperCase() : t.toLowerCase()] as [string, string],
      ),
  ];
  return fc.oneof(...variants).map(([kind, value]) => ({ value, validSub: undefined, kind }));
}

/** Valid passports re-encoded the ways a careless proxy or client would. */
function encodings(env: FuzzEnvironment): fc.Arbitrary<PassportValue> {
  const token = pick(env.issued).map((issued) => issued.token);
  const eachSegment = (t: string, f: (segment: string) => string) => t.split('.').map(f).join('.');
  const variants: fc.Arbitrary<[string, string]>[] = [
    token.map((t) => [
      'base64-standard',
      eachSegment(t, (s) => Buffer.from(s, 'base64url').toString('base64')),
    ]),
    token.map((t) => [
      'base64url-padded',
      eachSegment(t, (s) => s + '='.repeat((4 - (s.length % 4)) % 4)),
    ]),
    fc
      .tuple(token, fc.constantFrom('=', '==', '==='))
      .map(([t, pad]) => ['padding-appended', t + pad]),
    token.map((t) => ['percent-encoded', percentEncodeAll(t)]),
    token.map((t) => ['percent-encoded-dots', t.replaceAll('.', '%2E')]),
    token.map((t) => ['base64-of-token', Buffer.from(t).toString('base64')]),
    fc
      .tuple(token, fc.nat(), fc.constantFrom('ü', '😀', 'é', '\u2028', 'Ω'))
      .map(([t, i, u]) => ['unicode-as-obs-text', setAt(t, i, utf8AsLatin1(u), 0)]),
    fc
      .tuple(token, fc.constantFrom('Bearer ', 'JWT ', 'passport='))
      .map(([t, prefix]) => ['scheme-prefixed', prefix + t]),
    token.map((t) => ['quoted', `"${t}"`]),
  ];
  return fc.oneof(...variants).map(([kind, value]) => ({ value, validSub: undefined, kind }));
}

const REGISTERED = new Set(['sub', 'iss', 'exp', 'nbf', 'iat', 'aud', '__proto__']);

/** Passports signed here: valid ones with random callers and claims, and every way to be wrong. */
function forged(env: FuzzEnvironment): fc.Arbitrary<PassportValue> {
  const { forgery } = env;
  const header = (alg: string = forgery.alg) =>
    forgery.kid === undefined ? { alg, typ: 'JWT' } : { alg, kid: forgery.kid, typ: 'JWT' };
  const claims = (sub: unknown) => {
    const now = env.now();
    return { sub, iss: forgery.issuer, iat: now, exp: now + 300 };
  };
  const sub = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
  const extraClaims = fc.dictionary(
    fc.string({ maxLength: 12 }).filter((key) => !REGISTERED.has(key)),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 6 },
  );
  const sign = (
    h: object | string,
    p: object | string,
    signer: Signer | undefined = forgery.rightKey,
  ) => forgeJws(h, p, signer);
  /** A value a correct relay accepts, unless it is over the size limit. */
  const valid = (kind: string, value: string, caller: string): PassportValue => ({
    value,
    validSub: value.length <= env.maxPassportBytes ? caller : undefined,
    kind,
  });
  const invalid = (kind: string, value: string): PassportValue => ({
    value,
    validSub: undefined,
    kind,
  });
  const deep = (depth: number): unknown => (depth === 0 ? 1 : { n: deep(depth - 1) });

  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(sub, extraClaims)
        .map(([s, extra]) => valid('forged-valid', sign(header(), { ...extra, ...claims(s) }), s)),
    },
    {
      weight: 1,
      arbitrary: sub.map((s) =>
        // `__proto__` and `constructor` claims are data, never a prototype: still a valid passport.
        valid(
          'forged-proto-keys',
          sign(
            header(),
            `{"sub":${JSON.stringify(s)},"iss":${JSON.stringify(forgery.issuer)},"exp":${env.now() + 300},"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}`,
          ),
          s,
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 60, max: 10_000_000 })
        .map((ago) =>
          invalid('expired', sign(header(), { ...claims('forger'), exp: env.now() - ago })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 60, max: 10_000_000 })
        .map((ahead) =>
          invalid('not-yet-valid', sign(header(), { ...claims('forger'), nbf: env.now() + ahead })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<unknown>(undefined, '123', null, 'never', true, [1])
        .map((exp) => invalid('exp-not-a-number', sign(header(), { ...claims('forger'), exp }))),
    },
    {
      weight: 1,
      arbitrary: fc
        .option(fc.string({ maxLength: 30 }))
        .map((iss) =>
          invalid(
            'wrong-issuer',
            sign(header(), { ...claims('forger'), iss: iss === forgery.issuer ? `${iss}/` : iss }),
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<unknown>(undefined, '', 42, { id: 'x' }, ['a'], null)
        .map((s) => invalid('bad-subject', sign(header(), { ...claims('forger'), sub: s }))),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((k) => k !== forgery.kid)
        .map((kid) => invalid('unknown-kid', sign({ alg: forgery.alg, kid }, claims('forger')))),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<unknown>(7, null, ['a'], {})
        .map((kid) =>
          invalid('kid-not-a-string', sign({ alg: forgery.alg, kid }, claims('forger'))),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constant(null)
        .map(() => invalid('crit-header', sign({ ...header(), crit: ['exp'] }, claims('forger')))),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('none', 'None', 'NONE', 'nOnE'), fc.boolean())
        .map(([alg, garbage]) => {
          const unsigned = forgeJws({ alg, typ: 'JWT' }, claims('forger'), undefined);
          return invalid('alg-none', garbage ? `${unsigned}${b64url('sig')}` : unsigned);
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('HS512', 'RS256', 'ES256', 'PS256', 'hs256', 'eddsa', 'Ed25519', '')
        .map((alg) => invalid('alg-not-allowed', sign(header(alg), claims('forger')))),
    },
    {
      weight: 1,
      arbitrary: fc
        .constant(null)
        .map(() => invalid('alg-missing', sign({ typ: 'JWT' }, claims('forger')))),
    },
    {
      weight: 2,
      arbitrary: fc
        .constant(null)
        .map(() =>
          invalid(
            'alg-confusion',
            sign(header(forgery.confused.alg), claims('forger'), forgery.confused.signer),
          ),
        ),
    },
    {
      weight: 3,
      arbitrary: sub.map((s) => invalid('wrong-key', sign(header(), claims(s), forgery.wrongKey))),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 65, max: 120 }).map((count) => {
        const many: Record<string, number> = {};
        for (let i = 0; i < count; i++) many[`c${i}`] = i;
        return invalid('too-many-claims', sign(header(), { ...many, ...claims('forger') }));
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 5, max: 40 })
        .map((depth) =>
          invalid('too-deep', sign(header(), { ...claims('forger'), nested: deep(depth) })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('{', '[]', '"x"', 'null', '', '{"sub":}', '\u00ff'), fc.boolean())
        .map(([text, inHeader]) =>
          invalid('not-json', inHeader ? sign(text, claims('forger')) : sign(header(), text)),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 3_000, max: 14_000 })
        .map((size) =>
          invalid('huge-claim', sign(header(), { ...claims('forger'), blob: 'x'.repeat(size) })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(), fc.boolean()).map(([cut, empty]) => {
        const [h, p, s = ''] = sign(header(), claims('forger')).split('.');
        return invalid(
          'bad-signature-length',
          `${h}.${p}.${empty ? '' : s.slice(0, cut % s.length)}`,
        );
      }),
    },
  );
}

/** Values that are not passports at all: random legal bytes, random JWS-shaped text. */
const randomValue: fc.Arbitrary<PassportValue> = fc.oneof(
  legalValue(300).map((value) => ({ value, validSub: undefined, kind: 'random-bytes' })),
  fc
    .tuple(base64urlSegment(80), base64urlSegment(200), base64urlSegment(90))
    .map((parts) => ({ value: parts.join('.'), validSub: undefined, kind: 'random-jws-shape' })),
  fc.jsonValue({ maxDepth: 3 }).map((json) => ({
    value: `${b64url(JSON.stringify(json) ?? 'null')}.${b64url('{}')}.`,
    validSub: undefined,
    kind: 'random-json',
  })),
);

/** Huge values around the relay's limit (4 KiB) and Node's (16 KiB for the whole head). */
function hugeValue(env: FuzzEnvironment): fc.Arbitrary<PassportValue> {
  return fc.oneof(
    fc.tuple(fc.integer({ min: 3_900, max: 17_000 }), legalChar).map(([size, char]) => ({
      value: char.repeat(size),
      validSub: undefined,
      kind: 'huge-filler',
    })),
    fc.tuple(pick(env.issued), fc.integer({ min: 3_900, max: 17_000 })).map(([issued, size]) => ({
      value: issued.token + 'A'.repeat(size),
      validSub: undefined,
      kind: 'huge-token-tail',
    })),
    fc
      .tuple(pick(env.issued), fc.integer({ min: 100, max: 17_000 }), fc.constantFrom(' ', '\t'))
      .map(([issued, size, space]) => ({
        // HTTP trims surrounding whitespace: valid whenever the head fits Node's limit.
        value: `${space.repeat(size >> 1)}${issued.token}${space.repeat(size - (size >> 1))}`,
        validSub: issued.sub,
        kind: 'huge-whitespace-around-valid',
      })),
  );
}

/** Values no HTTP client may send: controls, DEL, characters past latin1, CRLF injection. */
function illegalValue(env: FuzzEnvironment): fc.Arbitrary<PassportValue> {
  return fc.tuple(pick(env.issued), fc.nat(), illegalChar).map(([issued, i, char]) => ({
    value: setAt(issued.token, i, char, 0),
    validSub: undefined,
    kind: 'illegal-char',
  }));
}

/** Any passport header value, weighted toward the interesting ones. */
export function passportValue(env: FuzzEnvironment): fc.Arbitrary<PassportValue> {
  const issued = pick(env.issued);
  return fc.oneof(
    {
      weight: 30,
      arbitrary: issued.map(({ sub, token }) => ({ value: token, validSub: sub, kind: 'valid' })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(issued, fc.constantFrom(' ', '\t', '  ', ' \t'), fc.constantFrom('', ' ', '\t '))
        .map(([{ sub, token }, before, after]) => ({
          value: `${before}${token}${after}`,
          validSub: sub,
          kind: 'valid-with-whitespace',
        })),
    },
    { weight: 15, arbitrary: mutated(env) },
    { weight: 8, arbitrary: encodings(env) },
    { weight: 20, arbitrary: forged(env) },
    { weight: 8, arbitrary: randomValue },
    { weight: 4, arbitrary: hugeValue(env) },
    { weight: 3, arbitrary: illegalValue(env) },
  );
}

const illegalName = fc.oneof(
  fc.constantFrom(
    'pass port',
    'passport:',
    '(passport)',
    'pässport',
    'passport\t',
    'pass\x00port',
    '',
    'x y',
  ),
  fc.string({ unit: legalChar, minLength: 1, maxLength: 12 }).filter((name) => !TOKEN.test(name)),
);

/** Lines that break HTTP/1.1 framing, for the raw socket path. */
function malformedLine(env: FuzzEnvironment): fc.Arbitrary<Omit<Malformation, 'at'>> {
  const token = pick(env.issued).map((issued) => issued.token);
  const broken = fc.oneof(
    fc
      .tuple(token, fc.nat(), fc.constantFrom('\x00', '\x01', '\x1b', '\x7f', '\r', '\n'))
      .map(([t, i, char]) => ({
        line: `passport: ${setAt(t, i, char, 0)}`,
        kind: 'control-in-value',
      })),
    token.map((t) => ({
      line: `passport: ${t.slice(0, 20)}\r\n ${t.slice(20)}`,
      kind: 'obs-fold',
    })),
    token.map((t) => ({ line: `passport : ${t}`, kind: 'space-before-colon' })),
    token.map((t) => ({ line: `passport ${t}`, kind: 'no-colon' })),
    token.map((t) => ({ line: `: ${t}`, kind: 'empty-name' })),
    fc
      .tuple(fc.constantFrom('pässport', 'pass@port', 'pass/port', '{passport}'), token)
      .map(([name, t]) => ({ line: `${name}: ${t}`, kind: 'illegal-name' })),
    fc.tuple(token, token).map(([a, b]) => ({
      line: `passport: ${a}\npassport: ${b}`,
      kind: 'bare-lf-smuggled-passport',
    })),
  );
  return fc.oneof(
    { weight: 8, arbitrary: broken.map((bad) => ({ ...bad, wellFormed: false, smuggled: 0 })) },
    {
      // Well formed: two more passport lines spliced in with CRLF. Refused as duplicates.
      weight: 1,
      arbitrary: fc.tuple(token, token).map(([a, b]) => ({
        line: `passport: ${a}\r\npassport: ${b}`,
        kind: 'crlf-smuggled-passports',
        wellFormed: true,
        smuggled: 2,
      })),
    },
    {
      // Nothing added: the raw path itself, judged like any request.
      weight: 1,
      arbitrary: fc.constant({ line: '', kind: 'none', wellFormed: true, smuggled: 0 }),
    },
  );
}

/** A whole request: the shape decides where passports go and what surrounds them. */
export function fuzzCase(env: FuzzEnvironment): fc.Arbitrary<FuzzCase> {
  const value = passportValue(env);
  const single = (shape: string, before: number, after: number) =>
    fc
      .tuple(others(before), passportName, value, others(after))
      .map(([head, name, passport, tail]) => ({
        shape,
        headers: [...head, [name, passport.value] as const, ...tail],
        passports: [passport],
        malformation: undefined,
      }));
  const valid = pick(env.issued).map(({ sub, token }) => ({
    value: token,
    validSub: sub,
    kind: 'valid',
  }));

  return fc.oneof(
    { weight: 80, arbitrary: single('single', 6, 6) },
    {
      weight: 10,
      arbitrary: others(8).map((headers) => ({
        shape: 'no-passport',
        headers,
        passports: [],
        malformation: undefined,
      })),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(others(3), nearMissName, valid, others(3))
        .map(([head, name, passport, tail]) => ({
          shape: 'near-miss-name',
          headers: [...head, [name, passport.value] as const, ...tail],
          passports: [],
          malformation: undefined,
        })),
    },
    {
      weight: 16,
      arbitrary: fc
        .array(fc.tuple(others(2), passportName, fc.oneof(valid, value)), {
          minLength: 2,
          maxLength: 3,
        })
        .map((parts) => ({
          shape: 'duplicate-passports',
          headers: parts.flatMap(([head, name, passport]) => [
            ...head,
            [name, passport.value] as const,
          ]),
          passports: parts.map(([, , passport]) => passport),
          malformation: undefined,
        })),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          fc.array(otherHeader, { minLength: 30, maxLength: 300 }),
          fc.nat(),
          passportName,
          value,
        )
        .map(([many, at, name, passport]) => {
          const headers: Header[] = [...many];
          headers.splice(at % (many.length + 1), 0, [name, passport.value]);
          return { shape: 'many-headers', headers, passports: [passport], malformation: undefined };
        }),
    },
    {
      // Node reads at most 1000 header lines (maxHeadersCount's default) and drops the rest.
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 990, max: 1100 }), fc.nat(), valid)
        .map(([count, at, passport]) => {
          const headers: Header[] = Array.from(
            { length: count },
            (_, i) => [`x${i}`, '1'] as const,
          );
          headers.splice(at % (count + 1), 0, ['passport', passport.value]);
          return {
            shape: 'over-1000-headers',
            headers,
            passports: [passport],
            malformation: undefined,
          };
        }),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(valid, otherName, fc.integer({ min: 8_000, max: 17_000 }), legalChar, fc.boolean())
        .map(([passport, name, size, char, first]) => {
          const huge = [name, char.repeat(size)] as const;
          const line = ['passport', passport.value] as const;
          return {
            shape: 'huge-other-header',
            headers: first ? [huge, line] : [line, huge],
            passports: [passport],
            malformation: undefined,
          };
        }),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(others(3), illegalName, legalValue(20), passportName, valid)
        .map(([head, badName, badValue, name, passport]) => ({
          shape: 'illegal-name',
          headers: [...head, [badName, badValue] as const, [name, passport.value] as const],
          passports: [passport],
          malformation: undefined,
        })),
    },
    {
      weight: 12,
      arbitrary: fc
        .tuple(single('raw', 3, 3), malformedLine(env), fc.nat())
        .map(([base, bad, at]) => ({
          ...base,
          shape: `raw-${bad.kind}`,
          malformation: { ...bad, at: at % (base.headers.length + 1) },
        })),
    },
  );
}
