import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ArgumentsHost,
  Body,
  type CallHandler,
  type CanActivate,
  Catch,
  Controller,
  type DynamicModule,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  Inject,
  Injectable,
  Module,
  type NestInterceptor,
  type OnModuleDestroy,
  Post,
  Req,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { PassportError, type Relay } from '@passport-relay/core';
import { ClsServiceManager } from 'nestjs-cls';
import { map, type Observable } from 'rxjs';
import {
  CurrentPassport,
  PASSPORT_CLS_KEY,
  PASSPORT_RELAY,
  PassportRelayModule,
  type PassportRelayModuleOptions,
  PassportService,
  RequirePassport,
} from '../../src/index.js';
import { send } from './client.js';

/** How many times handlers ran, per app: refused requests must leave it unchanged. */
export interface HandlerRuns {
  count: number;
}

const RUNS = Symbol('handler runs');
/** Origin of the recording server the isolation route calls out to. */
export const OUTBOUND_ORIGIN = Symbol('outbound origin');

/** `null` rather than `undefined`, so that "saw no caller" survives JSON. */
type Sub = string | null;

function subOf(value: unknown): Sub {
  return (value as { sub?: string } | undefined)?.sub ?? null;
}

/** The caller as each layer of the request saw it. */
export interface Sightings {
  guard: Sub;
  interceptorBefore: Sub;
  interceptorAfter: Sub;
  controller: Sub;
  decorator: Sub;
  tenant: unknown;
  service: Sub;
  passportService: Sub;
  cls: Sub;
  id?: unknown;
  outbound?: Sub;
}

type ProbeRequest = { sightings?: Partial<Sightings> };

export class ProbeError extends Error {}

@Injectable()
class SightingGuard implements CanActivate {
  constructor(@Inject(PASSPORT_RELAY) private readonly relay: Relay) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ProbeRequest>();
    request.sightings = { guard: subOf(this.relay.current()) };
    return true;
  }
}

@Injectable()
class SightingInterceptor implements NestInterceptor {
  constructor(@Inject(PASSPORT_RELAY) private readonly relay: Relay) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const before = subOf(this.relay.current());
    return next
      .handle()
      .pipe(
        map((body: unknown) =>
          typeof body === 'object' && body !== null && 'controller' in body
            ? { ...body, interceptorBefore: before, interceptorAfter: subOf(this.relay.current()) }
            : body,
        ),
      );
  }
}

/** An app's own exception filter: reports who the relay says the caller is. */
@Catch(ProbeError)
class ProbeErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(PASSPORT_RELAY) private readonly relay: Relay,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(_error: ProbeError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    this.adapterHost.httpAdapter.reply(
      response,
      { filter: this.relay.current()?.sub ?? null },
      418,
    );
  }
}

@Injectable()
class ProbeService implements OnModuleDestroy {
  /** Outbound calls keep their connections, as a service's HTTP client would. */
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    @Inject(PASSPORT_RELAY) private readonly relay: Relay,
    @Inject(PassportService) private readonly passports: PassportService,
    @Inject(OUTBOUND_ORIGIN) private readonly outboundOrigin: string | undefined,
  ) {}

  onModuleDestroy(): void {
    this.#agent.destroy();
  }

  async observe(delayMs: number): Promise<Pick<Sightings, 'service' | 'passportService' | 'cls'>> {
    await sleep(delayMs);
    return {
      service: subOf(this.relay.current()),
      passportService: subOf(this.passports.current()),
      cls: subOf(ClsServiceManager.getClsService().get(PASSPORT_CLS_KEY)),
    };
  }

  /**
   * Call the recording server (plain `node:http`, headers set by hand from the relay's outbound
   * decision) and report whose passport it received.
   */
  async callOut(id: unknown): Promise<Sub> {
    const origin = this.outboundOrigin;
    if (origin === undefined) throw new Error('no outbound origin configured');
    const headers: Record<string, string> = { 'x-probe-id': String(id) };
    for (const [name, value] of this.relay.outboundHeaders(origin) ?? []) headers[name] = value;
    const response = await send(`${origin}/probe`, { headers, agent: this.#agent });
    const echoed = response.json<{ headers: Record<string, string | undefined> }>();
    const passport = echoed.headers[this.relay.header];
    return passport === undefined ? null : this.relay.verify(passport).sub;
  }

  requireCaller(): string {
    return this.passports.require().sub;
  }
}

@Controller()
class ProbeController {
  constructor(
    @Inject(PASSPORT_RELAY) private readonly relay: Relay,
    @Inject(ProbeService) private readonly service: ProbeService,
    @Inject(RUNS) private readonly runs: HandlerRuns,
  ) {}

  async #sightings(request: ProbeRequest, passport: unknown, tenant: unknown, delayMs = 1) {
    this.runs.count++;
    const controller = subOf(this.relay.current());
    const observed = await this.service.observe(delayMs);
    return {
      ...request.sightings,
      controller,
      decorator: subOf(passport),
      tenant: tenant ?? null,
      ...observed,
    };
  }

  @Get('probe')
  probe(
    @Req() request: ProbeRequest,
    @CurrentPassport() passport: unknown,
    @CurrentPassport('tenant') tenant: unknown,
  ) {
    return this.#sightings(request, passport, tenant);
  }

  @Post('probe')
  async probeWithBody(
    @Req() request: ProbeRequest,
    @Body() body: { id: number },
    @CurrentPassport() passport: unknown,
    @CurrentPassport('tenant') tenant: unknown,
  ) {
    const sightings = await this.#sightings(request, passport, tenant, body.id % 5);
    return { ...sightings, id: body.id, outbound: await this.service.callOut(body.id) };
  }

  @Get('boom')
  async boom(): Promise<never> {
    this.runs.count++;
    await sleep(1);
    throw new ProbeError('handler failed after an await');
  }

  @Get('required')
  @RequirePassport()
  required(@CurrentPassport('sub') sub: string) {
    this.runs.count++;
    return { sub };
  }

  @Get('require-in-service')
  requireInService() {
    this.runs.count++;
    return { sub: this.service.requireCaller() };
  }

  @Get('misconfigured')
  misconfigured(): never {
    this.runs.count++;
    throw new PassportError('ERR_PASSPORT_OPTIONS', 'internal detail: signing key path /etc/keys');
  }

  @Get('health')
  health(@CurrentPassport() passport: unknown) {
    this.runs.count++;
    return { ok: true, passport: subOf(passport) };
  }
}

@RequirePassport()
@Controller('guarded')
class GuardedController {
  constructor(@Inject(RUNS) private readonly runs: HandlerRuns) {}

  @Get()
  get(@CurrentPassport('sub') sub: string) {
    this.runs.count++;
    return { sub };
  }
}

export interface ProbeApp {
  readonly module: DynamicModule;
  readonly runs: HandlerRuns;
}

/**
 * An app whose guard, interceptor, controller, service and exception filter all report the
 * caller, with `PassportRelayModule` configured by `passportModule` (default: `forRoot(options)`).
 */
export function probeApp(
  options: PassportRelayModuleOptions | { readonly module: DynamicModule },
  extra: { readonly outboundOrigin?: string; readonly imports?: DynamicModule[] } = {},
): ProbeApp {
  const runs: HandlerRuns = { count: 0 };
  const passportModule =
    'module' in options ? options.module : PassportRelayModule.forRoot(options);

  @Module({})
  class ProbeAppModule {}

  return {
    runs,
    module: {
      module: ProbeAppModule,
      imports: [...(extra.imports ?? []), passportModule],
      controllers: [ProbeController, GuardedController],
      providers: [
        ProbeService,
        { provide: RUNS, useValue: runs },
        { provide: OUTBOUND_ORIGIN, useValue: extra.outboundOrigin },
        { provide: APP_GUARD, useClass: SightingGuard },
        { provide: APP_INTERCEPTOR, useClass: SightingInterceptor },
        { provide: APP_FILTER, useClass: ProbeErrorFilter },
      ],
    },
  };
}
