import {
  Controller,
  type DynamicModule,
  type ExecutionContext,
  Get,
  Inject,
  Module,
  Req,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Relay } from '@passport-relay/core';
import { createTestRelay } from '@passport-relay/testing';
import {
  ClsModule,
  type ClsModuleOptions,
  ClsService,
  ClsServiceManager,
  ContextClsStoreMap,
} from 'nestjs-cls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CurrentPassport,
  PASSPORT_CLS_KEY,
  PASSPORT_RELAY,
  PassportRelayModule,
} from '../src/index.js';
import { send } from './support/client.js';
import { appTracker, PLATFORMS } from './support/platforms.js';

const SETUPS = Symbol('cls setups');

/** Reports what the app's own CLS values and the passport look like from one request. */
@Controller()
class ClsController {
  constructor(
    @Inject(ClsService) private readonly cls: ClsService,
    @Inject(PASSPORT_RELAY) private readonly relay: Relay,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
    @Inject(SETUPS) private readonly setups: { count: number },
  ) {}

  @Get('cls')
  read(@Req() request: { raw?: object }, @CurrentPassport('sub') decorator: string | undefined) {
    const clsRootModules = [...this.modules.values()].filter(
      (moduleRef) => moduleRef.metatype?.name === 'ClsRootModule',
    ).length;
    return {
      tag: this.cls.get('tag') ?? null,
      setupCaller: this.cls.get('setupCaller') ?? null,
      clsPassport: this.cls.get(PASSPORT_CLS_KEY)?.sub ?? null,
      relay: this.relay.current()?.sub ?? null,
      decorator: decorator ?? null,
      requestStoreIsActiveStore:
        ContextClsStoreMap.getByRaw(request.raw ?? request) === this.cls.get(),
      clsRootModules,
      setups: this.setups.count,
    };
  }
}

type ClsMount = 'middleware' | 'guard' | 'interceptor';

function tagOf(headers: Record<string, unknown>): unknown {
  return headers['x-tag'];
}

/**
 * The app's own `ClsModule.forRoot`, mounted as `mount`, whose setup stores a value of its own and
 * the caller as the relay shows it then.
 */
function appClsModule(mount: ClsMount, setups: { count: number }, relay: Relay): DynamicModule {
  const options: ClsModuleOptions = { global: true };
  const setup = (cls: ClsService, headers: Record<string, unknown>) => {
    setups.count++;
    cls.set('tag', tagOf(headers));
    cls.set('setupCaller', relay.current()?.sub ?? null);
  };
  if (mount === 'middleware') {
    options.middleware = {
      mount: true,
      setup: (cls, req: { headers: Record<string, unknown> }) => setup(cls, req.headers),
    };
  } else {
    options[mount] = {
      mount: true,
      setup: (cls: ClsService, context: ExecutionContext) =>
        setup(cls, context.switchToHttp().getRequest().headers),
    };
  }
  return ClsModule.forRoot(options);
}

function appWith(imports: DynamicModule[], setups: { count: number }): DynamicModule {
  @Module({})
  class ClsAppModule {}
  return {
    module: ClsAppModule,
    imports,
    controllers: [ClsController],
    providers: [{ provide: SETUPS, useValue: setups }],
  };
}

const apps = appTracker();
afterEach(() => apps.closeAll());

describe.each(PLATFORMS)('nestjs-cls on %s', (platform) => {
  it.each([
    { mount: 'middleware', passportFirst: false },
    { mount: 'middleware', passportFirst: true },
    { mount: 'guard', passportFirst: false },
    { mount: 'interceptor', passportFirst: false },
  ] as const)(
    "shares the app's one ClsModule, whose setup sees the caller (mounted as $mount, PassportRelayModule imported first: $passportFirst)",
    async ({ mount, passportFirst }) => {
      const { relay } = createTestRelay({ mode: 'HS256' });
      const setups = { count: 0 };
      const cls = appClsModule(mount, setups, relay);
      const passport = PassportRelayModule.forRoot({ relay });
      const { origin } = await apps.start(
        platform,
        appWith(passportFirst ? [passport, cls] : [cls, passport], setups),
      );

      const first = await send(`${origin}/cls`, {
        headers: { passport: relay.issue({ sub: 'user-1' }), 'x-tag': 'tag-1' },
      });
      const second = await send(`${origin}/cls`, { headers: { 'x-tag': 'tag-2' } });

      expect(first.json()).toEqual({
        tag: 'tag-1',
        setupCaller: 'user-1',
        clsPassport: 'user-1',
        relay: 'user-1',
        decorator: 'user-1',
        requestStoreIsActiveStore: true,
        clsRootModules: 1,
        setups: 1,
      });
      expect(second.json()).toMatchObject({
        tag: 'tag-2',
        setupCaller: null,
        clsPassport: null,
        relay: null,
        requestStoreIsActiveStore: true,
        setups: 2,
      });
    },
  );

  it('opens the request’s CLS context itself when the app has no ClsModule', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const setups = { count: 0 };
    const app = appWith([PassportRelayModule.forRoot({ relay })], setups);
    // Without ClsModule nothing provides ClsService; it is nestjs-cls's one global instance.
    app.providers?.push({ provide: ClsService, useValue: ClsServiceManager.getClsService() });
    const { origin } = await apps.start(platform, app);

    const reply = await send(`${origin}/cls`, {
      headers: { passport: relay.issue({ sub: 'user-1' }) },
    });

    expect(reply.json()).toEqual({
      tag: null,
      setupCaller: null,
      clsPassport: 'user-1',
      relay: 'user-1',
      decorator: 'user-1',
      requestStoreIsActiveStore: true,
      clsRootModules: 0,
      setups: 0,
    });
  });
});
