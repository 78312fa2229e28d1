import { BlockList, isIP } from 'node:net';
import { badOption } from './errors.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Where a passport may go when no `propagateTo` is given: in-cluster names and loopback.
 *
 * - `*`: a single-label host (`orders`), as Kubernetes resolves within a namespace
 * - `*.svc`, `*.svc.cluster.local`, `*.cluster.local`: cluster service names
 * - `localhost`, `127.0.0.0/8`, `::1`: loopback
 *
 * @example
 * ```ts
 * createRelay({ codec, propagateTo: [...DEFAULT_PROPAGATE_TO, '*.internal.example'] });
 * ```
 */
export const DEFAULT_PROPAGATE_TO: readonly string[] = Object.freeze([
  '*',
  '*.svc',
  '*.svc.cluster.local',
  '*.cluster.local',
  'localhost',
  '127.0.0.0/8',
  '::1',
]);

/**
 * Hosts that never receive a passport, whatever the patterns say: cloud instance metadata services
 * (which hand out credentials) and link-local addresses. Every major cloud's names and addresses:
 *
 * - link-local `169.254.0.0/16` and `fe80::/10`: AWS, Azure, GCP, Oracle, DigitalOcean, Hetzner,
 *   OpenStack, Huawei, Baidu, Tencent (`169.254.0.23`) all serve metadata from there
 * - AWS: `fd00:ec2::254` (IMDS over IPv6), `instance-data`, `instance-data.ec2.internal`
 * - Google Cloud: `metadata`, `metadata.google.internal`, `metadata.goog`
 * - Azure: `168.63.129.16` (the WireServer and its host agent)
 * - Alibaba Cloud: `100.100.100.200`
 * - Oracle Cloud: `192.0.0.192` (legacy metadata), `fd00:c1::a9fe:a9fe` (IMDS over IPv6)
 * - Tencent Cloud: `metadata.tencentyun.com`
 * - IBM Cloud: `api.metadata.cloud.ibm.com`
 * - Equinix Metal: `metadata.platformequinix.com`, `metadata.packet.net`
 *
 * @example
 * ```ts
 * NEVER_PROPAGATE_TO.includes('metadata.google.internal'); // true: never sent there
 * ```
 */
export const NEVER_PROPAGATE_TO: readonly string[] = Object.freeze([
  '169.254.0.0/16',
  'fe80::/10',
  'fd00:ec2::254',
  '100.100.100.200',
  '168.63.129.16',
  '192.0.0.192',
  'fd00:c1::a9fe:a9fe',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'api.metadata.cloud.ibm.com',
  'metadata.platformequinix.com',
  'metadata.packet.net',
]);

/**
 * A compiled `propagateTo` list: one decision per host name, memoised.
 *
 * @example
 * ```ts
 * const policy: DestinationPolicy = relay.policy;
 * policy.allows('orders'); // true with the default list
 * ```
 */
export interface DestinationPolicy {
  /** The patterns as given, for diagnostics. */
  readonly patterns: readonly string[];
  /** Whether a passport may be sent to this host name (or IP literal). */
  allows(hostname: string): boolean;
}

const HOST_CHARS = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/;
const MAX_MEMO = 4096;

interface Matcher {
  readonly exact: Set<string>;
  readonly suffixes: string[];
  singleLabel: boolean;
  readonly addresses: BlockList;
}

function ipFamily(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 4 ? 'ipv4' : 'ipv6';
}

function addAddressPattern(list: BlockList, pattern: string, where: string): boolean {
  const slash = pattern.indexOf('/');
  const address = slash < 0 ? pattern : pattern.slice(0, slash);
  if (isIP(address) === 0) return false;
  const family = ipFamily(address);
  if (slash < 0) {
    list.addAddress(address, family);
    return true;
  }
  const bits = Number(pattern.slice(slash + 1));
  const max = family === 'ipv4' ? 32 : 128;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) {
    throw badOption(`${where}: "${pattern}" has an invalid prefix length (0 to ${max}).`);
  }
  list.addSubnet(address, bits, family);
  return true;
}

function compile(
  patterns: readonly string[],
  where: string,
  checkNever: Matcher | undefined,
): Matcher {
  const matcher: Matcher = {
    exact: new Set(),
    suffixes: [],
    singleLabel: false,
    addresses: new BlockList(),
  };
  for (const raw of patterns) {
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw badOption(`${where}: every pattern must be a non-empty string.`);
    }
    const pattern = raw.trim().toLowerCase();
    if (pattern === '*') {
      matcher.singleLabel = true;
    } else if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1);
      if (!HOST_CHARS.test(suffix.slice(1))) {
        throw badOption(`${where}: "${raw}" is not a host wildcard like "*.svc.cluster.local".`);
      }
      matcher.suffixes.push(suffix);
    } else if (
      addAddressPattern(matcher.addresses, pattern.replace(/^\[|\](?=\/|$)/g, ''), where)
    ) {
      // recorded as an address or CIDR
    } else if (HOST_CHARS.test(pattern) && !pattern.includes('*')) {
      matcher.exact.add(pattern.replace(/\.$/, ''));
    } else {
      throw badOption(
        `${where}: "${raw}" is not a host name, "*.suffix" wildcard, "*" (single-label hosts), IP address or CIDR.`,
      );
    }
    if (checkNever !== undefined) {
      const probe = pattern.replace(/^\*\./, '').replace(/\/\d+$/, '');
      if (matches(checkNever, canonicalHost(probe) ?? probe)) {
        throw badOption(
          `${where}: "${raw}" names a cloud metadata or link-local address; passports are never sent there.`,
        );
      }
    }
  }
  return matcher;
}

function matches(matcher: Matcher, host: string): boolean {
  const family = isIP(host);
  if (family !== 0) return matcher.addresses.check(host, family === 4 ? 'ipv4' : 'ipv6');
  if (matcher.exact.has(host)) return true;
  if (matcher.singleLabel && !host.includes('.')) return true;
  for (const suffix of matcher.suffixes) {
    if (host.length > suffix.length && host.endsWith(suffix)) return true;
  }
  return false;
}

const MAPPED_V4 = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * The host a client will actually connect to, in one spelling: lower case, no brackets or trailing
 * dot, IPv4 in dotted form (the WHATWG URL parser turns `2852039166` or `0xA9FEA9FE` into
 * `169.254.169.254`), IPv4-mapped IPv6 as IPv4. `undefined` for anything that is not a plain host,
 * such as an IPv6 address with a zone (`fe80::1%lo`), which no policy allows: a host the policy
 * cannot read is withheld from, never thrown on.
 *
 * @example
 * ```ts
 * canonicalHost('0xA9FEA9FE'); // '169.254.169.254'
 * canonicalHost('fe80::1%lo'); // undefined
 * ```
 */
export function canonicalHost(hostname: string): string | undefined {
  if (typeof hostname !== 'string') return undefined;
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIP(host) === 6) {
    // Node's isIP accepts a zone (`%eth0`), the URL parser does not: such a host cannot be read.
    if (host.includes('%')) return undefined;
    const url = new URL(`http://[${host}]/`).hostname.slice(1, -1);
    const mapped = MAPPED_V4.exec(url);
    if (mapped === null) return url;
    const high = Number.parseInt(mapped[1]!, 16);
    const low = Number.parseInt(mapped[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  if (!HOST_CHARS.test(host)) return undefined;
  try {
    host = new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

const never = compile(NEVER_PROPAGATE_TO, 'NEVER_PROPAGATE_TO', undefined);

/**
 * Compile a `propagateTo` list once. Patterns: exact host names (`orders.shop`), wildcards
 * (`*.svc.cluster.local` matches one or more labels before the suffix), `*` for single-label hosts,
 * IP addresses and CIDRs (`10.0.0.0/8`, `fd00::/8`). Metadata and link-local addresses are refused
 * whatever the patterns say.
 *
 * @example
 * ```ts
 * const policy = compileDestinationPolicy(['*.svc.cluster.local', '10.0.0.0/8']);
 * policy.allows('orders.shop.svc.cluster.local'); // true
 * policy.allows('api.stripe.com'); // false
 * ```
 */
export function compileDestinationPolicy(
  patterns: readonly string[] = DEFAULT_PROPAGATE_TO,
  where = 'propagateTo',
): DestinationPolicy {
  if (!Array.isArray(patterns)) {
    throw badOption(`${where} must be an array of host patterns, e.g. ["*.svc.cluster.local"].`);
  }
  const matcher = compile(patterns, where, never);
  // Host names come from outbound URLs, which a caller may choose: the memo is bounded.
  const memo = new TtlCache<boolean>(MAX_MEMO);
  return {
    patterns: Object.freeze([...patterns]),
    allows(hostname) {
      const known = memo.get(hostname);
      if (known !== undefined) return known;
      const host = typeof hostname === 'string' ? canonicalHost(hostname) : undefined;
      const allowed = host !== undefined && !matches(never, host) && matches(matcher, host);
      memo.set(hostname, allowed, Number.POSITIVE_INFINITY);
      return allowed;
    },
  };
}
