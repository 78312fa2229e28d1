/**
 * A stand-in for your identity provider (Keycloak, Auth0, Entra ID, ...): an ES256 key pair made at
 * start-up, its public JWKS, and a function that signs user access tokens the way a provider does.
 * Only the JWKS and the token format matter to the gateway; in production it fetches the JWKS from
 * the provider's `jwks_uri` (`jwksUrl`) instead of taking it locally.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { SignJWT } from 'jose';

export const IDP_ISSUER = 'https://login.example.com/';
export const API_AUDIENCE = 'shop-api';

export function startIdentityProvider() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'idp-key-1';
  const jwks: { keys: JsonWebKey[] } = {
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }],
  };

  /** A user's access token, with provider-specific claims (Keycloak-like roles, an `org`). */
  function accessToken(sub: string, claims: { email: string; org: string; roles: string[] }) {
    return new SignJWT({
      email: claims.email,
      org: claims.org,
      realm_access: { roles: claims.roles },
    })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject(sub)
      .setIssuer(IDP_ISSUER)
      .setAudience(API_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  }

  return { jwks, accessToken };
}
