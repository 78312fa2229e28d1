/**
 * One bench server, in its own process (started by harness.ts, never run by hand):
 *
 *   node .build/server.mjs '<ServerSpec as JSON>'   (harness.ts compiles this file there with esbuild)
 *
 * It listens on a loopback port, sends `{ port }` over IPC, and exits when the parent disconnects.
 * Everything is loaded dynamically, after the variant is known, so a process only loads what its
 * variant runs (OpenTelemetry must patch `node:http` before a framework loads it).
 *
 * Every A process, whatever the variant, makes npm undici 7's `Agent` the global dispatcher first:
 * installGlobalFetchPropagation loads undici 7, and without this the relay variants would call B
 * through undici 7 while the others call it through Node's bundled undici 6, a different client.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { Relay } from '@passport-relay/core';
import type { Framework, ServerSpec } from './harness.ts';
import { type RelayKind, serverRelay } from './passports.ts';
import { BAGGAGE_ENTRY, type Variant } from './variants.ts';

const RELAY_KINDS: Partial<Record<Variant, RelayKind>> = {
  relayPlain: 'plain',
  relaySignedCached: 'signed',
  relaySignedUncached: 'signedUncached',
  otelRelay: 'signed',
  adapter: 'signed',
};

type Headers = IncomingHttpHeaders;

/** How a variant gets the passport into a request's context, and reads it back. */
interface Layer {
  /** The relay, for variants that run passport-relay (A installs the global fetch hook). */
  readonly relay?: Relay;
  /** Whether the framework's inbound adapter is mounted (not for `otelRelay`: OTel extracts). */
  readonly adapter?: boolean;
  /** Whether `clsFloor` mounts nestjs-cls (Nest only) with the passport header in its store. */
  readonly cls?: boolean;
  /** The AsyncLocalStorage of `alsFloor`. */
  readonly als?: AsyncLocalStorage<string | undefined>;
  /** What this server saw as the passport (B echoes it). */
  seen(headers: Headers): string | undefined;
  /** Headers A sets by hand on its call to B. */
  outbound(headers: Headers): Record<string, string> | undefined;
}

/**
 * Idle keep-alive connections stay open for 10 minutes, not Node's 5 s: under callgrind, A can
 * pause for seconds (switching instrumentation on retranslates its code), and B must not close the
 * connection A is about to reuse ("other side closed"). No timer closes a socket mid-measurement.
 */
const KEEP_ALIVE_MS = 600_000;

/** The nestjs-cls key `clsFloor` stores the passport header under. */
const CLS_KEY = 'passport';

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

async function startOtel(relay: Relay | undefined): Promise<() => string | undefined> {
  const { propagation, context } = await import('@opentelemetry/api');
  const { CompositePropagator, ExportResultCode, W3CBaggagePropagator, W3CTraceContextPropagator } =
    await import('@opentelemetry/core');
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { PassportPropagator } = await import('@passport-relay/otel');
  const sdk = new NodeSDK({
    serviceName: 'passport-relay-bench',
    autoDetectResources: false,
    textMapPropagator: new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        ...(relay ? [new PassportPropagator({ relay })] : []),
      ],
    }),
    // Spans are made and batched, then dropped: the bench measures propagation, not an exporter.
    spanProcessors: [
      new BatchSpanProcessor({
        export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
        shutdown: () => Promise.resolve(),
      }),
    ],
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // The http instrumentation patches on require(); an ESM import of node:http does not trigger it.
  createRequire(import.meta.url)('node:http');
  return () => propagation.getBaggage(context.active())?.getEntry(BAGGAGE_ENTRY)?.value;
}

async function layerFor(spec: ServerSpec): Promise<Layer> {
  const variant = spec.variant as Variant;
  const kind = RELAY_KINDS[variant];
  switch (variant) {
    case 'none':
    case 'bare':
      return { seen: (headers) => first(headers.passport), outbound: () => undefined };
    case 'handWritten':
      return {
        seen: (headers) => first(headers.passport),
        outbound: (headers) => {
          const passport = first(headers.passport);
          return passport === undefined ? undefined : { passport };
        },
      };
    case 'alsFloor': {
      const als = new AsyncLocalStorage<string | undefined>();
      return {
        als,
        seen: () => als.getStore(),
        outbound: () => {
          const passport = als.getStore();
          return passport === undefined ? undefined : { passport };
        },
      };
    }
    case 'clsFloor': {
      // nestjs-cls alone, the floor of the Nest adapter: its middleware opens a CLS context per
      // request and stores the header; A forwards it from the store by hand.
      const { ClsServiceManager } = await import('nestjs-cls');
      const stored = () => ClsServiceManager.getClsService().get<string | undefined>(CLS_KEY);
      return {
        cls: true,
        seen: stored,
        outbound: () => {
          const passport = stored();
          return passport === undefined ? undefined : { passport };
        },
      };
    }
    case 'otel': {
      const baggage = await startOtel(undefined);
      return { seen: baggage, outbound: () => undefined };
    }
    case 'otelRelay': {
      const { otelContextStore } = await import('@passport-relay/otel');
      const relay = serverRelay(spec.secret, 'signed', otelContextStore());
      await startOtel(relay);
      return { relay, seen: () => relay.currentContext()?.token, outbound: () => undefined };
    }
    case 'relayPlain':
    case 'relaySignedCached':
    case 'relaySignedUncached':
    case 'adapter': {
      const relay = serverRelay(spec.secret, kind!);
      return {
        relay,
        adapter: true,
        seen: () => relay.currentContext()?.token,
        outbound: () => undefined,
      };
    }
    default:
      throw new Error(`unknown variant ${spec.variant}`);
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as ServerSpec;
  const layer = await layerFor(spec);

  let handle: (headers: Headers) => Promise<string>;
  if (spec.role === 'a') {
    const undici = await import('undici');
    undici.setGlobalDispatcher(new undici.Agent());
    if (layer.relay) {
      const { installGlobalFetchPropagation } = await import('@passport-relay/undici');
      installGlobalFetchPropagation(layer.relay);
    }
    const target = `${spec.downstream}/`;
    handle = async (headers) => {
      const outbound = layer.outbound(headers);
      const response = await fetch(target, outbound ? { headers: outbound } : undefined);
      if (!response.ok) throw new Error(`B answered ${response.status}`);
      return response.text();
    };
  } else if (spec.role === 'b') {
    handle = async (headers) => JSON.stringify({ passport: layer.seen(headers) ?? null });
  } else {
    handle = async (headers) => JSON.stringify({ ok: layer.seen(headers) !== undefined });
  }

  const close = await listen(spec.framework, layer, handle);
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
  // callgrind.ts and alloc.ts open a window with a full GC (A runs with --expose-gc), so every
  // measurement starts from the same heap and no old-generation GC left over from the warm-up
  // lands in one measurement and not in the next.
  process.on('message', (message) => {
    if (message === 'alloc start' || message === 'alloc mark' || message === 'alloc stop') {
      process.send?.({ alloc: allocationWindow(message) });
    }
  });
}

let window: { heap: number; newSpace: number; afterGc: number; profiler: GCProfiler } | undefined;

/** Used bytes of the whole heap and of the young generation. */
function heapUsed(): { heap: number; newSpace: number } {
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return { heap: getHeapStatistics().used_heap_size, newSpace: newSpace?.space_used_size ?? 0 };
}

/**
 * alloc.ts's window: `alloc start` forces a full GC and notes the used heap; `alloc mark` notes it
 * again without collecting (the window then starts there: requests sent in between let the code
 * the GC deoptimized tier up again); `alloc stop` notes it again (what was allocated since, as
 * long as no GC ran: the answer says how many did since `alloc start`), then forces a full GC and
 * notes what stayed (retained).
 */
function allocationWindow(message: 'alloc start' | 'alloc mark' | 'alloc stop'): object {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('alloc.ts runs A with --expose-gc');
  if (message === 'alloc start') {
    gc();
    const profiler = new GCProfiler();
    profiler.start();
    const used = heapUsed();
    window = { ...used, afterGc: used.heap, profiler };
    return used;
  }
  if (message === 'alloc mark') {
    const used = heapUsed();
    window = { ...window!, ...used };
    return used;
  }
  const used = heapUsed();
  const gcs = window!.profiler.stop()?.statistics.length ?? 0;
  gc();
  const after = heapUsed();
  const start = window!;
  window = undefined;
  return {
    allocated: used.heap - start.heap,
    allocatedNewSpace: used.newSpace - start.newSpace,
    retained: after.heap - start.afterGc,
    gcs,
  };
}

async function listen(
  framework: Framework,
  layer: Layer,
  handle: (headers: Headers) => Promise<string>,
): Promise<() => Promise<void>> {
  const send = (port: number) => process.send?.({ port });
  switch (framework) {
    case 'http': {
      const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
        handle(req.headers).then(
          (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
          () => res.writeHead(502).end(),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      send((server.address() as AddressInfo).port);
      return () => new Promise((resolve) => server.close(() => resolve()));
    }
    case 'express': {
      const { default: express } = await import('express');
      const app = express();
      const { als, relay, adapter } = layer;
      if (als) app.use((req, _res, next) => als.run(first(req.headers.passport), next));
      if (relay && adapter) {
        const { passportRelay } = await import('@passport-relay/express');
        app.use(passportRelay(relay));
      }
      app.get('/', async (req, res) => {
        res.type('application/json').send(await handle(req.headers));
      });
      const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      send((server.address() as AddressInfo).port);
      return () => new Promise((resolve) => server.close(() => resolve()));
    }
    case 'fastify': {
      const { default: Fastify } = await import('fastify');
      const app = Fastify({ keepAliveTimeout: KEEP_ALIVE_MS });
      const { als, relay, adapter } = layer;
      if (als) {
        app.addHook('onRequest', (request, _reply, done) =>
          als.run(first(request.headers.passport), done),
        );
      }
      if (relay && adapter) {
        const { passportRelay } = await import('@passport-relay/fastify');
        await app.register(passportRelay, { relay });
      }
      app.get('/', async (request, reply) => {
        reply.type('application/json');
        return handle(request.headers);
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      send((app.server.address() as AddressInfo).port);
      return () => app.close();
    }
    case 'nest':
      return listenNest(layer, handle, send);
  }
}

async function listenNest(
  layer: Layer,
  handle: (headers: Headers) => Promise<string>,
  send: (port: number) => void,
): Promise<() => Promise<void>> {
  await import('reflect-metadata');
  const { Controller, Get, Req } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  // No decorator syntax: the decorators are applied by hand, so this file needs no Nest build setup.
  class BenchController {
    async get(req: { headers: Headers }): Promise<unknown> {
      return JSON.parse(await handle(req.headers));
    }
  }
  Controller()(BenchController);
  Req()(BenchController.prototype, 'get', 0);
  Get()(
    BenchController.prototype,
    'get',
    Object.getOwnPropertyDescriptor(BenchController.prototype, 'get')!,
  );
  const imports = [];
  if (layer.cls) {
    const { ClsModule } = await import('nestjs-cls');
    imports.push(
      ClsModule.forRoot({
        global: true,
        middleware: {
          mount: true,
          setup: (cls, req: { headers: Headers }) => cls.set(CLS_KEY, first(req.headers.passport)),
        },
      }),
    );
  }
  if (layer.relay && layer.adapter) {
    const { PassportRelayModule } = await import('@passport-relay/nest');
    imports.push(PassportRelayModule.forRoot({ relay: layer.relay }));
  }
  const app = await NestFactory.create(
    { module: class BenchModule {}, imports, controllers: [BenchController] },
    new ExpressAdapter(),
    process.env.BENCH_NEST_LOG ? {} : { logger: false },
  );
  app.getHttpServer().keepAliveTimeout = KEEP_ALIVE_MS;
  await app.listen(0, '127.0.0.1');
  send((app.getHttpServer().address() as AddressInfo).port);
  return () => app.close();
}

await main();
