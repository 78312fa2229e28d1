import { isConnectionOrCredentialHeader } from '@passport-relay/core/adapter';
import { IstioOptionsError } from './errors.js';
import { GoUrlError, goUrlHostname, goUrlParse, goUrlParseRequestUri } from './internal/go-url.js';

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
 * Where the mesh's L7 policy runs.
 *
 * - `sidecar`: an Envoy sidecar in every pod (`istio-injection=enabled`).
 * - `ambient`: no sidecars. ztunnel on each node does mTLS and L4 policy; L7 policy (the passport
 *   requirement) runs in a waypoint proxy, to which the policies attach by `targetRefs`. The
 *   namespace must be labelled `istio.io/dataplane-mode=ambient`, `istio.io/use-waypoint=<waypoint>`
 *   and `istio.io/ingress-use-waypoint=true` (see the README's ambient section).
 *
 * @example
 * ```ts
 * passportManifests({ namespace: 'shop', dataplane: 'ambient' });
 * ```
 */
export type Dataplane = 'sidecar' | 'ambient';

/**
 * Which token the services carry, as in `@passport-relay/core`.
 *
 * - `passport`: passport-relay's own passport (signed or plain, see {@link PassportMode}); the
 *   mesh requires the passport header to be present and the SDK verifies it.
 * - `txn-token`: an IETF Transaction Token (draft-ietf-oauth-transaction-tokens), minted by the
 *   edge (as a local TTS) or a Transaction Token Service. The mesh itself verifies it at every
 *   workload (a RequestAuthentication reading the `txn-token` header: signature, `iss`, `aud` equal
 *   to the trust domain, `exp`) and refuses requests without a valid one, before the app runs. The
 *   SDK still checks what Envoy cannot (`typ: txntoken+jwt`, the required claims). Needs
 *   `trustDomain`, `issuer` and `jwksUri`; signed mode only.
 *
 * @example
 * ```ts
 * passportManifests({
 *   namespace: 'shop',
 *   profile: 'txn-token',
 *   trustDomain: 'shop.example.com',
 *   issuer: 'https://tts.example.com',
 *   jwksUri: 'https://tts.example.com/.well-known/jwks.json',
 * });
 * ```
 */
export type TokenProfile = 'passport' | 'txn-token';

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
   * `sidecar` or `ambient` (ztunnel plus a waypoint proxy for L7 policy).
   * @default "sidecar"
   */
  readonly dataplane?: Dataplane;
  /**
   * The Kubernetes Gateway API `Gateway` (`gatewayClassName: istio`) that is your ingress, in
   * `gatewayNamespace`. When set, the ingress RequestAuthentication and AuthorizationPolicy attach
   * to it by `targetRefs`, and the strip EnvoyFilter selects its pods by the label Istio gives them
   * (`gateway.networking.k8s.io/gateway-name`). Excludes `gatewaySelector`.
   * @default undefined (an Istio `Gateway` ingress, selected by `gatewaySelector`)
   */
  readonly gatewayName?: string;
  /**
   * Ambient only: the waypoint (a Gateway API `Gateway` of class `istio-waypoint` in `namespace`)
   * that enforces the passport requirement. This package emits it.
   * @default "waypoint"
   */
  readonly waypointName?: string;
  /**
   * Ambient and signed only: the Kubernetes `Service` of the edge workload running
   * `@passport-relay/gateway` (a waypoint policy targets Services, not pod labels).
   * @default "gateway"
   */
  readonly edgeService?: string;
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
  /**
   * `passport` (passport-relay's own token) or `txn-token` (IETF Transaction Tokens, verified by
   * the mesh at every workload). `txn-token` needs mode `signed`.
   * @default "passport"
   */
  readonly profile?: TokenProfile;
  /**
   * Profile `txn-token`, required: the trust domain, which every Txn-Token names as its `aud` and
   * every workload's RequestAuthentication accepts as its only audience.
   */
  readonly trustDomain?: string;
  /**
   * Profile `txn-token`: the header the Txn-Token travels in (the draft's `Txn-Token`). Lower-cased.
   * @default "txn-token"
   */
  readonly txnTokenHeader?: string;
  /**
   * Required in plain mode: the `iss` of the users' tokens. Required in profile `txn-token`: the
   * `iss` of the Txn-Tokens (the edge acting as a local TTS, or your Transaction Token Service).
   */
  readonly issuer?: string;
  /**
   * Required in plain mode: where the ingress fetches the issuer's keys (http or https URL).
   * Required in profile `txn-token`: the JWKS of the Txn-Token issuer, which istiod fetches (it
   * must be reachable from istiod, see the README).
   */
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
  readonly dataplane: Dataplane;
  readonly profile: TokenProfile;
  /** Set in profile `txn-token` only. */
  readonly trustDomain: string | undefined;
  /** Set in profile `txn-token` only. */
  readonly txnTokenHeader: string | undefined;
  /** Labels of the ingress pods (with `gatewayName`, the label Istio gives that Gateway's pods). */
  readonly gatewaySelector: LabelSelector;
  /** Set when the ingress is a Gateway API `Gateway`. */
  readonly gatewayName: string | undefined;
  /** Set in ambient mode only. */
  readonly waypointName: string | undefined;
  /** Set in ambient signed mode only. */
  readonly edgeService: string | undefined;
  readonly gatewayNamespace: string;
  readonly gatewayPrincipals: readonly string[];
  /** Set in sidecar signed mode only. */
  readonly edgeSelector: LabelSelector | undefined;
  /** Set in plain mode and in profile `txn-token` only. */
  readonly issuer: string | undefined;
  /** Set in plain mode and in profile `txn-token` only. */
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
 * The Txn-Token header used when none is given: the draft's `Txn-Token`, lower case as Envoy and
 * HTTP/2 see it (as in `@passport-relay/core`'s txn-token profile).
 *
 * @example
 * ```ts
 * `fromHeaders: [{ name: ${DEFAULT_TXN_TOKEN_HEADER} }]`; // 'fromHeaders: [{ name: txn-token }]'
 * ```
 */
export const DEFAULT_TXN_TOKEN_HEADER = 'txn-token';

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

/**
 * The label Istio puts on the pods it deploys for a Gateway API `Gateway`, valued with the
 * Gateway's name: what the strip EnvoyFilter selects when `gatewayName` is set.
 *
 * @example
 * ```ts
 * ({ [GATEWAY_NAME_LABEL]: 'ingress' }); // the pods of Gateway "ingress"
 * ```
 */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/**
 * The waypoint's name when none is given (what `istioctl waypoint apply` creates).
 *
 * @example
 * ```ts
 * DEFAULT_WAYPOINT_NAME; // 'waypoint'
 * ```
 */
export const DEFAULT_WAYPOINT_NAME = 'waypoint';

/**
 * The edge Service's name in ambient signed mode when none is given.
 *
 * @example
 * ```ts
 * DEFAULT_EDGE_SERVICE; // 'gateway'
 * ```
 */
export const DEFAULT_EDGE_SERVICE = 'gateway';

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof IstioManifestOptions>([
  'namespace',
  'header',
  'mode',
  'dataplane',
  'profile',
  'trustDomain',
  'txnTokenHeader',
  'gatewayName',
  'waypointName',
  'edgeService',
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
/** SPIFFE trust domain, namespace (DNS label), service account (DNS subdomain). */
const PRINCIPAL =
  /^[a-z0-9._-]+\/ns\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/sa\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Printable, no whitespace, no control characters: what a claim value or header value can be. */
const PRINTABLE = /^[^\s\p{Cc}]+$/u;
/**
 * A Host header pattern as AuthorizationPolicy `hosts` matches it: a host name, optionally with a
 * port, or Istio's prefix/suffix wildcard (`*.example.com`, `example.*`, `*`).
 */
const HOST_PATTERN =
  /^(\*|(\*\.?)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5}|:\*)?|[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.?\*)$/;

/** Host suffixes of in-mesh names: the passport is meant to go there, so they are not external. */
const MESH_SUFFIXES = ['.svc', '.cluster.local', '.local'];

type OptionName = keyof IstioManifestOptions | 'options';

function fail(option: OptionName, reason: string): never {
  throw new IstioOptionsError(option, reason);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

function namespaceName(option: 'namespace' | 'gatewayNamespace', value: unknown): string {
  return dnsLabel(
    option,
    value,
    'is not a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters, e.g. "shop").',
  );
}

/** An RFC 1123 label (namespaces, object names that are also label values), or the option fails. */
function dnsLabel(option: OptionName, value: unknown, rule: string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > 63 ||
    !DNS_LABEL.test(value)
  ) {
    fail(option, `${describe(value)} ${rule}`);
  }
  return value;
}

/**
 * The name of an object this package refers to (a Gateway, a Service), which also lands in a label
 * value or a service account name: an RFC 1123 label, at most 63 characters.
 */
function objectName(
  option: 'gatewayName' | 'waypointName' | 'edgeService',
  value: unknown,
  example: string,
): string {
  const name = dnsLabel(
    option,
    value,
    `is not a Kubernetes object name usable here (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters, since it is also a label value), e.g. "${example}".`,
  );
  if (option === 'edgeService' && !/^[a-z]/.test(name)) {
    fail(option, `"${name}" is not a Service name: it must start with a letter (RFC 1035).`);
  }
  return name;
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
    if (typeof item !== 'string' || item.length === 0 || !PRINTABLE.test(item)) {
      fail(
        option,
        `${describe(item)} is not allowed: every entry must be a non-empty string without spaces or control characters (Istio refuses empty values), e.g. "${example}".`,
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

function headerName(option: 'header' | 'txnTokenHeader', value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  const what = option === 'header' ? 'passport' : 'Txn-Token';
  // Envoy's HTTP_HEADER_NAME rule, minus the pseudo-header colon, and lower case (HTTP/2 and
  // Envoy's header maps are lower case): an RFC 9110 token.
  if (typeof value !== 'string' || value.length > 256 || !HEADER_TOKEN.test(value.toLowerCase())) {
    fail(
      option,
      `${describe(value)} is not a valid HTTP header name (an RFC 9110 token of at most 256 characters, e.g. "${fallback}").`,
    );
  }
  const name = value.toLowerCase();
  // Removing a connection header or a credential at the ingress would break requests; core's list
  // is the one the relay itself refuses as a passport header. `x-envoy-*` is Envoy's own.
  if (isConnectionOrCredentialHeader(name) || name.startsWith('x-envoy-')) {
    fail(
      option,
      `"${name}" cannot be the ${what} header: the ingress removes it from every client request, and it is a connection header, a credential, or reserved by Envoy.`,
    );
  }
  return name;
}

/**
 * The trust domain, written as the one entry of the workloads' `jwtRules[].audiences`: the CRD
 * requires a non-empty string, and like every audience here it has no whitespace or control
 * characters (a JWT `aud` compared byte for byte; a space would never match a real token).
 */
function trustDomain(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || !PRINTABLE.test(value)) {
    fail(
      'trustDomain',
      `profile "txn-token" needs the trust domain every Txn-Token names as its "aud" (a non-empty string without spaces or control characters), e.g. "shop.example.com"; got ${describe(value)}.`,
    );
  }
  return value;
}

/**
 * The issuer as it lands in a `jwtRules[].issuer` and, in profile `txn-token`, in the
 * `requestPrincipals` pattern `<issuer>/*`: no whitespace or control characters, and no `*`, which
 * Istio would read as a wildcard there.
 */
function issuer(value: unknown, why: string): string {
  if (typeof value !== 'string' || value.length === 0 || !PRINTABLE.test(value)) {
    fail(
      'issuer',
      `${why} (the "iss" claim, no spaces or control characters), e.g. "https://issuer.example.com"; got ${describe(value)}.`,
    );
  }
  return value;
}

/** The VirtualService made for an external host is named after it; the name must stay valid. */
const EXTERNAL_HOST_NAME_PREFIX = 'passport-relay-strip-passport-';

function externalHost(host: string): string {
  const name = host.toLowerCase();
  if (name.includes('*')) {
    fail('externalHosts', `"${host}": wildcard hosts are not supported; list each external host.`);
  }
  if (
    !name.includes('.') ||
    name.length > 253 - EXTERNAL_HOST_NAME_PREFIX.length ||
    !DNS_SUBDOMAIN.test(name) ||
    name.split('.').some((label) => label.length > 63)
  ) {
    fail(
      'externalHosts',
      `"${host}" is not a fully qualified external host name of at most ${253 - EXTERNAL_HOST_NAME_PREFIX.length} characters (e.g. "api.stripe.com"). Single-label names are in-mesh services.`,
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

function gatewayHost(host: string): string {
  if (!HOST_PATTERN.test(host)) {
    fail(
      'gatewayHosts',
      `"${host}" is not a host as the ingress sees it: a lower-case host name with an optional port, or one "*" at the start or end ("*.shop.example.com"), e.g. "shop.example.com".`,
    );
  }
  return host;
}

function principal(value: string): string {
  if (!PRINCIPAL.test(value)) {
    fail(
      'gatewayPrincipals',
      `"${value}" is not a workload identity: use <trust domain>/ns/<namespace>/sa/<service account>, lower case, e.g. "cluster.local/ns/istio-ingress/sa/istio-ingress".`,
    );
  }
  return value;
}

/**
 * The JWKS URL as the cluster checks it: the API server's CEL rule `url(self).getScheme() in
 * ["http", "https"]` (Go's `url.ParseRequestURI` then `url.Parse`), istiod's `url.Parse` with an
 * http(s) scheme, a host and a numeric port, and Envoy, which fetches it (no whitespace in the
 * request line). Checked with Go's parser, not WHATWG `new URL()`, which would trim a leading space
 * that the cluster refuses. Written exactly as given.
 */
function jwksUri(value: unknown): string {
  const example = 'https://issuer.example.com/.well-known/jwks.json';
  if (typeof value !== 'string') {
    fail(
      'jwksUri',
      `plain mode and profile "txn-token" need the token issuer's JWKS URL, e.g. "${example}".`,
    );
  }
  let scheme: string;
  let hostname: string;
  let host: string;
  try {
    goUrlParseRequestUri(value);
    const url = goUrlParse(value);
    scheme = url.scheme;
    host = url.host;
    hostname = goUrlHostname(url);
  } catch (error) {
    if (!(error instanceof GoUrlError)) throw error;
    fail(
      'jwksUri',
      `${describe(value)} is not a URL the cluster accepts (Go's URL parser, used by the API server and istiod, says: ${error.message}). Give an absolute http(s) URL with no surrounding spaces, e.g. "${example}".`,
    );
  }
  if (scheme !== 'https' && scheme !== 'http') {
    fail(
      'jwksUri',
      `${describe(value)} must be an http:// or https:// URL (the CRD's CEL rule and istiod refuse other schemes), e.g. "${example}".`,
    );
  }
  if (hostname === '') {
    fail('jwksUri', `${describe(value)} has no host, e.g. "${example}".`);
  }
  const port = /:([0-9]*)$/.exec(host)?.[1];
  // An empty port ("host:") is no port to Go and istiod, as here.
  if (port !== undefined && port !== '' && !(Number(port) >= 1 && Number(port) <= 65535)) {
    fail('jwksUri', `${describe(value)} has port "${port}"; give one from 1 to 65535 or none.`);
  }
  if (/\s/.test(value) || /[^\x21-\x7e]/.test(value)) {
    fail(
      'jwksUri',
      `${describe(value)} contains whitespace or non-ASCII characters: Envoy sends the path in the request line, where they are not allowed. Percent-encode them.`,
    );
  }
  return value;
}

function oneOf<T extends string>(option: OptionName, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    fail(
      option,
      `must be ${allowed.map((item) => `"${item}"`).join(' or ')}, got ${describe(value)}.`,
    );
  }
  return value as T;
}

function refuse(given: Record<string, unknown>, options: readonly OptionName[], why: string): void {
  for (const option of options) {
    if (given[option] !== undefined) fail(option, why);
  }
}

/**
 * Validate options and fill in the defaults. Every manifest function calls it; call it yourself to
 * check options early (at start-up of a build script, say).
 *
 * Every string that lands in a manifest is checked the way the cluster checks it (Kubernetes name
 * and label rules, Envoy's header-name rule, Go's URL parser for `jwksUri`) and written exactly as
 * checked.
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
  const header = headerName('header', given.header, DEFAULT_PASSPORT_HEADER);
  const mode = oneOf('mode', given.mode ?? 'signed', ['signed', 'plain'] as const);
  const profile = oneOf('profile', given.profile ?? 'passport', ['passport', 'txn-token'] as const);
  const dataplane = oneOf('dataplane', given.dataplane ?? 'sidecar', [
    'sidecar',
    'ambient',
  ] as const);

  const gatewayNamespace =
    given.gatewayNamespace === undefined
      ? DEFAULT_GATEWAY_NAMESPACE
      : namespaceName('gatewayNamespace', given.gatewayNamespace);

  // The ingress: an Istio `Gateway` deployment selected by labels, or a Gateway API `Gateway`.
  let gatewayName: string | undefined;
  let gatewaySelector: LabelSelector;
  if (given.gatewayName !== undefined) {
    refuse(
      given,
      ['gatewaySelector'],
      `cannot be combined with gatewayName: the pods of a Gateway API Gateway are selected by the label Istio gives them (${GATEWAY_NAME_LABEL}).`,
    );
    gatewayName = objectName('gatewayName', given.gatewayName, 'ingress');
    gatewaySelector = Object.freeze({ [GATEWAY_NAME_LABEL]: gatewayName });
  } else {
    gatewaySelector =
      given.gatewaySelector === undefined
        ? ISTIOCTL_GATEWAY_SELECTOR
        : labelSelector('gatewaySelector', given.gatewaySelector);
  }

  let gatewayPrincipals = stringList(
    'gatewayPrincipals',
    given.gatewayPrincipals,
    'cluster.local/ns/istio-ingress/sa/istio-ingress',
  ).map(principal);
  if (given.gatewayPrincipals !== undefined && gatewayPrincipals.length === 0) {
    fail(
      'gatewayPrincipals',
      'needs at least one identity, or leave it out for the istioctl default.',
    );
  }
  if (gatewayPrincipals.length === 0) {
    const isDefaultSelector =
      Object.keys(gatewaySelector).length === 1 && gatewaySelector.istio === 'ingressgateway';
    if (gatewayName !== undefined) {
      // Istio deploys a Gateway API Gateway as `<name>-<class>` with a service account of that name.
      gatewayPrincipals = [`cluster.local/ns/${gatewayNamespace}/sa/${gatewayName}-istio`];
    } else if (isDefaultSelector) {
      gatewayPrincipals = [
        `cluster.local/ns/${gatewayNamespace}/sa/${ISTIOCTL_GATEWAY_SERVICE_ACCOUNT}`,
      ];
    } else {
      fail(
        'gatewayPrincipals',
        `is required with a non-default gatewaySelector: give the gateway's service account, e.g. "cluster.local/ns/${gatewayNamespace}/sa/<Helm release name>" for the Helm gateway chart.`,
      );
    }
  }

  const externalHosts = [
    ...new Set(
      stringList('externalHosts', given.externalHosts, 'api.stripe.com').map(externalHost),
    ),
  ];

  let waypointName: string | undefined;
  if (dataplane === 'ambient') {
    refuse(
      given,
      ['externalHosts'],
      'is not supported in ambient mode: stripping on the way out needs an egress waypoint for each ServiceEntry, which this package does not manage. The SDK never sends the passport off its allowlist; that is the guard there.',
    );
    refuse(
      given,
      ['edgeSelector'],
      'applies to dataplane "sidecar" only: a waypoint policy targets a Service, so give edgeService (the edge Service\'s name) instead.',
    );
    waypointName =
      given.waypointName === undefined
        ? DEFAULT_WAYPOINT_NAME
        : objectName('waypointName', given.waypointName, DEFAULT_WAYPOINT_NAME);
  } else {
    refuse(
      given,
      ['waypointName', 'edgeService'],
      'applies to dataplane "ambient" only (sidecars enforce policy in each pod; there is no waypoint).',
    );
  }

  let txn: Pick<ResolvedIstioOptions, 'trustDomain' | 'txnTokenHeader' | 'issuer' | 'jwksUri'> = {
    trustDomain: undefined,
    txnTokenHeader: undefined,
    issuer: undefined,
    jwksUri: undefined,
  };
  if (profile === 'txn-token') {
    if (mode !== 'signed') {
      fail(
        'mode',
        'profile "txn-token" needs mode "signed": a Txn-Token is a signed JWT minted by the edge or a Transaction Token Service, never the unsigned payload plain mode writes.',
      );
    }
    refuse(
      given,
      PLAIN_ONLY.filter((option) => option !== 'issuer' && option !== 'jwksUri'),
      'applies to mode "plain" only. In profile "txn-token" the audience is trustDomain.',
    );
    const txnTokenHeader = headerName(
      'txnTokenHeader',
      given.txnTokenHeader,
      DEFAULT_TXN_TOKEN_HEADER,
    );
    if (txnTokenHeader === header) {
      fail(
        'txnTokenHeader',
        `"${txnTokenHeader}" is also the passport header: give the Txn-Token its own header (the draft's is "${DEFAULT_TXN_TOKEN_HEADER}").`,
      );
    }
    const txnIssuer = issuer(
      given.issuer,
      'profile "txn-token" needs the issuer of the Txn-Tokens (the edge or your Transaction Token Service)',
    );
    if (txnIssuer.includes('*')) {
      fail(
        'issuer',
        `"${txnIssuer}" contains "*": the workloads require the request principal "<issuer>/*", where Istio would read it as a wildcard.`,
      );
    }
    txn = {
      trustDomain: trustDomain(given.trustDomain),
      txnTokenHeader,
      issuer: txnIssuer,
      jwksUri: jwksUri(given.jwksUri),
    };
  } else {
    refuse(
      given,
      ['trustDomain', 'txnTokenHeader'],
      'applies to profile "txn-token" only (add profile: "txn-token", CLI --profile txn-token).',
    );
  }

  const common = {
    namespace,
    header,
    mode,
    dataplane,
    profile,
    trustDomain: txn.trustDomain,
    txnTokenHeader: txn.txnTokenHeader,
    gatewaySelector,
    gatewayName,
    waypointName,
    gatewayNamespace,
    gatewayPrincipals: Object.freeze(gatewayPrincipals),
    externalHosts: Object.freeze(externalHosts),
  };

  if (mode === 'signed') {
    if (profile === 'passport') {
      refuse(
        given,
        PLAIN_ONLY,
        'applies to mode "plain" only (the Istio ingress mints the passport), or to profile "txn-token" for issuer and jwksUri. In signed mode the edge service verifies tokens itself.',
      );
    }
    const ambient = dataplane === 'ambient';
    return Object.freeze({
      ...common,
      edgeSelector: ambient
        ? undefined
        : given.edgeSelector === undefined
          ? DEFAULT_EDGE_SELECTOR
          : labelSelector('edgeSelector', given.edgeSelector),
      edgeService: !ambient
        ? undefined
        : given.edgeService === undefined
          ? DEFAULT_EDGE_SERVICE
          : objectName('edgeService', given.edgeService, DEFAULT_EDGE_SERVICE),
      issuer: txn.issuer,
      jwksUri: txn.jwksUri,
      audiences: Object.freeze([]),
      gatewayHosts: Object.freeze([]),
    });
  }

  refuse(
    given,
    ['edgeSelector', 'edgeService'],
    'applies to mode "signed" only: in plain mode the Istio ingress mints the passport, there is no edge service.',
  );
  return Object.freeze({
    ...common,
    edgeSelector: undefined,
    edgeService: undefined,
    issuer: issuer(given.issuer, "plain mode needs the users' token issuer"),
    jwksUri: jwksUri(given.jwksUri),
    audiences: Object.freeze(stringList('audiences', given.audiences, 'api.example.com')),
    gatewayHosts: Object.freeze(
      stringList('gatewayHosts', given.gatewayHosts, 'shop.example.com').map(gatewayHost),
    ),
  });
}
