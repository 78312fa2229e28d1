import type { IstioManifestOptions } from '../../src/index.js';

/** Plain mode with the edge's JWT settings: the options most manifest tests start from. */
export const PLAIN = {
  namespace: 'shop',
  mode: 'plain',
  issuer: 'https://issuer.example.com',
  jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
} as const satisfies IstioManifestOptions;
