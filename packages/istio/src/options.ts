import { IstioOptionsError } from './errors.js';

/**
 * How passports travel on the wire, as in `@passport-relay/core`.
 *
 * - `signed`: the edge service (`@passport-relay/gateway`) verifies the user's token and signs
 *   the passport; every service verifies the signature.
 * - `plain`: the Istio ingress verifies the user's token and writes its payload to the passport
 *   header (`RequestAuthentication.outputPayloadToHeader`); services trust the mesh (STRICT mTLS
 *   plus these AuthorizationPolicies) for its integrity.
 *
 * @example
 * ```ts
 * const mode: PassportMode = 'plain';
 * ```
 */
export type PassportMode = 'signed' | 'plain';

/**
 * Kubernetes label selector: label key to exact value (no wildcards, never empty).
 *
 * @example
 * ```ts
 * const helmGateway: LabelSelector = { istio: 'ingress' };
 * ```
 */
export type LabelSelector = Readonly<Record<string, string>>;

/**
 * Options of every manifest function. One object, validated once, with a message that says how
 * to fix a bad value. Options that only apply to one mode are refused in the other.
 *
 * @example
 * ```ts
 * const options: IstioManifestOptions = {
 *   namespace: 'shop',
 *   gatewaySelector: { istio: 'ingress' },
 *   gatewayNamespace: 'istio-ingress',
 *   gatewayPrincipals: ['cluster.local/ns/istio-ingress/sa/istio-ingress'],
 * };
 * ```
 */
export interface IstioManifestOptions {
  /**
   * The namespace your services run in: it gets STRICT mTLS, the passport requirement and the
   * egress rules. Required: these policies deny traffic, so they never default to a namespace.
   */
  readonly namespace: string;
  /**
   * The passport header, as configured in the relay (`createRelay({ header })`). Lower-cased.
   * @default "passport"
   */
  readonly header?: string;
  /**
   * `signed` (an edge service signs passports) or `plain` (the Istio ingress mints them).
   * @default "signed"
   */
  readonly mode?: PassportMode;
  /**
   * Labels of the Istio ingress gateway pods. `istioctl install` labels them
   * `istio: ingressgateway`; the Helm `gateway` chart labels them `istio: <release name without
   * "istio-">` (release `istio-ingress` gives `istio: ingress`).
   * @default { istio: "ingressgateway" }
   */
  readonly gatewaySelector?: LabelSelector;
  /**
   * The namespace the ingress gateway runs in (where the ingress EnvoyFilter and, in plain mode,
   * its RequestAuthentication go).
   * @default "istio-system"
   */
  readonly gatewayNamespace?: string;
  /**
   * The ingress gateway's mTLS identities, `<trust domain>/ns/<namespace>/sa/<service account>`.
   * Defaults to the `istioctl install` account in `gatewayNamespace`; required when
   * `gatewaySelector` is not the default (the Helm chart's account is named after the release:
   * `cluster.local/ns/istio-ingress/sa/istio-ingress`).
   * @default ["cluster.local/ns/<gatewayNamespace>/sa/istio-ingressgateway-service-account"]
   */
  readonly gatewayPrincipals?: readonly string[];
  /**
   * Signed mode: labels of the edge workload in `namespace` that runs `@passport-relay/gateway`
   * and mints passports. The ingress may call it without a passport; nothing else is.
   * @default { app: "gateway" }
   */
  readonly edgeSelector?: LabelSelector;
  /** Plain mode, required: the `iss` of the users' tokens. */
  readonly issuer?: string;
  /** Plain mode, required: where the ingress fetches the issuer's keys (http or https URL). */
  readonly jwksUri?: string;
  /**
   * Plain mode: accepted `aud` values of the users' tokens.
   * @default [] (any audience)
   */
  readonly audiences?: readonly string[];
  /**
   * Plain mode: the hosts (Host header, Istio wildcards allowed) on which the ingress refuses
   * requests without a valid token. Set it when the same ingress serves other sites.
   * @default [] (every host of the gateway)
   */
  readonly gatewayHosts?: readonly string[];
  /**
   * External hosts (each declared in a ServiceEntry with an HTTP port) from whose requests the
   * sidecars remove the passport. Defence in depth: the SDK never sends it there anyway.
   * @default []
   */
  readonly externalHosts?: readonly string[];
}

/**
 * {@link IstioManifestOptions} after validation, with every default filled in. Frozen.
 *
 * @example
 * ```ts
 * const { header, gatewayPrincipals }: ResolvedIstioOptions = resolveIstioOptions({ namespace: 'shop' });
 * ```
 */
export interface ResolvedIstioOptions {
  readonly namespace: string;
  readonly header: string;
  readonly mode: PassportMode;
  readonly gatewaySelector: LabelSelector;
  readonly gatewayNamespace: string;
  readonly gatewayPrincipals: readonly string[];
  /** Set in signed mode only. */
  readonly edgeSelector: LabelSelector | undefined;
  /** Set in plain mode only. */
  readonly issuer: string | undefined;
  /** Set in plain mode only. */
  readonly jwksUri: string | undefined;
  readonly audiences: readonly string[];
  readonly gatewayHosts: readonly string[];
  readonly externalHosts: readonly string[];
}

/**
 * The passport header name used when none is given (as in `@passport-relay/core`).
 *
 * @example
 * ```ts
 * `request.headers[${DEFAULT_PASSPORT_HEADER}]`; // 'request.headers[passport]'
 * ```
 */
export const DEFAULT_PASSPORT_HEADER = 'passport';

/**
 * The ingress gateway labels of an `istioctl install`: the default `gatewaySelector`.
 *
 * @example
 * ```ts
 * passportManifests({ namespace: 'shop', gatewaySelector: ISTIOCTL_GATEWAY_SELECTOR });
 * ```
 */
export const ISTIOCTL_GATEWAY_SELECTOR: LabelSelector = Object.freeze({ istio: 'ingressgateway' });

/**
 * The namespace of an `istioctl install` ingress gateway: the default `gatewayNamespace`.
 *
 * @example
 * ```ts
 * DEFAULT_GATEWAY_NAMESPACE; // 'istio-system'
 * ```
 */
export const DEFAULT_GATEWAY_NAMESPACE = 'istio-system';

/**
 * The service account of an `istioctl install` ingress gateway, from which the default
 * `gatewayPrincipals` is made.
 *
 * @example
 * ```ts
 * `cluster.local/ns/istio-system/sa/${ISTIOCTL_GATEWAY_SERVICE_ACCOUNT}`;
 * ```
 */
export const ISTIOCTL_GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';

/**
 * The labels of the edge service (the one running `@passport-relay/gateway`) in signed mode: the
 * default `edgeSelector`, matching a Deployment whose pods are labelled `app: gateway`.
 *
 * @example
 * ```ts
 * DEFAULT_EDGE_SELECTOR; // { app: 'gateway' }
 * ```
 */
export const DEFAULT_EDGE_SELECTOR: LabelSelector = Object.freeze({ app: 'gateway' });

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof IstioManifestOptions>([
  'namespace',
  'header',
  'mode',
  'gatewaySelector',
  'gatewayNamespace',
  'gatewayPrincipals',
  'edgeSelector',
  'issuer',
  'jwksUri',
  'audiences',
  'gatewayHosts',
  'externalHosts',
]);

const PLAIN_ONLY = ['issuer', 'jwksUri', 'audiences', 'gatewayHosts'] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HEADER_TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const PRINCIPAL = /^[^\s/]+\/ns\/[^\s/]+\/sa\/[^\s/]+$/;
const NO_SPACE = /^\S+$/;

/** Headers whose removal at the ingress would break requests or that carry other credentials. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-type',
  'expect',
]);

/** Host suffixes of in-mesh names: the passport is meant to go there, so they are not external. */
const MESH_SUFFIXES = ['.svc', '.cluster.local', '.local'];

function fail(option: keyof IstioManifestOptions | 'options', reason: string): never {
  throw new IstioOptionsError(option, reason);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

function namespaceName(option: 'namespace' | 'gatewayNamespace', value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > 63 ||
    !DNS_LABEL.test(value)
  ) {
    fail(
      option,
      `${describe(value)} is not a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters, e.g. "shop").`,
    );
  }
  return value;
}

function stringList(
  option: 'gatewayPrincipals' | 'audiences' | 'gatewayHosts' | 'externalHosts',
  value: unknown,
  example: string,
): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    fail(option, `expected an array of strings (e.g. ["${example}"]), got ${describe(value)}.`);
  }
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || !NO_SPACE.test(item)) {
      fail(
        option,
        `${describe(item)} is not allowed: every entry must be a non-empty string without spaces (Istio refuses empty values), e.g. "${example}".`,
      );
    }
  }
  return [...new Set(value as string[])];
}

function labelSelector(option: 'gatewaySelector' | 'edgeSelector', value: unknown): LabelSelector {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      option,
      `expected labels as an object, e.g. { istio: "ingressgateway" }, got ${describe(value)}.`,
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    fail(
      option,
      'needs at least one label: an empty selector would select every workload in the namespace (or the whole mesh from the root namespace).',
    );
  }
  const labels: Record<string, string> = {};
  for (const [key, label] of entries) {
    const slash = key.lastIndexOf('/');
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const name = slash === -1 ? key : key.slice(slash + 1);
    const keyOk =
      name.length > 0 &&
      name.length <= 63 &&
      LABEL_NAME.test(name) &&
      (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
    if (!keyOk) {
      fail(
        option,
        `"${key}" is not a valid label key (e.g. "istio" or "app.kubernetes.io/name"; no wildcards).`,
      );
    }
    if (
      typeof label !== 'string' ||
      label.length > 63 ||
      (label.length > 0 && !LABEL_NAME.test(label))
    ) {
      fail(
        option,
        `the value of "${key}" (${describe(label)}) is not a valid label value (letters, digits, "-", "_", "." and at most 63 characters; no wildcards).`,
      );
    }
    labels[key] = label;
  }
  return Object.freeze(labels);
}

function headerName(value: unknown): string {
  if (value === undefined) return DEFAULT_PASSPORT_HEADER;
  if (typeof value !== 'string' || !HEADER_TOKEN.test(value.toLowerCase())) {
    fail('header', `${describe(value)} is not a valid HTTP header name (e.g. "passport").`);
  }
  const name = value.toLowerCase();
  if (RESERVED_HEADERS.has(name) || name.startsWith('proxy-') || name.startsWith('x-envoy-')) {
    fail(
      'header',
      `"${name}" cannot be the passport header: the ingress removes it from every client request, and it is a connection header, a credential, or reserved by Envoy.`,
    );
  }
  return name;
}

function externalHost(host: string): string {
  const name = host.toLowerCase();
  if (name.includes('*')) {
    fail('externalHosts', `"${host}": wildcard hosts are not supported; list each external host.`);
  }
  if (!name.includes('.') || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    fail(
      'externalHosts',
      `"${host}" is not a fully qualified external host name (e.g. "api.stripe.com"). Single-label names are in-mesh services.`,
    );
  }
  if (MESH_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
    fail(
      'externalHosts',
      `"${host}" is an in-mesh name: the passport is meant to reach it. List only hosts outside the mesh.`,
    );
  }
  return name;
}

function jwksUri(value: unknown): string {
  if (typeof value !== 'string') {
    fail(
      'jwksUri',
      `plain mode needs the issuer's JWKS URL, e.g. "https://issuer.example.com/.well-known/jwks.json".`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(
      'jwksUri',
      `${describe(value)} is not a URL (e.g. "https://issuer.example.com/.well-known/jwks.json").`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(
      'jwksUri',
      `${describe(value)} must be an http:// or https:// URL (Istio refuses other schemes).`,
    );
  }
  return value;
}

/**
 * Validate options and fill in the defaults. Every manifest function calls it; call it yourself to
 * check options early (at start-up of a build script, say).
 *
 * @throws {IstioOptionsError} naming the bad option and how to fix it.
 * @example
 * ```ts
 * const resolved = resolveIstioOptions({ namespace: 'shop' });
 * resolved.gatewayPrincipals;
 * // ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']
 * ```
 */
export function resolveIstioOptions(options: IstioManifestOptions): ResolvedIstioOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(
      'options',
      `expected an options object such as { namespace: "shop" }, got ${describe(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      fail('options', `unknown option "${key}". Known options: ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }
  const given = options as unknown as Record<keyof IstioManifestOptions, unknown>;
  if (given.namespace === undefined) {
    fail('namespace', 'is required: the namespace your services run in, e.g. "shop".');
  }
  const namespace = namespaceName('namespace', given.namespace);
  const header = headerName(given.header);

  const mode = given.mode ?? 'signed';
  if (mode !== 'signed' && mode !== 'plain') {
    fail('mode', `must be "signed" or "plain", got ${describe(mode)}.`);
  }

  const gatewayNamespace =
    given.gatewayNamespace === undefined
      ? DEFAULT_GATEWAY_NAMESPACE
      : namespaceName('gatewayNamespace', given.gatewayNamespace);
  const gatewaySelector =
    given.gatewaySelector === undefined
      ? ISTIOCTL_GATEWAY_SELECTOR
      : labelSelector('gatewaySelector', given.gatewaySelector);

  let gatewayPrincipals = stringList(
    'gatewayPrincipals',
    given.gatewayPrincipals,
    'cluster.local/ns/istio-ingress/sa/istio-ingress',
  );
  for (const principal of gatewayPrincipals) {
    if (!PRINCIPAL.test(principal)) {
      fail(
        'gatewayPrincipals',
        `"${principal}" is not a workload identity: use <trust domain>/ns/<namespace>/sa/<service account>, e.g. "cluster.local/ns/istio-ingress/sa/istio-ingress".`,
      );
    }
  }
  if (given.gatewayPrincipals !== undefined && gatewayPrincipals.length === 0) {
    fail(
      'gatewayPrincipals',
      'needs at least one identity, or leave it out for the istioctl default.',
    );
  }
  if (gatewayPrincipals.length === 0) {
    const isDefaultSelector =
      Object.keys(gatewaySelector).length === 1 && gatewaySelector.istio === 'ingressgateway';
    if (!isDefaultSelector) {
      fail(
        'gatewayPrincipals',
        `is required with a non-default gatewaySelector: give the gateway's service account, e.g. "cluster.local/ns/${gatewayNamespace}/sa/<Helm release name>" for the Helm gateway chart.`,
      );
    }
    gatewayPrincipals = [
      `cluster.local/ns/${gatewayNamespace}/sa/${ISTIOCTL_GATEWAY_SERVICE_ACCOUNT}`,
    ];
  }

  const externalHosts = [
    ...new Set(
      stringList('externalHosts', given.externalHosts, 'api.stripe.com').map(externalHost),
    ),
  ];

  if (mode === 'signed') {
    for (const option of PLAIN_ONLY) {
      if (given[option] !== undefined) {
        fail(
          option,
          'applies to mode "plain" only (the Istio ingress mints the passport). In signed mode the edge service verifies tokens itself.',
        );
      }
    }
    return Object.freeze({
      namespace,
      header,
      mode,
      gatewaySelector,
      gatewayNamespace,
      gatewayPrincipals: Object.freeze(gatewayPrincipals),
      edgeSelector:
        given.edgeSelector === undefined
          ? DEFAULT_EDGE_SELECTOR
          : labelSelector('edgeSelector', given.edgeSelector),
      issuer: undefined,
      jwksUri: undefined,
      audiences: Object.freeze([]),
      gatewayHosts: Object.freeze([]),
      externalHosts: Object.freeze(externalHosts),
    });
  }

  if (given.edgeSelector !== undefined) {
    fail(
      'edgeSelector',
      'applies to mode "signed" only: in plain mode the Istio ingress mints the passport, there is no edge service.',
    );
  }
  if (
    typeof given.issuer !== 'string' ||
    given.issuer.length === 0 ||
    !NO_SPACE.test(given.issuer)
  ) {
    fail(
      'issuer',
      `plain mode needs the users' token issuer (the "iss" claim), e.g. "https://issuer.example.com"; got ${describe(given.issuer)}.`,
    );
  }
  return Object.freeze({
    namespace,
    header,
    mode,
    gatewaySelector,
    gatewayNamespace,
    gatewayPrincipals: Object.freeze(gatewayPrincipals),
    edgeSelector: undefined,
    issuer: given.issuer,
    jwksUri: jwksUri(given.jwksUri),
    audiences: Object.freeze(stringList('audiences', given.audiences, 'api.example.com')),
    gatewayHosts: Object.freeze(stringList('gatewayHosts', given.gatewayHosts, 'shop.example.com')),
    externalHosts: Object.freeze(externalHosts),
  });
}
