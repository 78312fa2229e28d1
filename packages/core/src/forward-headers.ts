import { badOption } from './errors.js';

/**
 * The tracing headers Istio asks applications to forward from each inbound request to the outbound
 * requests it causes (Envoy, B3, W3C Trace Context, OpenTracing, Google Cloud, gRPC, SkyWalking,
 * Datadog). Pass it as `forwardHeaders` to keep traces joined without an OpenTelemetry SDK.
 *
 * Only without one: with the OpenTelemetry SDK and its undici instrumentation running, OTel writes
 * `traceparent`/`tracestate` itself, and forwarding them too sends them twice.
 *
 * @example
 * ```ts
 * createRelay({ codec, forwardHeaders: TRACING_HEADERS });
 * ```
 */
export const TRACING_HEADERS: readonly string[] = Object.freeze([
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Headers that describe a connection or a credential, never a request's identity trail. */
const NEVER_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-type',
  'expect',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/**
 * Whether a header (lower-case name) describes a connection or carries a credential: one the relay
 * never forwards and never uses as its passport header, and that `@passport-relay/istio` never lets
 * the ingress strip. `proxy-*` counts, whatever follows.
 *
 * @example
 * ```ts
 * isConnectionOrCredentialHeader('cookie'); // true
 * isConnectionOrCredentialHeader('x-request-id'); // false
 * ```
 */
export function isConnectionOrCredentialHeader(name: string): boolean {
  return NEVER_FORWARDED.has(name) || name.startsWith('proxy-');
}

/** Validate and lower-case a header name used by the relay. */
export function headerName(value: unknown, where: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value.toLowerCase())) {
    throw badOption(`${where}: "${String(value)}" is not a valid HTTP header name.`);
  }
  const name = value.toLowerCase();
  if (isConnectionOrCredentialHeader(name)) {
    throw badOption(
      `${where}: "${name}" cannot be relayed: it is a connection header or a credential (relay identity as a passport instead).`,
    );
  }
  return name;
}

/** Validate the `forwardHeaders` option: distinct, valid, and not the passport header itself. */
export function resolveForwardHeaders(
  names: readonly string[] | undefined,
  passportHeader: string,
): readonly string[] {
  if (names === undefined) return Object.freeze([]);
  if (!Array.isArray(names)) {
    throw badOption('forwardHeaders must be an array of header names, e.g. TRACING_HEADERS.');
  }
  const resolved = [...new Set(names.map((name) => headerName(name, 'forwardHeaders')))];
  if (resolved.includes(passportHeader)) {
    throw badOption(
      `forwardHeaders: "${passportHeader}" is the passport header; it is relayed already.`,
    );
  }
  return Object.freeze(resolved);
}
