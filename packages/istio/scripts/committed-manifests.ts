import { fileURLToPath } from 'node:url';
import { runCli } from '../src/internal/cli-main.js';

/**
 * The CLI output committed to the repository: each file is exactly what the CLI prints for its
 * flags. `pnpm --filter @passport-relay/istio run manifests` rewrites them; a test fails when one
 * is out of date.
 */
/** Profile txn-token with a Transaction Token Service outside the cluster. */
const TXN_TOKEN_FLAGS = [
  '--profile',
  'txn-token',
  '--trust-domain',
  'my-app.example.com',
  '--issuer',
  'https://tts.example.com',
  '--jwks-uri',
  'https://tts.example.com/.well-known/jwks.json',
];

export const COMMITTED_MANIFESTS: readonly {
  readonly file: string;
  readonly argv: readonly string[];
}[] = [
  { file: 'manifests/default.yaml', argv: ['--namespace', 'my-app'] },
  {
    file: 'manifests/plain.yaml',
    argv: [
      '--namespace',
      'my-app',
      '--mode',
      'plain',
      '--issuer',
      'https://issuer.example.com',
      '--jwks-uri',
      'https://issuer.example.com/.well-known/jwks.json',
    ],
  },
  {
    file: 'manifests/helm-gateway.yaml',
    argv: [
      '--namespace',
      'my-app',
      '--gateway-selector',
      'istio=ingress',
      '--gateway-namespace',
      'istio-ingress',
      '--gateway-principal',
      'cluster.local/ns/istio-ingress/sa/istio-ingress',
    ],
  },
  {
    file: 'manifests/gateway-api.yaml',
    argv: [
      '--namespace',
      'my-app',
      '--gateway-name',
      'ingress',
      '--gateway-namespace',
      'istio-ingress',
    ],
  },
  { file: 'manifests/ambient.yaml', argv: ['--namespace', 'my-app', '--dataplane', 'ambient'] },
  {
    file: 'manifests/ambient-gateway-api-plain.yaml',
    argv: [
      '--namespace',
      'my-app',
      '--dataplane',
      'ambient',
      '--gateway-name',
      'ingress',
      '--gateway-namespace',
      'istio-ingress',
      '--mode',
      'plain',
      '--issuer',
      'https://issuer.example.com',
      '--jwks-uri',
      'https://issuer.example.com/.well-known/jwks.json',
    ],
  },
  {
    file: 'manifests/txn-token.yaml',
    argv: ['--namespace', 'my-app', ...TXN_TOKEN_FLAGS],
  },
  {
    file: 'manifests/ambient-txn-token.yaml',
    argv: ['--namespace', 'my-app', '--dataplane', 'ambient', ...TXN_TOKEN_FLAGS],
  },
  {
    file: '../../examples/kubernetes/30-passport-relay-istio.yaml',
    argv: ['--namespace', 'passport-demo', '--external-host', 'httpbin.org'],
  },
  {
    file: '../../examples/kubernetes/txn-token/30-passport-relay-istio.yaml',
    argv: [
      '--namespace',
      'passport-demo',
      '--external-host',
      'httpbin.org',
      '--profile',
      'txn-token',
      '--trust-domain',
      'passport-demo.example.com',
      '--issuer',
      'https://tts.passport-demo.example.com',
      '--jwks-uri',
      'https://tts.passport-demo.example.com/.well-known/jwks.json',
    ],
  },
  {
    file: '../../examples/kubernetes/ambient/30-passport-relay-istio.yaml',
    argv: [
      '--namespace',
      'passport-demo',
      '--dataplane',
      'ambient',
      '--gateway-name',
      'ingress',
      '--gateway-namespace',
      'passport-ingress',
    ],
  },
];

/** Absolute path of a committed file (paths above are relative to packages/istio). */
export function committedPath(file: string): string {
  return fileURLToPath(new URL(`../${file}`, import.meta.url));
}

/** What the CLI prints for `argv`; throws if it refuses them. */
export function renderCli(argv: readonly string[]): string {
  let out = '';
  let err = '';
  const status = runCli(argv, {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
  });
  if (status !== 0) throw new Error(`passport-relay-istio ${argv.join(' ')} failed: ${err}`);
  return out;
}
