/**
 * Profile "txn-token" (IETF Transaction Tokens): every workload's proxy (the waypoint in ambient
 * mode) verifies the Txn-Token and refuses requests without a valid one; the ingress strips
 * client-supplied Txn-Tokens. Each manifest passes every layer (CRD schema, CEL rules, Envoy
 * types) in sidecar and ambient modes; broken variants fail; bad options are refused by name.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TXN_TOKEN_HEADER,
  type IstioManifest,
  type IstioManifestOptions,
  IstioOptionsError,
  passportManifests,
  requireTxnTokenPolicy,
  stripClientPassportFilter,
  toYaml,
  workloadTxnTokenAuthentication,
} from '../src/index.js';
import { EXIT_USAGE, runCli } from '../src/internal/cli-main.js';
import { formatIssues, SupportedReleasesValidator } from './support/crd-validator.js';
import { envoyPatchIssues } from './support/envoy-types.js';
import type { Parsed } from './support/parsed.js';

const validator = new SupportedReleasesValidator();

const TXN_TOKEN = {
  namespace: 'shop',
  profile: 'txn-token',
  trustDomain: 'shop.example.com',
  issuer: 'https://tts.example.com',
  jwksUri: 'https://tts.example.com/.well-known/jwks.json',
} as const satisfies IstioManifestOptions;

const TXN_TOKEN_FLAGS = [
  '--namespace',
  'shop',
  '--profile',
  'txn-token',
  '--trust-domain',
  TXN_TOKEN.trustDomain,
  '--issuer',
  TXN_TOKEN.issuer,
  '--jwks-uri',
  TXN_TOKEN.jwksUri,
];

const DATAPLANES = ['sidecar', 'ambient'] as const;

function json(manifest: IstioManifest): Parsed {
  return JSON.parse(JSON.stringify(manifest.toJSON())) as Parsed;
}

function names(manifests: readonly IstioManifest[]): string[] {
  return manifests.map((manifest) => `${manifest.kind}/${manifest.metadata?.name}`);
}

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
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

describe('profile txn-token: the manifest set', () => {
  it('sidecar: replaces the passport requirement by verification and a valid-token requirement', () => {
    expect(names(passportManifests(TXN_TOKEN))).toEqual([
      'EnvoyFilter/passport-relay-shop-strip-client-passport',
      'PeerAuthentication/default',
      'RequestAuthentication/passport-relay-txn-token',
      'AuthorizationPolicy/passport-relay-require-txn-token',
      'AuthorizationPolicy/passport-relay-edge-ingress',
    ]);
  });

  it('ambient: the same, with the waypoint and the only-via-waypoint policy', () => {
    expect(names(passportManifests({ ...TXN_TOKEN, dataplane: 'ambient' }))).toEqual([
      'EnvoyFilter/passport-relay-shop-strip-client-passport',
      'PeerAuthentication/default',
      'Gateway/waypoint',
      'AuthorizationPolicy/passport-relay-only-via-waypoint',
      'RequestAuthentication/passport-relay-txn-token',
      'AuthorizationPolicy/passport-relay-require-txn-token',
      'AuthorizationPolicy/passport-relay-edge-ingress',
    ]);
  });

  it('leaves the passport profile unchanged (no Txn-Token manifest, the passport requirement)', () => {
    const manifests = names(passportManifests({ namespace: 'shop' }));
    expect(manifests).toContain('AuthorizationPolicy/passport-relay-require-passport');
    expect(manifests.join()).not.toContain('txn-token');
  });

  for (const dataplane of DATAPLANES) {
    it(`${dataplane}: every manifest passes every layer (CRD schema, CEL rules, Envoy types)`, () => {
      const manifests = passportManifests({ ...TXN_TOKEN, dataplane });
      for (const manifest of manifests) {
        expect(
          formatIssues(validator.validate(manifest)),
          `${manifest.kind}/${manifest.metadata?.name}`,
        ).toBe('');
        if ('validate' in manifest) expect(() => manifest.validate()).not.toThrow();
      }
      // The Envoy layer really ran on the strip filter (not skipped for want of an EnvoyFilter).
      const filters = manifests.filter((manifest) => manifest.kind === 'EnvoyFilter');
      expect(filters).toHaveLength(1);
      expect(envoyPatchIssues(json(filters[0]!))).toEqual([]);
    });
  }
});

describe('workloadTxnTokenAuthentication', () => {
  it('verifies the Txn-Token header only, against the trust domain, and forwards it unmodified', () => {
    const spec = json(workloadTxnTokenAuthentication(TXN_TOKEN)).spec;
    expect(spec).toEqual({
      jwtRules: [
        {
          issuer: 'https://tts.example.com',
          jwksUri: 'https://tts.example.com/.well-known/jwks.json',
          audiences: ['shop.example.com'],
          fromHeaders: [{ name: DEFAULT_TXN_TOKEN_HEADER }],
          forwardOriginalToken: true,
        },
      ],
    });
    // No selector, no targetRefs: namespace-wide, so every sidecar verifies.
    expect(DEFAULT_TXN_TOKEN_HEADER).toBe('txn-token');
  });

  it('ambient: attaches to the waypoint (ztunnel has no HTTP)', () => {
    const spec = json(
      workloadTxnTokenAuthentication({ ...TXN_TOKEN, dataplane: 'ambient', waypointName: 'wp' }),
    ).spec;
    expect(spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'wp' },
    ]);
    expect(spec.selector).toBeUndefined();
  });

  it('uses a custom Txn-Token header, lower-cased', () => {
    const spec = json(
      workloadTxnTokenAuthentication({ ...TXN_TOKEN, txnTokenHeader: 'X-Txn' }),
    ).spec;
    expect(spec.jwtRules[0].fromHeaders).toEqual([{ name: 'x-txn' }]);
  });

  it('refuses the passport profile', () => {
    expect(() => workloadTxnTokenAuthentication({ namespace: 'shop' })).toThrow(
      /profile "txn-token"/,
    );
  });
});

describe('requireTxnTokenPolicy', () => {
  it('allows only same-namespace callers with a token of the Txn-Token issuer', () => {
    const spec = json(requireTxnTokenPolicy(TXN_TOKEN)).spec;
    expect(spec).toEqual({
      action: 'ALLOW',
      rules: [
        {
          from: [
            {
              source: { namespaces: ['shop'], requestPrincipals: ['https://tts.example.com/*'] },
            },
          ],
        },
      ],
    });
  });

  it('ambient: attaches to the waypoint', () => {
    const spec = json(requireTxnTokenPolicy({ ...TXN_TOKEN, dataplane: 'ambient' })).spec;
    expect(spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' },
    ]);
  });

  it('refuses the passport profile', () => {
    expect(() => requireTxnTokenPolicy({ namespace: 'shop' })).toThrow(/profile "txn-token"/);
  });
});

describe('the ingress strips client-supplied Txn-Tokens', () => {
  it('removes the passport and the Txn-Token header first thing at the ingress', () => {
    const filter = json(stripClientPassportFilter({ ...TXN_TOKEN, txnTokenHeader: 'x-txn' }));
    expect(filter.spec.configPatches[0].patch.value.typed_config.mutations).toEqual({
      request_mutations: [{ remove: 'passport' }, { remove: 'x-txn' }],
    });
    expect(envoyPatchIssues(filter)).toEqual([]);
  });
});

describe('broken txn-token manifests fail their layer, with the path', () => {
  const authentication = (): Parsed => json(workloadTxnTokenAuthentication(TXN_TOKEN));

  it('schema: a misspelled forwardOriginalToken', () => {
    const broken = authentication();
    broken.spec.jwtRules[0].forwardOrginalToken = true;
    expect(formatIssues(validator.validate(broken))).toContain(
      'spec.jwtRules[0].forwardOrginalToken',
    );
  });

  it('schema: an empty header name in fromHeaders (minLength)', () => {
    const broken = authentication();
    broken.spec.jwtRules[0].fromHeaders[0].name = '';
    expect(formatIssues(validator.validate(broken))).toContain(
      'spec.jwtRules[0].fromHeaders[0].name',
    );
  });

  it('schema: an empty audience (minLength)', () => {
    const broken = authentication();
    broken.spec.jwtRules[0].audiences = [''];
    expect(formatIssues(validator.validate(broken))).toContain('spec.jwtRules[0].audiences[0]');
  });

  it('CEL: a JWKS URL of another scheme', () => {
    const broken = authentication();
    broken.spec.jwtRules[0].jwksUri = 'ftp://tts.example.com/jwks.json';
    expect(formatIssues(validator.validate(broken))).toContain(
      'url must have scheme http:// or https://',
    );
  });

  it('CEL: inline jwks beside jwksUri', () => {
    const broken = authentication();
    broken.spec.jwtRules[0].jwks = '{"keys":[]}';
    expect(formatIssues(validator.validate(broken))).toContain('only one of jwks or jwksUri');
  });

  it('CEL: a waypoint targetRef in another namespace', () => {
    const broken = json(requireTxnTokenPolicy({ ...TXN_TOKEN, dataplane: 'ambient' }));
    broken.spec.targetRefs[0].namespace = 'elsewhere';
    expect(formatIssues(validator.validate(broken))).toContain(
      'cross namespace referencing is not currently supported',
    );
  });

  it('Envoy types: a Txn-Token header Envoy refuses in the strip filter', () => {
    const broken = json(stripClientPassportFilter(TXN_TOKEN));
    broken.spec.configPatches[0].patch.value.typed_config.mutations.request_mutations[1].remove =
      'txn-token\r\n';
    expect(envoyPatchIssues(broken)).toEqual([
      expect.objectContaining({
        path: expect.stringContaining('request_mutations[1].remove'),
      }),
    ]);
  });
});

describe('profile txn-token options are checked as the cluster checks them', () => {
  const cases: [string, IstioManifestOptions, keyof IstioManifestOptions, string[], string][] = [
    [
      'an unknown profile',
      { ...TXN_TOKEN, profile: 'txntoken' as 'txn-token' },
      'profile',
      ['--profile', 'txntoken'],
      '--profile: must be "passport" or "txn-token"',
    ],
    [
      'plain mode',
      { ...TXN_TOKEN, mode: 'plain' },
      'mode',
      ['--mode', 'plain'],
      '--mode: profile "txn-token" needs mode "signed"',
    ],
    [
      'no trust domain',
      (({ trustDomain: _omitted, ...rest }) => rest)(TXN_TOKEN),
      'trustDomain',
      ['--trust-domain', ''],
      '--trust-domain: profile "txn-token" needs the trust domain',
    ],
    [
      'a trust domain with a space (a JWT audience never matches it)',
      { ...TXN_TOKEN, trustDomain: 'shop example' },
      'trustDomain',
      ['--trust-domain', 'shop example'],
      '--trust-domain: profile "txn-token" needs the trust domain',
    ],
    [
      'a Txn-Token header with a space (Envoy header-name rule)',
      { ...TXN_TOKEN, txnTokenHeader: 'txn token' },
      'txnTokenHeader',
      ['--txn-token-header', 'txn token'],
      '--txn-token-header: "txn token" is not a valid HTTP header name',
    ],
    [
      'a pseudo-header as Txn-Token header',
      { ...TXN_TOKEN, txnTokenHeader: ':authority' },
      'txnTokenHeader',
      ['--txn-token-header', ':authority'],
      '--txn-token-header: ":authority" is not a valid HTTP header name',
    ],
    [
      'Authorization as Txn-Token header (the draft: never Authorization)',
      { ...TXN_TOKEN, txnTokenHeader: 'Authorization' },
      'txnTokenHeader',
      ['--txn-token-header', 'Authorization'],
      '--txn-token-header: "authorization" cannot be the Txn-Token header',
    ],
    [
      'the passport header as Txn-Token header',
      { ...TXN_TOKEN, txnTokenHeader: 'passport' },
      'txnTokenHeader',
      ['--txn-token-header', 'passport'],
      '--txn-token-header: "passport" is also the passport header',
    ],
    [
      'an issuer with "*" (a wildcard in requestPrincipals)',
      { ...TXN_TOKEN, issuer: 'https://tts.example.com/*' },
      'issuer',
      ['--issuer', 'https://tts.example.com/*'],
      '--issuer: "https://tts.example.com/*" contains "*"',
    ],
    [
      'a JWKS URL of another scheme',
      { ...TXN_TOKEN, jwksUri: 'ftp://tts.example.com/jwks.json' },
      'jwksUri',
      ['--jwks-uri', 'ftp://tts.example.com/jwks.json'],
      '--jwks-uri: "ftp://tts.example.com/jwks.json" must be an http:// or https:// URL',
    ],
    [
      'audiences (plain mode only: the audience is the trust domain)',
      { ...TXN_TOKEN, audiences: ['shop-api'] },
      'audiences',
      ['--audience', 'shop-api'],
      '--audience: applies to mode "plain" only',
    ],
    [
      'a trust domain in the passport profile',
      { namespace: 'shop', trustDomain: 'shop.example.com' },
      'trustDomain',
      ['--profile', 'passport', '--trust-domain', 'shop.example.com'],
      '--trust-domain: applies to profile "txn-token" only',
    ],
  ];
  for (const [label, options, option, argv, message] of cases) {
    it(`refuses ${label}: ${option}, and the CLI exits 2 naming the flag`, () => {
      let error: unknown;
      try {
        passportManifests(options);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(IstioOptionsError);
      expect((error as IstioOptionsError).option).toBe(option);
      // Later flags override the base ones (parseArgs keeps repeats; single-value flags given
      // twice are refused), so build argv from the base without the overridden flags.
      const overridden = new Set(argv.filter((arg) => arg.startsWith('--')));
      const base: string[] = [];
      for (let i = 0; i < TXN_TOKEN_FLAGS.length; i += 2) {
        if (!overridden.has(TXN_TOKEN_FLAGS[i]!))
          base.push(TXN_TOKEN_FLAGS[i]!, TXN_TOKEN_FLAGS[i + 1]!);
      }
      const run = cli(...base, ...argv);
      expect(run.status).toBe(EXIT_USAGE);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`passport-relay-istio: ${message}`);
    });
  }
});

describe('the CLI prints what the API builds', () => {
  for (const dataplane of DATAPLANES) {
    it(dataplane, () => {
      const run = cli(...TXN_TOKEN_FLAGS, '--dataplane', dataplane);
      expect(run.status).toBe(0);
      expect(run.stdout.slice(run.stdout.indexOf('\n') + 1)).toBe(
        toYaml(passportManifests({ ...TXN_TOKEN, dataplane })),
      );
    });
  }
});
