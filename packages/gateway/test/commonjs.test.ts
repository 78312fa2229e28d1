import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// Runs in a CommonJS context (`node -e`): jose is ESM-only, so this proves the CJS build loads it
// with require() (Node >= 20.19) and verifies a token end to end.
const script = `
const jose = require('jose');
const { createGateway } = require('@passport-relay/gateway');
const { gatewayMiddleware } = require('@passport-relay/gateway/express');
const { gatewayPlugin } = require('@passport-relay/gateway/fastify');
const { createTestRelay } = require('@passport-relay/testing');
(async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1' };
  const gateway = createGateway({
    relay: createTestRelay().relay,
    jwks: { keys: [jwk] },
    issuer: 'https://idp.test/',
    audience: 'api',
    algorithms: ['ES256'],
  });
  const token = await new jose.SignJWT({ sub: 'cjs-user' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer('https://idp.test/')
    .setAudience('api')
    .setExpirationTime('5m')
    .sign(privateKey);
  const { passport } = await gateway.authenticate({ authorization: 'Bearer ' + token });
  console.log(JSON.stringify({ sub: passport.sub, middleware: typeof gatewayMiddleware, plugin: typeof gatewayPlugin }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe('the CommonJS build', () => {
  it('loads with require() and verifies a token', async () => {
    expect(
      existsSync(`${packageDir}/dist/index.cjs`),
      'build first: pnpm --filter @passport-relay/gateway build',
    ).toBe(true);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: packageDir,
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      sub: 'cjs-user',
      middleware: 'function',
      plugin: 'function',
    });
  });
});
