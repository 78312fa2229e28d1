import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRelay,
  isPassportError,
  plainCodecTrustingMesh,
  signedCodec,
  TRACING_HEADERS,
} from '../src/index.js';
import { ed25519Pair, hmacSecret, ISSUER } from './helpers.js';

const ed = ed25519Pair();
const secret = hmacSecret();
const relays = {
  eddsa: createRelay({
    codec: signedCodec({
      issuer: ISSUER,
      keys: [{ alg: 'EdDSA', kid: 'e', key: ed.publicKey }],
      signingKey: { alg: 'EdDSA', kid: 'e', key: ed.privateKey },
    }),
    forwardHeaders: TRACING_HEADERS,
  }),
  hs256: createRelay({
    codec: signedCodec({
      issuer: ISSUER,
      keys: [{ alg: 'HS256', secret }],
      signingKey: { alg: 'HS256', secret },
    }),
  }),
  plain: createRelay({ codec: plainCodecTrustingMesh() }),
};

/** A property runs thousands of cases; on a shared CI machine the default 5 s is not enough. */
const PROPERTY_TIMEOUT_MS = 60_000;

const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.base64String({ maxLength: 300 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,90}$/),
  fc.json().map((json) => Buffer.from(json).toString('base64url')),
  fc.string({ minLength: 4000, maxLength: 5000 }),
  fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
  fc.constant([]),
);

describe('arbitrary header values (property)', () => {
  it.each(Object.entries(relays))(
    'only ever yield a passport or a PassportError (%s)',
    (_name, relay) => {
      fc.assert(
        fc.property(
          headerValue,
          fc.dictionary(fc.constantFrom(...TRACING_HEADERS), fc.string()),
          (value, extra) => {
            let outcome: string;
            try {
              outcome = `passport:${typeof relay.extract({ ...extra, passport: value }).passport?.sub}`;
            } catch (error) {
              outcome = isPassportError(error) ? 'refused' : `threw ${String(error)}`;
            }
            // An empty list of values is no header at all: anonymous, never a half-read passport.
            // Any other value is a verified passport or a refusal, never anonymous.
            const absent = Array.isArray(value) && value.length === 0;
            if (absent) expect(outcome).toBe('passport:undefined');
            else expect(['passport:string', 'refused']).toContain(outcome);
          },
        ),
        { numRuns: 5000 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it.each(Object.entries(relays))(
    'issue then verify round-trips any claims (%s)',
    (_name, relay) => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 64 }),
          fc.dictionary(
            fc
              .string({ minLength: 1, maxLength: 12 })
              .filter((key) => !['iat', 'exp', 'nbf', 'iss', 'aud', 'jti', 'sub'].includes(key)),
            fc.oneof(
              fc.string(),
              fc.integer(),
              fc.boolean(),
              fc.array(fc.string(), { maxLength: 4 }),
            ),
            { maxKeys: 20 },
          ),
          (sub, fields) => {
            const passport = relay.verify(relay.issue({ sub, ...fields }));
            expect({ ...passport }).toMatchObject({ sub, ...fields });
          },
        ),
        { numRuns: 1000 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
