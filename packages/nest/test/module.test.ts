import { HttpException, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PassportError, refusalResponse, toProblem } from '@passport-relay/core';
import { createTestRelay } from '@passport-relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PassportRefusedException, PassportRelayModule } from '../src/index.js';
import { send } from './support/client.js';
import { appTracker, PLATFORMS } from './support/platforms.js';
import { probeApp } from './support/probe-app.js';

const optionsError = (message: RegExp) =>
  expect.objectContaining({
    code: 'ERR_PASSPORT_OPTIONS',
    message: expect.stringMatching(message),
  });

describe('PassportRelayModule.forRoot options', () => {
  const { relay } = createTestRelay({ mode: 'HS256' });

  it('requires the relay, and says where it comes from', () => {
    expect(() => PassportRelayModule.forRoot({} as never)).toThrow(
      optionsError(/"relay" is required.*createRelay/),
    );
  });

  it('refuses an unknown option and lists the known ones', () => {
    expect(() => PassportRelayModule.forRoot({ relay, requried: true } as never)).toThrow(
      optionsError(
        /unknown option "requried". Did you mean "required"\? Known options: relay, required, mount, exclude/,
      ),
    );
  });

  it('refuses a "required" that is not a boolean', () => {
    expect(() => PassportRelayModule.forRoot({ relay, required: 'yes' } as never)).toThrow(
      optionsError(/"required" must be true or false/),
    );
  });

  it('refuses an "exclude" that is not a list of routes', () => {
    expect(() => PassportRelayModule.forRoot({ relay, exclude: [42] } as never)).toThrow(
      optionsError(/"exclude" must be a list of paths/),
    );
  });
});

describe('PassportRelayModule.forRootAsync', () => {
  const apps = appTracker();
  afterEach(() => apps.closeAll());

  it('requires useFactory, and shows how to write one', () => {
    expect(() => PassportRelayModule.forRootAsync({} as never)).toThrow(
      optionsError(/needs "useFactory".*useFactory: \(config\) => \(\{ relay \}\)/),
    );
  });

  it('checks the options its factory returns while the application starts', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        PassportRelayModule.forRootAsync({ useFactory: () => ({ relay: undefined as never }) }),
      ],
    }).compile();

    await expect(compiling).rejects.toThrow(optionsError(/forRootAsync.*"relay" is required/));
  });

  it.each(PLATFORMS)('builds the relay from injected providers (%s)', async (platform) => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const RELAY_CONFIG = Symbol('relay config');
    @Module({
      providers: [{ provide: RELAY_CONFIG, useValue: { relay } }],
      exports: [RELAY_CONFIG],
    })
    class ConfigModule {}
    const passportModule = PassportRelayModule.forRootAsync({
      imports: [ConfigModule],
      inject: [RELAY_CONFIG],
      useFactory: async (config: { relay: typeof relay }) => ({
        relay: config.relay,
        required: true,
      }),
    });
    const { origin } = await apps.start(platform, probeApp({ module: passportModule }).module);

    const allowed = await send(`${origin}/probe`, {
      headers: { passport: relay.issue({ sub: 'user-1' }) },
    });
    const refused = await send(`${origin}/probe`);

    expect(allowed.json()).toMatchObject({ controller: 'user-1', decorator: 'user-1' });
    expect(refused.status).toBe(401);
  });
});

describe('PassportRefusedException', () => {
  const error = new PassportError('ERR_PASSPORT_EXPIRED', 'The passport has expired.');

  it("is an HttpException whose status and response are core's refusal", () => {
    const exception = new PassportRefusedException(error);

    expect(exception).toBeInstanceOf(HttpException);
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual(toProblem(error));
    expect(exception.refusal).toEqual(refusalResponse(error));
    expect(exception.cause).toBe(error);
  });

  it('is recognised by instanceof from its brand, as another copy of the package would make it', () => {
    const exception = new PassportRefusedException(error);
    const copy = Object.create(HttpException.prototype, {
      [Symbol.for('passport-relay.nest.PassportRefusedException')]: { value: true },
    });

    expect(exception).toBeInstanceOf(PassportRefusedException);
    expect(copy).toBeInstanceOf(PassportRefusedException);
    expect(new HttpException('other', 401)).not.toBeInstanceOf(PassportRefusedException);
  });
});
