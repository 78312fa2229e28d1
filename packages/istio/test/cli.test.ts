import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { passportManifests } from '../src/index.js';
import { EXIT_USAGE, runCli } from '../src/internal/cli-main.js';
import { formatIssues, SupportedReleasesValidator } from './support/crd-validator.js';
import type { Parsed } from './support/parsed.js';

const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));
const bin = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { bin: Record<string, string> }).bin;
const CLI = fileURLToPath(new URL(`../${bin['passport-relay-istio']}`, import.meta.url));

const validator = new SupportedReleasesValidator();

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built `passport-relay-istio` bin in its own Node process. */
async function spawnCli(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args]);
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { status: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Run the CLI in this process (same code as the bin, without a process per case). */
function run(...args: string[]): Run {
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

function parseYaml(text: string): Parsed[] {
  return parseAllDocuments(text).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as Parsed;
  });
}

const PLAIN_FLAGS = [
  '--namespace',
  'shop',
  '--mode',
  'plain',
  '--issuer',
  'https://issuer.example.com',
  '--jwks-uri',
  'https://issuer.example.com/.well-known/jwks.json',
];

describe('the passport-relay-istio bin', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) {
      throw new Error(`${CLI} is missing: run "pnpm --filter @passport-relay/istio build" first.`);
    }
  });

  it('prints valid signed-mode YAML for a namespace', async () => {
    const result = await spawnCli('--namespace', 'shop', '--external-host', 'api.stripe.com');
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const documents = parseYaml(result.stdout);
    expect(documents).toEqual(
      passportManifests({ namespace: 'shop', externalHosts: ['api.stripe.com'] }).map((manifest) =>
        manifest.toJSON(),
      ),
    );
    for (const document of documents) expect(formatIssues(validator.validate(document))).toBe('');
  });

  it('prints valid plain-mode YAML with the RequestAuthentication', async () => {
    const result = await spawnCli(...PLAIN_FLAGS);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const documents = parseYaml(result.stdout);
    expect(documents.map((document) => document.kind)).toContain('RequestAuthentication');
    for (const document of documents) expect(formatIssues(validator.validate(document))).toBe('');
  });

  it('prints valid ambient YAML for a Gateway API ingress, equal to the API output', async () => {
    const result = await spawnCli(
      ...PLAIN_FLAGS,
      '--dataplane',
      'ambient',
      '--gateway-name',
      'ingress',
      '--gateway-namespace',
      'istio-ingress',
    );
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const documents = parseYaml(result.stdout);
    expect(documents).toEqual(
      passportManifests({
        namespace: 'shop',
        mode: 'plain',
        issuer: 'https://issuer.example.com',
        jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
        dataplane: 'ambient',
        gatewayName: 'ingress',
        gatewayNamespace: 'istio-ingress',
      }).map((manifest) => manifest.toJSON()),
    );
    expect(documents.map((document) => document.kind)).toContain('Gateway');
    for (const document of documents) expect(formatIssues(validator.validate(document))).toBe('');
  });

  it('exits 2 naming --jwks-uri for a JWKS URL with a leading space', async () => {
    const flags = [...PLAIN_FLAGS];
    flags[flags.indexOf('--jwks-uri') + 1] = ' https://issuer.example.com/jwks';
    const result = await spawnCli(...flags);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('passport-relay-istio: --jwks-uri: ');
  });

  it('prints valid txn-token YAML (ambient), equal to the API output', async () => {
    const options = {
      namespace: 'shop',
      profile: 'txn-token',
      trustDomain: 'shop.example.com',
      issuer: 'https://tts.example.com',
      jwksUri: 'https://tts.example.com/.well-known/jwks.json',
      dataplane: 'ambient',
    } as const;
    const result = await spawnCli(
      '--namespace',
      'shop',
      '--profile',
      'txn-token',
      '--trust-domain',
      options.trustDomain,
      '--issuer',
      options.issuer,
      '--jwks-uri',
      options.jwksUri,
      '--dataplane',
      'ambient',
    );
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const documents = parseYaml(result.stdout);
    expect(documents).toEqual(passportManifests(options).map((manifest) => manifest.toJSON()));
    expect(documents.map((document) => document.kind)).toContain('RequestAuthentication');
    for (const document of documents) expect(formatIssues(validator.validate(document))).toBe('');
  });

  it('exits 2 naming --txn-token-header for a Txn-Token header Envoy refuses', async () => {
    const result = await spawnCli(
      '--namespace',
      'shop',
      '--profile',
      'txn-token',
      '--trust-domain',
      'shop.example.com',
      '--issuer',
      'https://tts.example.com',
      '--jwks-uri',
      'https://tts.example.com/.well-known/jwks.json',
      '--txn-token-header',
      'txn token',
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('passport-relay-istio: --txn-token-header: ');
  });

  it('prints help with both gateway selectors and exits 0', async () => {
    const result = await spawnCli('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: passport-relay-istio --namespace <name>');
    expect(result.stdout).toContain('istio=ingressgateway');
    expect(result.stdout).toContain('istio=ingress');
  });

  it('exits 2 with a message on stderr and nothing on stdout for an unknown flag', async () => {
    const result = await spawnCli('--namespace', 'shop', '--gateway-selectr', 'istio=ingress');
    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'passport-relay-istio: unknown flag "--gateway-selectr". Did you mean --gateway-selector?\n' +
        'Run "passport-relay-istio --help" for the options.\n',
    );
  });
});

describe('passport-relay-istio output', () => {
  it('starts with a comment giving the command that produced it', () => {
    expect(run('--namespace', 'shop').stdout).toMatch(
      /^# Generated by: passport-relay-istio --namespace shop\napiVersion: /,
    );
  });

  it('takes selectors as repeated or comma-separated key=value pairs', () => {
    const flags = [
      '--namespace',
      'shop',
      '--gateway-principal',
      'cluster.local/ns/istio-ingress/sa/istio-ingress',
      '--gateway-namespace',
      'istio-ingress',
    ];
    const repeated = run(
      ...flags,
      '--gateway-selector',
      'istio=ingress',
      '--gateway-selector',
      'app=istio-ingress',
    );
    const commas = run(...flags, '--gateway-selector', 'istio=ingress,app=istio-ingress');
    const selectorOf = (text: string) => parseYaml(text)[0]?.spec.workloadSelector.labels;
    expect(selectorOf(repeated.stdout)).toEqual({ istio: 'ingress', app: 'istio-ingress' });
    expect(selectorOf(commas.stdout)).toEqual({ istio: 'ingress', app: 'istio-ingress' });
  });

  it('takes repeatable list flags', () => {
    const result = run(
      ...PLAIN_FLAGS,
      '--audience',
      'a',
      '--audience',
      'b',
      '--gateway-host',
      'shop.example.com',
      '--external-host',
      'api.stripe.com,httpbin.org',
    );
    const documents = parseYaml(result.stdout);
    expect(documents[1]?.spec.jwtRules[0].audiences).toEqual(['a', 'b']);
    expect(documents[2]?.spec.rules[0].to).toEqual([
      { operation: { hosts: ['shop.example.com'] } },
    ]);
    expect(documents.filter((document) => document.kind === 'VirtualService')).toHaveLength(2);
  });

  it('takes -n for --namespace, and --flag=value', () => {
    const body = (text: string) => text.slice(text.indexOf('\n') + 1);
    const reference = run('--namespace', 'shop').stdout;
    expect(body(run('-n', 'shop').stdout)).toBe(body(reference));
    expect(body(run('--namespace=shop').stdout)).toBe(body(reference));
  });
});

describe('passport-relay-istio refuses, with exit status 2 and a message naming the flag', () => {
  const cases: [string, string[], string][] = [
    ['a missing --namespace', [], '--namespace is required'],
    ['a flag without its value', ['--namespace'], '--namespace needs a value'],
    ['a positional argument', ['shop'], 'unexpected argument "shop"'],
    ['a single-value flag given twice', ['-n', 'a', '-n', 'b'], '--namespace was given 2 times'],
    [
      'a bad --mode',
      ['-n', 'shop', '--mode', 'mesh'],
      '--mode: must be "signed" or "plain", got "mesh".',
    ],
    [
      'a selector without "="',
      ['-n', 'shop', '--gateway-selector', 'ingress'],
      '--gateway-selector: expected key=value',
    ],
    [
      'a Helm selector without --gateway-principal',
      ['-n', 'shop', '--gateway-selector', 'istio=ingress'],
      '--gateway-principal: is required with a non-default --gateway-selector',
    ],
    [
      'plain mode without --issuer',
      ['-n', 'shop', '--mode', 'plain'],
      '--issuer: plain mode needs',
    ],
    [
      'a plain-mode flag in signed mode',
      ['-n', 'shop', '--jwks-uri', 'https://issuer.example.com/jwks'],
      '--jwks-uri: applies to mode "plain" only',
    ],
    [
      'an in-mesh --external-host',
      ['-n', 'shop', '--external-host', 'orders.svc'],
      '--external-host: "orders.svc" is an in-mesh name',
    ],
    [
      'an empty list entry',
      ['-n', 'shop', '--external-host', 'a.example.com,,b.example.com'],
      '--external-host: "" is not allowed',
    ],
  ];
  for (const [label, args, message] of cases) {
    it(label, () => {
      const result = run(...args);
      expect(result.status).toBe(EXIT_USAGE);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`passport-relay-istio: ${message}`);
    });
  }
});
