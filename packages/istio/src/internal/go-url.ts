/**
 * Go's `net/url` parser, ported for what the cluster does with a URL we write into a manifest:
 * the API server's CEL `url()` (Kubernetes' URL library: `url.ParseRequestURI`, then `url.Parse`)
 * and istiod (`url.Parse` of `jwksUri`). WHATWG `new URL()` is not a substitute: it trims leading
 * and trailing spaces, drops tabs and newlines, and repairs what Go refuses, so a value it accepts
 * can still be refused by the cluster.
 *
 * Ported from Go 1.24 `src/net/url/url.go` (`Parse`, `ParseRequestURI`, `parse`, `getScheme`,
 * `parseAuthority`, `parseHost`, `validOptionalPort`, `unescape`, `shouldEscape`, `validUserinfo`).
 */

/** The parts of a Go `*url.URL` we need. */
export interface GoUrl {
  readonly scheme: string;
  readonly opaque: string;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

/** A URL Go refuses, with Go's own message. */
export class GoUrlError extends Error {}

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment';

function isHex(c: string): boolean {
  return /^[0-9A-Fa-f]$/.test(c);
}

function containsCtlByte(s: string): boolean {
  for (let i = 0; i < s.length; i += 1) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Go's `shouldEscape`, for the modes `unescape` consults it in (host and zone). */
function shouldEscapeInHost(c: string): boolean {
  if (/^[A-Za-z0-9]$/.test(c)) return false;
  if ('-_.~'.includes(c)) return false;
  // RFC 3986 sub-delims and the characters Go lets through in a host (IPv6 brackets, ports, quoted
  // names in some resolvers).
  return !`!$&'()*+,;=:[]<>"`.includes(c);
}

/** Go's `unescape`: validates `%XX` escapes and, in host mode, the characters of a host name. */
function checkEscapes(s: string, mode: Mode): void {
  // Work on UTF-8 bytes, as Go does: a non-ASCII character is several bytes >= 0x80.
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; ) {
    const c = String.fromCharCode(bytes[i]!);
    if (c === '%') {
      const triplet = bytes.subarray(i, i + 3).toString('latin1');
      if (i + 2 >= bytes.length || !isHex(triplet[1]!) || !isHex(triplet[2]!)) {
        throw new GoUrlError(`invalid URL escape ${JSON.stringify(triplet)}`);
      }
      // Per RFC 6874 only %25 may appear in a host, except for non-ASCII escapes (IDNA).
      if (mode === 'host' && Number.parseInt(triplet[1]!, 16) < 8 && triplet !== '%25') {
        throw new GoUrlError(`invalid URL escape ${JSON.stringify(triplet)}`);
      }
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && bytes[i]! < 0x80 && shouldEscapeInHost(c)) {
      throw new GoUrlError(`invalid character ${JSON.stringify(c)} in host name`);
    }
    i += 1;
  }
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new GoUrlError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    // Any other character: there is no valid scheme.
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new GoUrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) {
      throw new GoUrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    }
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      checkEscapes(host.slice(0, zone), 'host');
      checkEscapes(host.slice(zone, close), 'zone');
      checkEscapes(host.slice(close), 'host');
      return host;
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) {
        throw new GoUrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
      }
    }
  }
  checkEscapes(host, 'host');
  return host;
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!validUserinfo(userinfo)) throw new GoUrlError('net/url: invalid userinfo');
    checkEscapes(userinfo, 'userPassword');
  }
  return host;
}

function parse(raw: string, viaRequest: boolean): GoUrl {
  if (containsCtlByte(raw)) throw new GoUrlError('net/url: invalid control character in URL');
  if (raw === '' && viaRequest) throw new GoUrlError('empty url');
  if (raw === '*')
    return { scheme: '', opaque: '', host: '', path: '*', rawQuery: '', fragment: '' };
  const split = getScheme(raw);
  const scheme = split.scheme.toLowerCase();
  let rest = split.rest;
  let rawQuery = '';
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const question = rest.indexOf('?');
    if (question >= 0) {
      rawQuery = rest.slice(question + 1);
      rest = rest.slice(0, question);
    }
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') {
      // A rootless path after a scheme is opaque (mailto:user@example.com).
      return { scheme, opaque: rest, host: '', path: '', rawQuery, fragment: '' };
    }
    if (viaRequest) throw new GoUrlError('invalid URI for request');
    const segment = rest.split('/')[0]!;
    if (segment.includes(':')) {
      throw new GoUrlError('first path segment in URL cannot contain colon');
    }
  }
  let host = '';
  if ((scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    host = parseAuthority(authority);
  }
  checkEscapes(rest, 'path');
  return { scheme, opaque: '', host, path: rest, rawQuery, fragment: '' };
}

/** Go's `url.Parse`: `raw` may carry a `#fragment`. Throws {@link GoUrlError}. */
export function goUrlParse(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const url = parse(hash < 0 ? raw : raw.slice(0, hash), false);
  if (hash < 0) return url;
  const fragment = raw.slice(hash + 1);
  checkEscapes(fragment, 'fragment');
  return { ...url, fragment };
}

/** Go's `url.ParseRequestURI`: an absolute URI or an absolute path, no fragment split. */
export function goUrlParseRequestUri(raw: string): GoUrl {
  return parse(raw, true);
}

/** Go's `splitHostPort`, behind `(*URL).Hostname()` and `(*URL).Port()`. */
function splitHostPort(hostPort: string): { hostname: string; port: string } {
  let hostname = hostPort;
  let port = '';
  const colon = hostname.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(hostname.slice(colon))) {
    port = hostname.slice(colon + 1);
    hostname = hostname.slice(0, colon);
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return { hostname, port };
}

/** Go's `(*URL).Hostname()`: the host without port and IPv6 brackets. */
export function goUrlHostname(url: GoUrl): string {
  return splitHostPort(url.host).hostname;
}

/** Go's `(*URL).Port()`: the digits after the host's last colon, or "". */
export function goUrlPort(url: GoUrl): string {
  return splitHostPort(url.host).port;
}
