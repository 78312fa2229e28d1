import { PassportError } from '@passport-relay/core';

/** Resolver schemes grpc-js knows; any other prefix is a host name (`orders:50051`). */
const SCHEMES = new Set(['dns', 'ipv4', 'ipv6', 'unix', 'unix-abstract', 'xds', 'passthrough']);
/** gRPC's URI shape: `scheme:` then an optional `//authority/`, then the path. */
const URI = /^(?:([A-Za-z0-9+.-]+):)?(?:\/\/([^/]*)\/)?(.+)$/;

function invalid(target: string, why: string): PassportError {
  return new PassportError(
    'ERR_PASSPORT_OPTIONS',
    `gRPC target ${JSON.stringify(target)}: ${why}. Give the string you pass to the client constructor, e.g. "dns:///orders:50051", "ipv4:10.0.0.1:50051", "unix:/run/orders.sock" or "orders:50051".`,
  );
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address: the host part. */
function hostOf(hostPort: string, target: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 2) throw invalid(target, 'an IPv6 address opens "[" and never closes it');
    return hostPort.slice(1, end);
  }
  const colons = hostPort.split(':').length - 1;
  const host = colons === 1 ? hostPort.slice(0, hostPort.indexOf(':')) : hostPort;
  if (host === '') throw invalid(target, 'it names no host');
  return host;
}

/**
 * The hosts a gRPC channel target connects to, as the destination policy sees them. A target is
 * what the client constructor takes (gRPC name resolution: `dns:[//authority/]host[:port]`,
 * `ipv4:addr[:port][,addr[:port]...]`, `ipv6:...`, `unix:path`, `unix-abstract:name`,
 * `xds:///name`, or a bare `host[:port]`, which grpc-js resolves with `dns`).
 *
 * A Unix domain socket is on this machine, so it is `localhost`: a policy that allows loopback
 * allows it. `ipv4:`/`ipv6:` lists give every address, and a call goes to any of them, so the
 * client interceptor sends the passport only when the policy allows all of them.
 *
 * @throws `PassportError` `ERR_PASSPORT_OPTIONS` for a target with no host.
 * @example
 * ```ts
 * channelTargetHosts('dns:///orders.shop.svc:50051'); // ['orders.shop.svc']
 * channelTargetHosts('ipv4:10.0.0.1:50051,10.0.0.2:50051'); // ['10.0.0.1', '10.0.0.2']
 * channelTargetHosts('unix:/run/orders.sock'); // ['localhost']
 * ```
 */
export function channelTargetHosts(target: string): string[] {
  if (typeof target !== 'string' || target.trim() === '') {
    throw invalid(String(target), 'it must be a non-empty string');
  }
  const match = URI.exec(target.trim());
  if (match === null) throw invalid(target, 'it is not a gRPC target');
  const [, scheme, , path = ''] = match;
  const knownScheme = scheme !== undefined && SCHEMES.has(scheme.toLowerCase());
  if (!knownScheme) return [hostOf(target.trim(), target)];
  switch (scheme!.toLowerCase()) {
    case 'unix':
    case 'unix-abstract':
      return ['localhost'];
    case 'ipv4':
    case 'ipv6':
      return path.split(',').map((address) => hostOf(address.trim(), target));
    default:
      return [hostOf(path, target)];
  }
}
