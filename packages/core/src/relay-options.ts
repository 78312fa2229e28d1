import type { PassportCodec } from './codec.js';
import { asyncLocalContextStore, type ContextStore } from './context-store.js';
import {
  compileDestinationPolicy,
  DEFAULT_PROPAGATE_TO,
  type DestinationPolicy,
} from './destination-policy.js';
import { badOption } from './errors.js';
import { headerName, resolveForwardHeaders } from './forward-headers.js';
import { type PassportLimits, type ResolvedLimits, resolveLimits } from './limits.js';
import { checkOptions } from './option-checks.js';
import type { PassportFields } from './passport.js';
import { assertSynchronousSchema, type StandardSchemaV1 } from './schema.js';

/**
 * Options of {@link createRelay}. Everything but `codec` has a default.
 *
 * @example
 * ```ts
 * const options: RelayOptions = { codec: signedCodec({ keys, issuer }), forwardHeaders: TRACING_HEADERS };
 * createRelay(options);
 * ```
 */
export interface RelayOptions<T extends object = PassportFields> {
  /**
   * How passports travel: `signedCodec({...})` (verify every hop) or `plainCodecTrustingMesh()`
   * (the mesh guarantees integrity). Required: there is no safe default.
   */
  readonly codec: PassportCodec;
  /**
   * The header that carries the passport, lower case on the wire.
   * @default "passport"
   */
  readonly header?: string;
  /**
   * Where outbound requests may carry the passport and forwarded headers: host names, `*.suffix`
   * wildcards, `*` (single-label hosts), IPs and CIDRs. Metadata and link-local addresses never.
   * @default DEFAULT_PROPAGATE_TO
   */
  readonly propagateTo?: readonly string[];
  /**
   * Extra inbound headers copied onto allowed outbound requests, e.g. `TRACING_HEADERS`.
   * @default []
   */
  readonly forwardHeaders?: readonly string[];
  /** A Standard Schema (zod, valibot, arktype, ...) the passport must satisfy; types `T`. */
  readonly schema?: StandardSchemaV1<unknown, T>;
  /** Size, claim-count and nesting bounds for inbound values. */
  readonly limits?: PassportLimits;
  /**
   * Verified passports remembered by exact value, never past their `exp`; `false` to verify every
   * request.
   * @default { maxEntries: 10000 }
   */
  readonly cache?: false | { readonly maxEntries?: number };
  /**
   * Where the current context lives.
   * @default asyncLocalContextStore()
   */
  readonly store?: ContextStore;
}

const KNOWN_OPTIONS = [
  'codec',
  'header',
  'propagateTo',
  'forwardHeaders',
  'schema',
  'limits',
  'cache',
  'store',
] as const;

/** {@link RelayOptions} checked once, with every default applied: what the relay's parts share. */
export interface ResolvedRelayOptions<T extends object> {
  readonly codec: PassportCodec;
  readonly header: string;
  readonly forwardHeaders: readonly string[];
  readonly policy: DestinationPolicy;
  readonly limits: ResolvedLimits;
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  /** The verification cache's bound; 0 when it is off. */
  readonly maxEntries: number;
  readonly store: ContextStore;
}

/**
 * Check every option of {@link createRelay} once, at start-up, and apply the defaults. A bad
 * option throws `ERR_PASSPORT_OPTIONS` with a message that says how to fix it.
 */
export function resolveRelayOptions<T extends object = PassportFields>(
  options: RelayOptions<T>,
): ResolvedRelayOptions<T> {
  checkOptions('createRelay', options, {
    known: KNOWN_OPTIONS,
    example: 'createRelay({ codec: signedCodec({ keys, issuer }) })',
    required: true,
  });
  const codec = options.codec;
  if (typeof codec?.decode !== 'function' || typeof codec.encode !== 'function') {
    throw badOption(
      'createRelay: "codec" is required: signedCodec({ keys, issuer }) to verify signatures, or plainCodecTrustingMesh() when an Istio mesh guarantees integrity.',
    );
  }
  const header = headerName(options.header ?? codec.header ?? 'passport', 'header');
  const forwardHeaders = resolveForwardHeaders(options.forwardHeaders, header);
  const policy = compileDestinationPolicy(options.propagateTo ?? DEFAULT_PROPAGATE_TO);
  const limits: ResolvedLimits = resolveLimits(options.limits);
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw badOption(
      'createRelay: "schema" must be a Standard Schema (zod, valibot, arktype, ...).',
    );
  }
  if (schema !== undefined) assertSynchronousSchema(schema);
  const maxEntries =
    options.cache === false || codec.cacheable === false
      ? 0
      : (options.cache?.maxEntries ?? 10_000);
  if (!Number.isInteger(maxEntries) || maxEntries < 0 || maxEntries > 1_000_000) {
    throw badOption('createRelay: cache.maxEntries must be an integer from 0 to 1000000.');
  }
  const store = options.store ?? asyncLocalContextStore(header);
  if (typeof store?.getStore !== 'function' || typeof store.run !== 'function') {
    throw badOption('createRelay: "store" must have getStore() and run(context, fn).');
  }
  return { codec, header, forwardHeaders, policy, limits, schema, maxEntries, store };
}
