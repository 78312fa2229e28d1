import type { IncomingMessage } from 'node:http';
import type { PassportFields } from '@passport-relay/core';
import { optionError, requirement } from '@passport-relay/core/adapter';
import type { Gateway, GatewayResult } from '../gateway.js';

/** `IncomingMessage`, or an object that looks like one (light-my-request's, in `inject()` tests). */
type NodeRequest = Pick<IncomingMessage, 'headers'> &
  Partial<Pick<IncomingMessage, 'rawHeaders' | 'headersDistinct'>>;

/**
 * Remove the stripped headers from every view Node keeps of them: `headers`, `headersDistinct` and
 * `rawHeaders` (which some proxies forward).
 */
function strip(req: NodeRequest, names: ReadonlySet<string>): void {
  // Node computes `headers` and `headersDistinct` lazily from `rawHeaders` and its original length:
  // materialise both before `rawHeaders` shrinks.
  const headers = req.headers;
  const distinct = req.headersDistinct;
  for (const key of Object.keys(headers)) {
    if (names.has(key.toLowerCase())) delete headers[key];
  }
  if (distinct !== undefined) {
    for (const key of Object.keys(distinct)) if (names.has(key)) delete distinct[key];
  }
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    let kept = 0;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      if (names.has(raw[index]!.toLowerCase())) continue;
      raw[kept++] = raw[index]!;
      raw[kept++] = raw[index + 1]!;
    }
    raw.length = kept;
  }
}

/**
 * The whole edge decision for a Node request: strip client-supplied headers (synchronously, before
 * the first `await`, so nothing after this call sees them), authenticate, and put the minted
 * passport on the request's headers so a proxy that forwards them sends it on.
 */
export async function admit<T extends object = PassportFields, R = unknown>(
  gateway: Gateway<T, R>,
  stripped: ReadonlySet<string>,
  req: NodeRequest,
  request: R,
  required: (request: R) => boolean,
): Promise<GatewayResult<T>> {
  strip(req, stripped);
  const isRequired = required(request);
  // Express and Fastify both expose `ip` (honouring their trust-proxy settings).
  const clientIp =
    (request as { ip?: unknown } | undefined)?.ip ??
    (req as { socket?: { remoteAddress?: string } }).socket?.remoteAddress;
  const result = await gateway.authenticate(req.headersDistinct ?? req.headers, {
    request,
    required: isRequired,
    ...(typeof clientIp === 'string' ? { clientIp } : {}),
  });
  if (result.value !== undefined) setHeader(req, gateway.relay.header, result.value);
  const txnToken = (result as { txnToken?: string }).txnToken;
  const txnHeader = gateway.txnTokenHeader;
  if (txnToken !== undefined && txnHeader !== undefined && txnHeader !== gateway.relay.header) {
    setHeader(req, txnHeader, txnToken);
  }
  return result;
}

function setHeader(req: NodeRequest, name: string, value: string): void {
  req.headers[name] = value;
  req.rawHeaders?.push(name, value);
  const distinct = req.headersDistinct;
  if (distinct !== undefined) distinct[name] = [value];
}

/**
 * Check an adapter's options once, at registration, and turn `required` into a predicate.
 * A gateway request requires a Bearer token unless told otherwise.
 */
export function checkAdapterOptions<R>(
  gateway: unknown,
  required: unknown,
  where: string,
): (request: R) => boolean {
  const candidate = gateway as Partial<Gateway> | undefined;
  if (
    typeof candidate?.authenticate !== 'function' ||
    typeof candidate.refusal !== 'function' ||
    !Array.isArray(candidate.stripHeaders)
  ) {
    throw optionError(
      where,
      'pass the gateway from createGateway({ relay, jwksUrl, issuer, audience, algorithms }).',
    );
  }
  return requirement<R>(where, required, true);
}
