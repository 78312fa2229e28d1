import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { createTestRelay } from '@passport-relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type * as PackageApi from '../src/index.js';
import { send } from './support/client.js';
import { appTracker, PLATFORMS } from './support/platforms.js';

// What a CommonJS Nest app loads. Its classes were built by tsup/esbuild, which emits no decorator
// metadata, so this also proves every injection in the package names its token explicitly (the
// tests above run the sources through Vite, which does emit metadata).
const built = new URL('../dist/index.cjs', import.meta.url);
if (!existsSync(built)) {
  throw new Error(
    'dist/index.cjs is missing: run `pnpm --filter @passport-relay/nest build` first.',
  );
}
const api = createRequire(import.meta.url)(built.pathname) as typeof PackageApi;

@Controller()
class BuiltController {
  constructor(
    @Inject(api.PassportService) private readonly passports: PackageApi.PassportService,
  ) {}

  @Get('me')
  @api.RequirePassport()
  me(@api.CurrentPassport('sub') sub: string) {
    return { decorator: sub, service: this.passports.current()?.sub ?? null };
  }
}

const apps = appTracker();
afterEach(() => apps.closeAll());

describe.each(PLATFORMS)('the built CommonJS package on %s', (platform) => {
  it('verifies, exposes and refuses passports like the sources do', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    @Module({
      imports: [api.PassportRelayModule.forRoot({ relay })],
      controllers: [BuiltController],
    })
    class BuiltAppModule {}
    const { origin } = await apps.start(platform, BuiltAppModule);

    const allowed = await send(`${origin}/me`, {
      headers: { passport: relay.issue({ sub: 'user-1' }) },
    });
    const missing = await send(`${origin}/me`);
    const malformed = await send(`${origin}/me`, { headers: { passport: 'not-a-jws' } });

    expect(allowed.json()).toEqual({ decorator: 'user-1', service: 'user-1' });
    expect(missing.status).toBe(401);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(malformed.json()).toMatchObject({ code: 'ERR_PASSPORT_MALFORMED' });
  });
});
