import { channel } from 'node:diagnostics_channel';
import {
  DIAGNOSTICS_CHANNELS,
  type ExtractOptions,
  type HeaderCarrier,
  isPassportError,
  type Passport,
  PassportError,
  type PassportFields,
  type RefusalResponse,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import { optionError, TtlCache } from '@passport-relay/core/adapter';
import type { GatewayOptions } from './gateway-options.js';
import { bearerRefusalResponse } from './internal/bearer-challenge.js';
import { bearerToken } from './internal/bearer-token.js';
import { type AnyHeaders, readHeaders, removeHeaders } from './internal/headers.js';
import { resolveGatewayOptions } from './internal/resolve-options.js';
import { userTokenVerifier } from './internal/user-token-verifier.js';

/**
 * Request headers as the gateway reads them: a WHATWG `Headers`, or a record in any casing.
 *
 * @example
 * ```ts
 * await gateway.authenticate(req.headersDistinct); // Node: keeps repeated headers visible
 * await gateway.authenticate(c.req.raw.headers); // Hono / fetch Headers
 * ```
 */
export type GatewayHeaders = Headers | HeaderCarrier;

/**
 * Options of {@link Gateway.authenticate}.
 *
 * @example
 * ```ts
 * await gateway.authenticate(req.headersDistinct, { request: req, required: false });
 * ```
 */
export interface AuthenticateOptions<R = unknown> {
  /** Handed to `toPassport` as its second argument (the framework's request object, say). */
  readonly request?: R;
  /**
   * Refuse a request without a Bearer token (`ERR_PASSPORT_MISSING`, 401). With `false`, such a
   * request is anonymous; a Bearer token that is sent is still verified, and a bad one refused.
   * @default true
   */
  readonly required?: boolean;
  /** The caller's IP address, written into a Txn-Token's `rctx.req_ip` (with `txnToken`). */
  readonly clientIp?: string;
}

/**
 * A request whose user token verified: its passport, the minted header value, the relay context.
 *
 * @example
 * ```ts
 * const { passport, value, context } = await gateway.authenticate(headers);
 * ```
 */
export interface Authenticated<T extends object = PassportFields> {
  readonly passport: Passport<T>;
  /** The passport header value to send downstream (reused while the user token is). */
  readonly value: string;
  /** Enter it with `relay.runWith(context, fn)` so outbound hooks carry the passport. */
  readonly context: RelayContext<T>;
  /** The Txn-Token minted for this request, when the gateway has a local TTS (`txnToken`). */
  readonly txnToken?: string;
}

/**
 * A request without a Bearer token on a route that does not require one.
 *
 * @example
 * ```ts
 * const result = await gateway.authenticate(headers, { required: false });
 * if (result.passport === undefined) {
 *   // anonymous
 * }
 * ```
 */
export interface Anonymous<T extends object = PassportFields> {
  readonly passport: undefined;
  readonly value: undefined;
  /** Carries the forwarded headers (tracing) but no passport. */
  readonly context: RelayContext<T>;
}

/**
 * What {@link Gateway.authenticate} resolves to.
 *
 * @example
 * ```ts
 * const result: GatewayResult = await gateway.authenticate(headers, { required: false });
 * relay.runWith(result.context, next);
 * ```
 */
export type GatewayResult<T extends object = PassportFields> = Authenticated<T> | Anonymous<T>;

/**
 * The edge: verifies user tokens, mints passports, and answers refusals. See {@link createGateway}.
 *
 * @example
 * ```ts
 * const gateway: Gateway = createGateway(options);
 * gateway.cache.size;
 * ```
 */
export interface Gateway<T extends object = PassportFields, R = unknown> {
  /** The relay that mints and whose context requests run in. */
  readonly relay: Relay<T>;
  /** The headers {@link Gateway.strip} removes (lower case), the relay's header first. */
  readonly stripHeaders: readonly string[];
  /** The `realm` of the Bearer challenge. */
  readonly realm: string;
  /** The header the local TTS's Txn-Tokens travel on, when the gateway has one (`txnToken`). */
  readonly txnTokenHeader: string | undefined;
  /** Minted passports remembered now, and the bound. */
  readonly cache: { readonly size: number; readonly maxEntries: number };
  /**
   * Remove client-supplied passports and identity headers (`stripHeaders`, any casing) from a
   * mutable header record or `Headers`. Call it before anything else sees the request. Returns how
   * many were removed.
   * @example
   * ```ts
   * gateway.strip(req.headers);
   * ```
   */
  strip(headers: Headers | Record<string, unknown>): number;
  /**
   * Verify the request's `Authorization: Bearer` token, map its claims with `toPassport` and mint
   * (or reuse) a passport. Never reads a passport from `headers`. Rejects with a `PassportError`
   * (a `GatewayRefusal` for token problems) to answer with {@link Gateway.refusal}; other errors
   * (a JWKS that cannot be fetched: `status` 503) are server errors.
   * @example
   * ```ts
   * const { value, context } = await gateway.authenticate(req.headers, { request: req });
   * ```
   */
  authenticate(
    headers: GatewayHeaders,
    options?: AuthenticateOptions<R> & { readonly required?: true },
  ): Promise<Authenticated<T>>;
  authenticate(headers: GatewayHeaders, options: AuthenticateOptions<R>): Promise<GatewayResult<T>>;
  /**
   * The response for a refusal: status, `content-type: application/problem+json`, for 401 a
   * `WWW-Authenticate: Bearer realm="..."` challenge (RFC 6750; `error` omitted when no Bearer
   * token was sent), and a body that never contains the token.
   * @example
   * ```ts
   * const { status, headers, body } = gateway.refusal(error);
   * res.writeHead(status, headers).end(body);
   * ```
   */
  refusal(error: PassportError): RefusalResponse;
}

const AUTHORIZATION = 'authorization';

/**
 * Create the edge of a passport-relay system. Every option is checked here, so a gateway without
 * pinned `issuer`, `audience` and `algorithms`, without a key source, or with a relay that cannot
 * mint refuses to start, with a message that says how to fix it.
 *
 * Framework-free: the Express middleware (`@passport-relay/gateway/express`) and the Fastify plugin
 * (`@passport-relay/gateway/fastify`) are thin glue around it.
 *
 * @example
 * ```ts
 * import { createRelay, signedCodec } from '@passport-relay/core';
 * import { createGateway } from '@passport-relay/gateway';
 *
 * const relay = createRelay({
 *   codec: signedCodec({ issuer: 'https://edge.example', signingKey, keys: [publicKey] }),
 * });
 * const gateway = createGateway({
 *   relay,
 *   jwksUrl: 'https://login.example.com/.well-known/jwks.json',
 *   issuer: 'https://login.example.com/',
 *   audience: 'api',
 *   algorithms: ['RS256'],
 * });
 *
 * gateway.strip(req.headers);
 * const { context } = await gateway.authenticate(req.headers, { request: req });
 * await relay.runWith(context, () => proxy(req));
 * ```
 */
export function createGateway<T extends object = PassportFields, R = unknown>(
  options: GatewayOptions<T, R>,
): Gateway<T, R> {
  const resolved = resolveGatewayOptions(options);
  const { relay, toPassport, stripHeaders, realm, maxTokenBytes, txnToken } = resolved;
  let verifyUserToken: ReturnType<typeof userTokenVerifier>;
  try {
    verifyUserToken = userTokenVerifier(resolved.policy);
  } catch (cause) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'createGateway: "jwks" could not be read as a JSON Web Key Set of public keys.',
      { cause },
    );
  }
  const stripped = new Set(stripHeaders);
  const wanted = new Set([AUTHORIZATION, ...resolved.forwardHeaders]);
  const cache = new TtlCache<string>(resolved.cacheMaxEntries, { evict: 'use' });
  const marginMs = resolved.cacheMarginSeconds * 1000;
  /** Mints in progress, so concurrent requests with one token share one `toPassport` call. */
  const pending = new Map<string, Promise<string>>();

  async function mint(token: string, request: R): Promise<string> {
    const claims = await verifyUserToken(token);
    const passportClaims = await toPassport(claims, request);
    if (typeof passportClaims !== 'object' || passportClaims === null) {
      throw new PassportError(
        'ERR_PASSPORT_CANNOT_ISSUE',
        'toPassport must return the passport claims ({ sub, ... }); throw a GatewayRefusal to refuse a user.',
      );
    }
    // A passport never outlives the user token it was minted from.
    const value = relay.issue(
      passportClaims,
      typeof claims.exp === 'number' ? { expiresAtMost: claims.exp } : undefined,
    );
    let passport: Passport<T>;
    try {
      passport = relay.verify(value);
    } catch (cause) {
      throw new PassportError(
        'ERR_PASSPORT_CANNOT_ISSUE',
        "The passport minted from toPassport() fails the relay's own verification (check its schema).",
        { cause },
      );
    }
    const nowMs = Date.now();
    const userExpMs = (claims.exp as number) * 1000;
    const passportExpMs =
      typeof passport.exp === 'number' ? passport.exp * 1000 - marginMs : Number.POSITIVE_INFINITY;
    cache.set(token, value, Math.min(userExpMs, passportExpMs), nowMs);
    return value;
  }

  // Every refusal is published on `refused`, as a service's relay publishes its own: the relay's
  // extract publishes those it makes; the edge publishes the user-token refusals.
  const refused = channel(DIAGNOSTICS_CHANNELS.refused);
  const publishedByRelay = new WeakSet<object>();

  function extract(carrier: HeaderCarrier, extractOptions?: ExtractOptions): RelayContext<T> {
    try {
      return relay.extract(carrier, extractOptions);
    } catch (error) {
      if (typeof error === 'object' && error !== null) publishedByRelay.add(error);
      throw error;
    }
  }

  function passportFor(token: string, request: R): Promise<string> {
    const cached = cache.get(token, Date.now());
    if (cached !== undefined) return Promise.resolve(cached);
    let minting = pending.get(token);
    if (minting === undefined) {
      minting = mint(token, request);
      pending.set(token, minting);
      const settled = () => pending.delete(token);
      minting.then(settled, settled);
    }
    return minting;
  }

  async function authenticate(
    headers: GatewayHeaders,
    authenticateOptions?: AuthenticateOptions<R>,
  ): Promise<GatewayResult<T>> {
    try {
      return await authenticateUser(headers, authenticateOptions);
    } catch (error) {
      if (isPassportError(error) && !publishedByRelay.has(error) && refused.hasSubscribers) {
        refused.publish({ error });
      }
      throw error;
    }
  }

  async function authenticateUser(
    headers: GatewayHeaders,
    authenticateOptions: AuthenticateOptions<R> = {},
  ): Promise<GatewayResult<T>> {
    const found = readHeaders(headers as AnyHeaders, wanted);
    const carrier: Record<string, string | string[]> = {};
    for (const name of resolved.forwardHeaders) {
      const values = found.get(name);
      if (values !== undefined) carrier[name] = values;
    }
    const token = bearerToken(
      found.get(AUTHORIZATION),
      authenticateOptions.required ?? true,
      maxTokenBytes,
    );
    if (token === undefined) {
      return { passport: undefined, value: undefined, context: extract(carrier) };
    }
    const request = authenticateOptions.request as R;
    if (txnToken === undefined) {
      const value = await passportFor(token, request);
      carrier[relay.header] = value;
      const context = extract(carrier, { required: true });
      return { passport: context.passport as Passport<T>, value, context };
    }
    // A Txn-Token names one transaction: minted per request, never reused.
    const [claims, value] = await Promise.all([
      verifyUserToken(token),
      resolved.txnTokenOnly ? undefined : passportFor(token, request),
    ]);
    const passport = await toPassport(claims, request);
    const minted = txnToken.mint({
      claims,
      accessToken: token,
      passport,
      request,
      ...(authenticateOptions.clientIp === undefined
        ? {}
        : { clientIp: authenticateOptions.clientIp }),
    });
    carrier[txnToken.header] = minted;
    if (value !== undefined) carrier[relay.header] = value;
    const context = extract(carrier, { required: true });
    return {
      passport: context.passport as Passport<T>,
      value: value ?? minted,
      context,
      txnToken: minted,
    };
  }

  return Object.freeze({
    relay,
    stripHeaders,
    realm,
    txnTokenHeader: txnToken?.header,
    cache: Object.freeze({
      get size() {
        return cache.size;
      },
      maxEntries: cache.maxEntries,
    }),
    strip: (headers: Headers | Record<string, unknown>) => removeHeaders(headers, stripped),
    authenticate: authenticate as Gateway<T, R>['authenticate'],
    refusal(error: PassportError): RefusalResponse {
      if (!isPassportError(error)) {
        throw optionError(
          'gateway.refusal()',
          'answers PassportErrors only; let other errors reach your error handler.',
        );
      }
      return bearerRefusalResponse(error, realm);
    },
  });
}
