import { parseArgs } from 'node:util';
import { generatePassportKey } from '../generate-key.js';

const USAGE = `Usage: passport-relay-keys [--alg EdDSA|HS256] [--kid KID] [--format json|pem|jwks]

Generate a passport key in the formats passport-relay reads.

  --alg     EdDSA (default: Ed25519, services hold the public key only) or HS256 (shared secret)
  --kid     key id (default: today's date and 6 random hex digits)
  --format  json (default): { alg, kid, privateJwk, publicJwk } (HS256: { alg, kid, secret, jwk })
            pem:  the private key (PKCS #8) then the public key (SPKI), EdDSA only
            jwks: the public JWKS { keys: [publicJwk] } services can be given, EdDSA only

The edge: createKeyRing({ keys: [{ key }] }) or signedCodec({ signingKey: { alg, kid, key: privateJwk } }).
Services: remoteJwks('http://gateway/.well-known/jwks.json'), or signedCodec({ keys: [publicJwk] }).
`;

/** Where the CLI writes. */
export interface KeysCliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Run `passport-relay-keys` with `args`; returns the exit code. */
export function runKeysCli(args: readonly string[], out: KeysCliOutput): number {
  let values: { alg?: string; kid?: string; format?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        alg: { type: 'string' },
        kid: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    out.stderr(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.stdout(USAGE);
    return 0;
  }
  const alg = values.alg ?? 'EdDSA';
  const format = values.format ?? 'json';
  if (alg !== 'EdDSA' && alg !== 'HS256') {
    out.stderr(`--alg must be EdDSA or HS256\n\n${USAGE}`);
    return 2;
  }
  if (format !== 'json' && format !== 'pem' && format !== 'jwks') {
    out.stderr(`--format must be json, pem or jwks\n\n${USAGE}`);
    return 2;
  }
  try {
    const kid = values.kid === undefined ? {} : { kid: values.kid };
    if (alg === 'HS256') {
      if (format !== 'json') {
        out.stderr('HS256 secrets are shared, never published: only --format json applies.\n');
        return 2;
      }
      out.stdout(`${JSON.stringify(generatePassportKey({ alg, ...kid }), null, 2)}\n`);
      return 0;
    }
    const key = generatePassportKey({ alg, ...kid });
    if (format === 'pem') out.stdout(`${key.privatePem}${key.publicPem}`);
    else if (format === 'jwks')
      out.stdout(`${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`);
    else {
      const { privateJwk, publicJwk } = key;
      out.stdout(`${JSON.stringify({ alg, kid: key.kid, privateJwk, publicJwk }, null, 2)}\n`);
    }
    return 0;
  } catch (error) {
    out.stderr(`${(error as Error).message}\n`);
    return 1;
  }
}
