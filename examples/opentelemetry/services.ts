/**
 * Two plain `node:http` services: no framework, no passport-relay middleware. OTel's http
 * instrumentation extracts each request (trace context and, through `PassportPropagator`, the
 * verified passport), so `relay.current()` and `trace.getActiveSpan()` answer for the request
 * being served. With Express, Fastify or Nest, keep their passport-relay adapter too and create
 * its relay with `store: otelContextStore()`: the adapter then refuses bad passports for you.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { type Relay, refusalResponse } from '@passport-relay/core';
import { passportRefusal } from '@passport-relay/otel';

/** What one service saw of the request; each service adds its own line to the journey. */
export interface Hop {
  readonly service: string;
  readonly sub: string | undefined;
  readonly traceId: string | undefined;
}

function here(relay: Relay, service: string): Hop {
  return {
    service,
    sub: relay.current()?.sub, // the verified passport, from OTel's context
    traceId: trace.getActiveSpan()?.spanContext().traceId, // the server span OTel started
  };
}

/**
 * A propagator cannot answer a request, so a refused passport (bad signature, expired, ...) reaches
 * the handler as "no passport" plus the reason; answer it the way every adapter does. Returns
 * whether the request was answered.
 */
function refused(res: ServerResponse): boolean {
  const error = passportRefusal();
  if (error === undefined) return false;
  const { status, headers, body } = refusalResponse(error);
  res.writeHead(status, headers).end(body);
  return true;
}

function json(res: ServerResponse, hops: Hop[]): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hops));
}

/** `payments`: the second hop. */
export function paymentsHandler(relay: Relay) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    if (refused(res)) return;
    json(res, [here(relay, 'payments')]);
  };
}

/** `orders`: the first hop; calls `payments` with plain `fetch`. */
export function ordersHandler(relay: Relay, paymentsOrigin: string) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    if (refused(res)) return;
    // OTel's undici instrumentation adds `traceparent`; passport-relay's fetch hook adds the
    // passport (payments is on `propagateTo`). This code adds neither.
    const payments = await fetch(`${paymentsOrigin}/charges`);
    json(res, [here(relay, 'orders'), ...((await payments.json()) as Hop[])]);
  };
}

/** Start `handler` on 127.0.0.1, port 0 (the OS picks a free port). */
export async function listen(handler: RequestListener) {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
