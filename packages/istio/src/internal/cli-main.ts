import { parseArgs } from 'node:util';
import { IstioOptionsError } from '../errors.js';
import { passportManifests } from '../manifests.js';
import type { IstioManifestOptions, LabelSelector, PassportMode } from '../options.js';
import { toYaml } from '../to-yaml.js';

/** Where the CLI writes; injected so tests can run it in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const CLI_NAME = 'passport-relay-istio';

/** Exit status for a bad flag or option (as with most Unix tools' usage errors). */
export const EXIT_USAGE = 2;

export const HELP = `Usage: ${CLI_NAME} --namespace <name> [options]

Print the Istio manifests passport-relay needs for one namespace, as multi-document YAML:

  ${CLI_NAME} --namespace shop | kubectl apply -f -

Options:
  -n, --namespace <name>          namespace of your services (required)
      --mode <signed|plain>       signed: an edge service (@passport-relay/gateway) signs
                                  passports (default); plain: the Istio ingress mints them
                                  from the user's JWT
      --header <name>             passport header name (default: passport)
      --profile <passport|txn-token>
                                  passport (default) or txn-token: IETF Transaction
                                  Tokens, verified by every workload's proxy (or the
                                  waypoint) before the app runs; signed mode only
      --trust-domain <aud>        txn-token: the trust domain, the tokens' "aud" (required)
      --txn-token-header <name>   txn-token: the Txn-Token header (default: txn-token)
      --dataplane <sidecar|ambient>
                                  sidecar (default) or ambient: ztunnel plus a waypoint
                                  that enforces the passport requirement (label the
                                  namespace istio.io/dataplane-mode=ambient,
                                  istio.io/use-waypoint=<waypoint> and
                                  istio.io/ingress-use-waypoint=true)
      --waypoint <name>           ambient: the waypoint's name (default: waypoint)
      --edge-service <name>       ambient, signed mode: the edge Service's name (default:
                                  gateway)
      --gateway-name <name>       the ingress is this Kubernetes Gateway API Gateway
                                  (gatewayClassName istio) in --gateway-namespace; its
                                  policies attach by targetRefs (excludes --gateway-selector)
      --gateway-selector <k=v>    ingress gateway pod labels; repeat the flag or separate
                                  with commas (default: istio=ingressgateway, as istioctl
                                  installs it; the Helm gateway chart labels its pods
                                  istio=<release name without "istio-">, e.g. istio=ingress)
      --gateway-namespace <name>  namespace of the ingress gateway (default: istio-system)
      --gateway-principal <id>    identity of the ingress gateway, repeatable (default:
                                  cluster.local/ns/<gateway-namespace>/sa/istio-ingressgateway-service-account;
                                  required with a non-default --gateway-selector, e.g.
                                  cluster.local/ns/istio-ingress/sa/istio-ingress for Helm)
      --edge-selector <k=v>       signed mode: labels of the edge service that mints
                                  passports (default: app=gateway)
      --issuer <iss>              plain mode: issuer of the users' tokens; txn-token: issuer
                                  of the Txn-Tokens (the edge or your TTS) (required)
      --jwks-uri <url>            plain mode, txn-token: the issuer's JWKS URL (required)
      --audience <aud>            plain mode: accepted token audience, repeatable (default: any)
      --gateway-host <host>       plain mode: host on which the ingress refuses requests
                                  without a token, repeatable (default: every host)
      --external-host <host>      external host (declared in a ServiceEntry) whose requests
                                  the sidecars strip the passport from, repeatable
  -h, --help                      print this help

Exit status: 0 on success, ${EXIT_USAGE} on a bad flag or option.
`;

const FLAGS = {
  namespace: { type: 'string', short: 'n', multiple: true },
  mode: { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
  dataplane: { type: 'string', multiple: true },
  profile: { type: 'string', multiple: true },
  'trust-domain': { type: 'string', multiple: true },
  'txn-token-header': { type: 'string', multiple: true },
  waypoint: { type: 'string', multiple: true },
  'edge-service': { type: 'string', multiple: true },
  'gateway-name': { type: 'string', multiple: true },
  'gateway-selector': { type: 'string', multiple: true },
  'gateway-namespace': { type: 'string', multiple: true },
  'gateway-principal': { type: 'string', multiple: true },
  'edge-selector': { type: 'string', multiple: true },
  issuer: { type: 'string', multiple: true },
  'jwks-uri': { type: 'string', multiple: true },
  audience: { type: 'string', multiple: true },
  'gateway-host': { type: 'string', multiple: true },
  'external-host': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const REPEATABLE: ReadonlySet<string> = new Set([
  'gateway-selector',
  'gateway-principal',
  'edge-selector',
  'audience',
  'gateway-host',
  'external-host',
]);

/** The flag of each option, to word errors in the CLI's terms. */
const FLAG_OF: Readonly<Record<keyof IstioManifestOptions, string>> = {
  namespace: '--namespace',
  mode: '--mode',
  header: '--header',
  dataplane: '--dataplane',
  profile: '--profile',
  trustDomain: '--trust-domain',
  txnTokenHeader: '--txn-token-header',
  gatewayName: '--gateway-name',
  waypointName: '--waypoint',
  edgeService: '--edge-service',
  gatewaySelector: '--gateway-selector',
  gatewayNamespace: '--gateway-namespace',
  gatewayPrincipals: '--gateway-principal',
  edgeSelector: '--edge-selector',
  issuer: '--issuer',
  jwksUri: '--jwks-uri',
  audiences: '--audience',
  gatewayHosts: '--gateway-host',
  externalHosts: '--external-host',
};

class UsageError extends Error {}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function suggestion(flag: string): string {
  const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of Object.keys(FLAGS)) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` Did you mean --${best}?`;
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown flag "${quoted}".${suggestion(quoted)}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(
        `unexpected argument "${quoted}": every value follows its flag, e.g. --namespace shop.`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /--[a-z-]+/.exec(message)?.[0] ?? 'a flag';
      throw new UsageError(`${flag} needs a value, e.g. ${flag}=<value>.`);
    }
    throw new UsageError(message);
  }
}

function single(values: Record<string, unknown>, flag: string): string | undefined {
  const list = values[flag] as string[] | undefined;
  if (list === undefined) return undefined;
  if (list.length > 1 && !REPEATABLE.has(flag)) {
    throw new UsageError(`--${flag} was given ${list.length} times; give it once.`);
  }
  return list[0];
}

function list(values: Record<string, unknown>, flag: string): string[] | undefined {
  const given = values[flag] as string[] | undefined;
  return given?.flatMap((value) => value.split(',')).map((value) => value.trim());
}

function selector(values: Record<string, unknown>, flag: string): LabelSelector | undefined {
  const pairs = list(values, flag);
  if (pairs === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      throw new UsageError(
        `--${flag}: expected key=value (e.g. --${flag} istio=ingressgateway), got "${pair}".`,
      );
    }
    const key = pair.slice(0, equals);
    if (key in labels) {
      throw new UsageError(`--${flag}: label "${key}" is given twice.`);
    }
    labels[key] = pair.slice(equals + 1);
  }
  return labels;
}

function toOptions(values: Record<string, unknown>): IstioManifestOptions {
  const namespace = single(values, 'namespace');
  if (namespace === undefined) {
    throw new UsageError(
      '--namespace is required: the namespace your services run in, e.g. --namespace shop.',
    );
  }
  const options: Record<string, unknown> = {
    namespace,
    mode: single(values, 'mode') as PassportMode | undefined,
    header: single(values, 'header'),
    dataplane: single(values, 'dataplane'),
    profile: single(values, 'profile'),
    trustDomain: single(values, 'trust-domain'),
    txnTokenHeader: single(values, 'txn-token-header'),
    gatewayName: single(values, 'gateway-name'),
    waypointName: single(values, 'waypoint'),
    edgeService: single(values, 'edge-service'),
    gatewaySelector: selector(values, 'gateway-selector'),
    gatewayNamespace: single(values, 'gateway-namespace'),
    gatewayPrincipals: list(values, 'gateway-principal'),
    edgeSelector: selector(values, 'edge-selector'),
    issuer: single(values, 'issuer'),
    jwksUri: single(values, 'jwks-uri'),
    audiences: list(values, 'audience'),
    gatewayHosts: list(values, 'gateway-host'),
    externalHosts: list(values, 'external-host'),
  };
  for (const key of Object.keys(options)) {
    if (options[key] === undefined) delete options[key];
  }
  return options as unknown as IstioManifestOptions;
}

/** Word a library error in flags: `gatewaySelector` becomes `--gateway-selector`. */
function inFlags(error: IstioOptionsError): string {
  let reason = error.reason;
  // Only camelCase names: "mode" or "issuer" are also plain words in the reasons.
  for (const [option, flag] of Object.entries(FLAG_OF)) {
    if (/[A-Z]/.test(option)) reason = reason.replace(new RegExp(`\\b${option}\\b`, 'g'), flag);
  }
  const flag = error.option === 'options' ? undefined : FLAG_OF[error.option];
  return flag === undefined ? reason : `${flag}: ${reason}`;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Run the CLI: parse `argv`, print the manifests (or help) and return the exit status.
 * Never throws for bad input; unexpected errors propagate.
 */
export function runCli(argv: readonly string[], io: CliIo): number {
  try {
    const values = parseFlags(argv);
    if (values.help === true) {
      io.stdout(HELP);
      return 0;
    }
    const manifests = passportManifests(toOptions(values));
    const command = [CLI_NAME, ...argv].map(shellQuote).join(' ');
    io.stdout(`# Generated by: ${command}\n${toYaml(manifests)}`);
    return 0;
  } catch (error) {
    let message: string;
    if (error instanceof UsageError) message = error.message;
    else if (error instanceof IstioOptionsError) message = inFlags(error);
    else throw error;
    io.stderr(`${CLI_NAME}: ${message}\nRun "${CLI_NAME} --help" for the options.\n`);
    return EXIT_USAGE;
  }
}
