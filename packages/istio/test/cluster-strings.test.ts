/**
 * Every string that lands in a manifest is checked at build time the way the cluster checks it,
 * refused with IstioOptionsError naming the option, and written exactly as checked.
 */
import { describe, expect, it } from 'vitest';
import {
  type IstioManifestOptions,
  IstioOptionsError,
  passportManifests,
  toYaml,
} from '../src/index.js';
import { EXIT_USAGE, runCli } from '../src/internal/cli-main.js';
import { goUrlParse, goUrlParseRequestUri } from '../src/internal/go-url.js';
import { PLAIN } from './support/options.js';

function refusal(options: IstioManifestOptions): IstioOptionsError {
  try {
    passportManifests(options);
  } catch (error) {
    expect(error).toBeInstanceOf(IstioOptionsError);
    return error as IstioOptionsError;
  }
  throw new Error(`expected an IstioOptionsError for ${JSON.stringify(options)}`);
}

function cli(...args: string[]): { status: number; stderr: string; stdout: string } {
  let stdout = '';
  let stderr = '';
  const status = runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

describe('jwksUri is checked with Go net/url semantics, as the API server and istiod check it', () => {
  it('refuses a leading space, which WHATWG new URL() would silently trim', () => {
    const value = ' https://issuer.example.com/jwks';
    expect(new URL(value).href).toBe('https://issuer.example.com/jwks');
    const error = refusal({ ...PLAIN, jwksUri: value });
    expect(error.code).toBe('ERR_ISTIO_OPTIONS');
    expect(error.option).toBe('jwksUri');
    expect(error.reason).toContain('invalid URI for request');
  });

  it.each([
    ['a trailing space', 'https://issuer.example.com/jwks ', 'whitespace'],
    ['a tab (WHATWG drops it)', 'https://issuer.example.com/jw\tks', 'control character'],
    ['a newline', 'https://issuer.example.com/jwks\n', 'control character'],
    [
      'a space in the host',
      'https://issuer example.com/jwks',
      'invalid character " " in host name',
    ],
    ['a non-numeric port', 'https://issuer.example.com:https/jwks', 'invalid port'],
    ['a port out of range', 'https://issuer.example.com:99999/jwks', 'port "99999"'],
    ['no scheme', '//issuer.example.com/jwks', 'http:// or https://'],
    ['a relative reference', 'issuer.example.com/jwks', 'invalid URI for request'],
    ['another scheme', 'ftp://issuer.example.com/jwks', 'http:// or https://'],
    ['no host', 'https:///jwks', 'no host'],
    ['a bad escape', 'https://issuer.example.com/%zz', 'invalid URL escape'],
    ['an unclosed IPv6 bracket', 'https://[::1/jwks', "missing ']' in host"],
    ['an opaque URL', 'https:issuer.example.com/jwks', 'no host'],
  ])('refuses %s', (_label, value, reason) => {
    const error = refusal({ ...PLAIN, jwksUri: value });
    expect(error.option).toBe('jwksUri');
    expect(error.reason).toContain(reason);
  });

  it.each([
    'https://issuer.example.com/.well-known/jwks.json',
    'HTTPS://Issuer.Example.com/jwks',
    'http://keycloak.auth.svc.cluster.local:8080/realms/shop/protocol/openid-connect/certs',
    'https://[2001:db8::1]:8443/jwks?tenant=a',
    'https://issuer.example.com/jwks#keys',
    'https://issuer.example.com:/jwks',
  ])('accepts %s and writes it byte for byte', (value) => {
    const yaml = toYaml(passportManifests({ ...PLAIN, jwksUri: value }));
    expect(yaml).toContain(`jwksUri: ${value}`);
  });

  it('follows Go where Go and WHATWG disagree', () => {
    // Go refuses what WHATWG repairs...
    expect(() => goUrlParseRequestUri(' https://a.example/')).toThrow('invalid URI for request');
    expect(() => goUrlParse('https://a.example/\tx')).toThrow('invalid control character');
    expect(() => goUrlParse('https://a b.example/')).toThrow('invalid character " " in host name');
    // ...and keeps what WHATWG rewrites: the scheme lower-cased, the host and path as written.
    expect(goUrlParse('HTTPS://A.Example:8443/x/../y')).toMatchObject({
      scheme: 'https',
      host: 'A.Example:8443',
      path: '/x/../y',
    });
    expect(() => goUrlParse('cache_object:foo/bar')).toThrow('first path segment');
    expect(() => goUrlParse('1http://a.example/')).toThrow('first path segment');
  });

  it('the CLI exits 2 naming --jwks-uri', () => {
    const run = cli(
      '--namespace',
      'shop',
      '--mode',
      'plain',
      '--issuer',
      'https://issuer.example.com',
      '--jwks-uri',
      ' https://issuer.example.com/jwks',
    );
    expect(run.status).toBe(EXIT_USAGE);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'passport-relay-istio: --jwks-uri: " https://issuer.example.com/jwks"',
    );
  });
});

/** A valid DNS name (234 characters) whose VirtualService name would pass 253. */
const LONG_HOST = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(30)}.example.com`;

describe('every other string is checked as the cluster checks it, naming the option and the flag', () => {
  const cases: [string, IstioManifestOptions, keyof IstioManifestOptions, string[]][] = [
    [
      'header with a space',
      { namespace: 'shop', header: 'pass port' },
      'header',
      ['--header', 'pass port'],
    ],
    [
      'header with a colon (pseudo-header)',
      { namespace: 'shop', header: ':path' },
      'header',
      ['--header', ':path'],
    ],
    [
      'issuer with a control character',
      { ...PLAIN, issuer: 'https://issuer\u0001' },
      'issuer',
      ['--issuer', 'https://issuer\u0001'],
    ],
    [
      'audience with a tab',
      { ...PLAIN, audiences: ['shop\tapi'] },
      'audiences',
      ['--audience', 'shop\tapi'],
    ],
    [
      'gateway host with an inner wildcard',
      { ...PLAIN, gatewayHosts: ['shop.*.example.com'] },
      'gatewayHosts',
      ['--gateway-host', 'shop.*.example.com'],
    ],
    [
      'gateway host in upper case',
      { ...PLAIN, gatewayHosts: ['Shop.example.com'] },
      'gatewayHosts',
      ['--gateway-host', 'Shop.example.com'],
    ],
    [
      'principal with a wildcard namespace',
      { namespace: 'shop', gatewayPrincipals: ['cluster.local/ns/*/sa/x'] },
      'gatewayPrincipals',
      ['--gateway-principal', 'cluster.local/ns/*/sa/x'],
    ],
    [
      'gateway name in upper case',
      { namespace: 'shop', gatewayName: 'Ingress' },
      'gatewayName',
      ['--gateway-name', 'Ingress'],
    ],
    [
      'gateway name longer than a label value',
      { namespace: 'shop', gatewayName: 'g'.repeat(64) },
      'gatewayName',
      ['--gateway-name', 'g'.repeat(64)],
    ],
    [
      'waypoint name with a dot',
      { namespace: 'shop', dataplane: 'ambient', waypointName: 'way.point' },
      'waypointName',
      ['--dataplane', 'ambient', '--waypoint', 'way.point'],
    ],
    [
      'edge Service starting with a digit',
      { namespace: 'shop', dataplane: 'ambient', edgeService: '1edge' },
      'edgeService',
      ['--dataplane', 'ambient', '--edge-service', '1edge'],
    ],
    [
      'external host too long for its VirtualService name',
      {
        namespace: 'shop',
        externalHosts: [LONG_HOST],
      },
      'externalHosts',
      ['--external-host', LONG_HOST],
    ],
    [
      'label value with a wildcard',
      {
        namespace: 'shop',
        gatewaySelector: { istio: 'ingress*' },
        gatewayPrincipals: ['cluster.local/ns/istio-system/sa/x'],
      },
      'gatewaySelector',
      [
        '--gateway-selector',
        'istio=ingress*',
        '--gateway-principal',
        'cluster.local/ns/istio-system/sa/x',
      ],
    ],
    [
      'unknown dataplane',
      { namespace: 'shop', dataplane: 'sidecarless' as 'ambient' },
      'dataplane',
      ['--dataplane', 'sidecarless'],
    ],
    [
      'gatewayName with gatewaySelector',
      { namespace: 'shop', gatewayName: 'ingress', gatewaySelector: { istio: 'ingress' } },
      'gatewaySelector',
      ['--gateway-name', 'ingress', '--gateway-selector', 'istio=ingress'],
    ],
    [
      'external hosts in ambient mode',
      { namespace: 'shop', dataplane: 'ambient', externalHosts: ['api.stripe.com'] },
      'externalHosts',
      ['--dataplane', 'ambient', '--external-host', 'api.stripe.com'],
    ],
    [
      'waypoint in sidecar mode',
      { namespace: 'shop', waypointName: 'waypoint' },
      'waypointName',
      ['--waypoint', 'waypoint'],
    ],
  ];
  const plainArgs = ['--mode', 'plain', '--issuer', PLAIN.issuer, '--jwks-uri', PLAIN.jwksUri];
  const FLAG: Partial<Record<keyof IstioManifestOptions, string>> = {
    header: '--header',
    issuer: '--issuer',
    audiences: '--audience',
    gatewayHosts: '--gateway-host',
    gatewayPrincipals: '--gateway-principal',
    gatewayName: '--gateway-name',
    waypointName: '--waypoint',
    edgeService: '--edge-service',
    externalHosts: '--external-host',
    gatewaySelector: '--gateway-selector',
    dataplane: '--dataplane',
  };
  for (const [label, options, option, argv] of cases) {
    it(`refuses ${label}: ${option}, and the CLI exits 2 naming ${FLAG[option]}`, () => {
      expect(refusal(options).option).toBe(option);
      const plain = (options as { mode?: string }).mode === 'plain' && !argv.includes('--issuer');
      const run = cli('--namespace', 'shop', ...(plain ? plainArgs : []), ...argv);
      expect(run.status).toBe(EXIT_USAGE);
      expect(run.stderr).toContain(`passport-relay-istio: ${FLAG[option]}: `);
    });
  }
});
