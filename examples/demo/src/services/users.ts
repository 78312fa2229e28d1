/**
 * `users`: a Nest service that enriches the profile with a partner API, called with got. The
 * partner is a third party, off the allowlist: got sends the request, passport-relay sends no
 * passport with it. The controller gets the caller through `@CurrentPassport()`.
 */
import 'reflect-metadata';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Passport } from '@passport-relay/core';
import { installHttpPropagation } from '@passport-relay/http';
import { CurrentPassport, PassportRelayModule } from '@passport-relay/nest';
import got from 'got';
import {
  config,
  DOWNSTREAM_TIMEOUT_MS,
  env,
  hop,
  ready,
  serviceRelay,
  stopOn,
} from '../service-kit.js';

const relay = serviceRelay();
installHttpPropagation(relay);
const EXTERNAL_URL = env('EXTERNAL_URL');
const RELAY = Symbol('relay');

@Controller()
class ProfileController {
  constructor(@Inject(RELAY) private readonly passports: typeof relay) {}

  @Get('profile')
  async profile(@CurrentPassport() caller: Passport | undefined) {
    const partner = await got(EXTERNAL_URL, {
      retry: { limit: 0 },
      timeout: { request: DOWNSTREAM_TIMEOUT_MS },
    }).json<{ receivedPassport: boolean }>();
    return {
      hop: hop(this.passports, 'users', 'nest', 'got'),
      profile: { user: caller?.sub ?? null },
      partner,
    };
  }

  @Get('healthz')
  health() {
    return 'ok';
  }
}

@Module({
  imports: [PassportRelayModule.forRoot({ relay, required: true, exclude: ['/healthz'] })],
  controllers: [ProfileController],
  providers: [{ provide: RELAY, useValue: relay }],
})
class UsersModule {}

const app = await NestFactory.create(UsersModule, { logger: ['error', 'warn'] });
await app.listen(config.port(), config.host());
ready(Number(new URL(await app.getUrl()).port));
stopOn(() => app.close());
