/**
 * The relays the bench servers run and the passports the load generator sends: every process gets
 * the same HS256 secret (hex) from the parent, so what the parent issues, A and B verify.
 */
import { randomBytes } from 'node:crypto';
import {
  type ContextStore,
  createRelay,
  plainCodecTrustingMesh,
  type Relay,
  signedCodec,
} from '@passport-relay/core';

const ISSUER = 'https://edge.bench';
const KID = 'bench-hs256';

/** Which codec and cache a server's relay uses. */
export type RelayKind = 'plain' | 'signed' | 'signedUncached';

/** A fresh HS256 secret, hex-encoded, to hand to the servers. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

function codec(secret: string, canSign: boolean) {
  const key = { alg: 'HS256' as const, kid: KID, secret: Buffer.from(secret, 'hex') };
  return signedCodec({
    issuer: ISSUER,
    keys: [key],
    // Long enough that no passport expires during a run.
    ttlSeconds: 3600,
    ...(canSign ? { signingKey: key } : {}),
  });
}

/** The relay a bench server verifies with (it cannot sign, like a real service). */
export function serverRelay(secret: string, kind: RelayKind, store?: ContextStore): Relay {
  return createRelay({
    codec: kind === 'plain' ? plainCodecTrustingMesh() : codec(secret, false),
    ...(kind === 'signedUncached' ? { cache: false as const } : {}),
    ...(store ? { store } : {}),
  });
}

/** Passports as the edge would mint them: signed (HS256) and plain (base64url JSON). */
export interface Issuer {
  signed(sub: string): string;
  plain(sub: string): string;
}

export function issuer(secret: string): Issuer {
  const signing = createRelay({ codec: codec(secret, true) });
  const plain = createRelay({ codec: plainCodecTrustingMesh() });
  const claims = (sub: string) => ({
    sub,
    email: `${sub}@example.com`,
    name: 'Ada',
    roles: ['buyer'],
    tenant: 'acme',
  });
  return {
    signed: (sub) => signing.issue(claims(sub)),
    plain: (sub) => plain.issue({ ...claims(sub), exp: Math.floor(Date.now() / 1000) + 3600 }),
  };
}
