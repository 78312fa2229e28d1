import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  createRelay,
  type HS256Key,
  type PassportFields,
  plainCodecTrustingMesh,
  type Relay,
  type RelayOptions,
  type SigningKey,
  signedCodec,
  type VerificationKey,
} from '@passport-relay/core';

/**
 * Options of {@link createTestRelay}: the relay's own options, with the codec made for you.
 * @example
 * ```ts
 * createTestRelay({ mode: 'HS256', propagateTo: ['127.0.0.1'], forwardHeaders: ['x-request-id'] });
 * ```
 */
export interface TestRelayOptions<T extends object = PassportFields>
  extends Omit<RelayOptions<T>, 'codec'> {
  /**
   * `EdDSA` or `HS256` signed passports with fresh keys, or `plain` (mesh-trusting) ones.
   * @default "EdDSA"
   */
  readonly mode?: 'EdDSA' | 'HS256' | 'plain';
  /** @default "https://edge.test" */
  readonly issuer?: string;
  /** @default 300 */
  readonly ttlSeconds?: number;
}

/**
 * A relay that can issue its own passports, plus the keys it was made with.
 * @example
 * ```ts
 * const { relay, verificationKey, issuer } = createTestRelay();
 * const downstream = createRelay({ codec: signedCodec({ keys: [verificationKey!], issuer }) });
 * ```
 */
export interface TestRelay<T extends object = PassportFields> {
  readonly relay: Relay<T>;
  /** The verification key, to build a second relay (another service) that trusts the same edge. */
  readonly verificationKey: VerificationKey | undefined;
  /** The signing key, to mint passports with another library (jose) in tests. */
  readonly signingKey: SigningKey | undefined;
  readonly issuer: string;
}

/**
 * A relay with freshly generated keys that both issues and verifies passports: what a test of an
 * adapter needs. Keys are generated per call, never shared between tests.
 *
 * @example
 * ```ts
 * const { relay } = createTestRelay();
 * const value = relay.issue({ sub: 'user-1' });
 * ```
 */
export function createTestRelay<T extends object = PassportFields>(
  options: TestRelayOptions<T> = {},
): TestRelay<T> {
  const {
    mode = 'EdDSA',
    issuer = 'https://edge.test',
    ttlSeconds = 300,
    ...relayOptions
  } = options;
  if (mode === 'plain') {
    return {
      relay: createRelay<T>({ ...relayOptions, codec: plainCodecTrustingMesh() }),
      verificationKey: undefined,
      signingKey: undefined,
      issuer,
    };
  }
  let verificationKey: VerificationKey;
  let signingKey: SigningKey;
  if (mode === 'HS256') {
    const key: HS256Key = { alg: 'HS256', kid: 'test-hs', secret: randomBytes(32) };
    verificationKey = key;
    signingKey = key;
  } else {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    verificationKey = { alg: 'EdDSA', kid: 'test-ed', key: publicKey };
    signingKey = { alg: 'EdDSA', kid: 'test-ed', key: privateKey };
  }
  const codec = signedCodec({ issuer, keys: [verificationKey], signingKey, ttlSeconds });
  return { relay: createRelay<T>({ ...relayOptions, codec }), verificationKey, signingKey, issuer };
}
