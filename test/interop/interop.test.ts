/**
 * The wire format against other languages' stock JWT libraries, from Debian's packages (installed
 * by .ci/needs/keys.sh): Python's PyJWT and Go's golang-jwt each verify every signed vector of
 * docs/wire-format/vectors-v1.json and passports the SDK mints now, with the same verdicts, and
 * mint passports the SDK must accept. A mismatch names its vector.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRelay, isPassportError, signedCodec } from '@passport-relay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import vectorFile from '../../docs/wire-format/vectors-v1.json' with { type: 'json' };

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const GO_JWT = '/usr/share/gocode/src/github.com/golang-jwt/jwt';

type Jwk = Record<string, string>;
interface Case {
  readonly id: string;
  readonly token: string;
  readonly keys: readonly Jwk[];
  readonly verify: Record<string, unknown>;
  readonly expect: { verdict: 'accept' | 'refuse'; claims?: Record<string, unknown> };
}
interface Outcome {
  readonly id: string;
  readonly verdict: string;
  readonly reason?: string;
  readonly claims?: Record<string, unknown>;
  readonly token?: string;
}

const keys = vectorFile.keys as unknown as Record<
  string,
  { public?: Jwk; private?: Jwk; secret?: Jwk }
>;
const ISSUER = 'https://edge.passport-relay.test';
const AUDIENCE = 'orders';
const ed1 = keys['ed-1']!;
const hs1 = keys['hs-1']!.secret!;

/** Every signed passport vector of the file, with its keys resolved to JWKs. */
function fileCases(): Case[] {
  return (
    vectorFile.vectors as unknown as (Case & {
      profile: string;
      verify: { mode: string; keys: string[] };
    })[]
  )
    .filter((vector) => vector.profile === 'passport' && vector.verify.mode === 'signed')
    .map((vector) => ({
      id: vector.id,
      token: vector.token,
      keys: vector.verify.keys.map((name) => (keys[name]!.public ?? keys[name]!.secret)!),
      verify: vector.verify,
      expect: vector.expect,
    }));
}

/** Passports the SDK mints now, with each algorithm. */
function mintedCases(): Case[] {
  const now = Math.floor(Date.now() / 1000);
  const signingKeys = {
    EdDSA: { alg: 'EdDSA', kid: 'ed-1', key: ed1.private },
    HS256: { alg: 'HS256', kid: 'hs-1', secret: Buffer.from(hs1.k!, 'base64url') },
  } as const;
  return Object.entries(signingKeys).map(([alg, signingKey]) => {
    const relay = createRelay({
      codec: signedCodec({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: [ed1.public as never, hs1 as never],
        signingKey: signingKey as never,
      }),
    });
    const token = relay.issue({ sub: `sdk-${alg}`, roles: ['buyer'], tenant: 'acme' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    return {
      id: `sdk-minted/${alg}`,
      token,
      keys: [ed1.public!, hs1],
      verify: {
        issuer: ISSUER,
        audience: [AUDIENCE],
        now,
        clockToleranceSeconds: 5,
        maxHeaderBytes: 4096,
      },
      expect: { verdict: 'accept', claims },
    };
  });
}

/** Cases whose verdict (or accepted claims) differ: empty when the library agrees. */
interface Mismatch {
  readonly vector: string;
  readonly expected: unknown;
  readonly got: unknown;
  readonly reason?: string | undefined;
}

function mismatches(cases: readonly Case[], outcomes: readonly Outcome[]): Mismatch[] {
  const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
  return cases.flatMap((c): Mismatch[] => {
    const got = byId.get(c.id);
    if (got === undefined) return [{ vector: c.id, expected: c.expect.verdict, got: 'no answer' }];
    if (got.verdict !== c.expect.verdict) {
      return [{ vector: c.id, expected: c.expect.verdict, got: got.verdict, reason: got.reason }];
    }
    if (
      c.expect.verdict === 'accept' &&
      JSON.stringify(sorted(got.claims)) !== JSON.stringify(sorted(c.expect.claims))
    ) {
      return [{ vector: c.id, expected: c.expect.claims, got: got.claims }];
    }
    return [];
  });
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}

/** What the SDK says about a passport another language minted. */
function sdkVerdict(token: string): Record<string, unknown> | string {
  const relay = createRelay({
    codec: signedCodec({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [ed1.public as never, hs1 as never],
    }),
    cache: false,
  });
  try {
    return { ...relay.verify(token) };
  } catch (error) {
    if (isPassportError(error)) return error.code;
    throw error;
  }
}

const mintInput = {
  issuer: ISSUER,
  audience: AUDIENCE,
  keys: [ed1.private!, hs1],
};

let work: string;
let casesFile: string;
let mintFile: string;
const cases = [...fileCases(), ...mintedCases()];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'passport-interop-'));
  casesFile = join(work, 'cases.json');
  mintFile = join(work, 'mint.json');
  writeFileSync(casesFile, JSON.stringify(cases));
  writeFileSync(mintFile, JSON.stringify(mintInput));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('interop: Python (PyJWT from python3-jwt)', () => {
  const script = join(here, 'python', 'passport_interop.py');

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run .ci/needs/keys.sh`);
    await run(PYTHON, ['-c', 'import jwt, cryptography']).catch((cause) => {
      throw new Error('python3-jwt (with python3-cryptography) is missing: run .ci/needs/keys.sh', {
        cause,
      });
    });
  });

  it("verifies every signed vector and the SDK-minted passports with the SDK's verdicts", async () => {
    const { stdout } = await run(PYTHON, [script, 'verify', casesFile]);
    const { results } = JSON.parse(stdout) as { results: Outcome[] };
    expect(cases.length).toBeGreaterThan(30);
    expect(mismatches(cases, results)).toEqual([]);
  });

  it('mints EdDSA and HS256 passports the SDK accepts', async () => {
    const { stdout } = await run(PYTHON, [script, 'mint', mintFile]);
    const { results } = JSON.parse(stdout) as { results: Outcome[] };
    expect(results.map((minted) => minted.id)).toEqual(['python/EdDSA', 'python/HS256']);
    for (const minted of results) {
      expect({ id: minted.id, verdict: sdkVerdict(minted.token!) }).toEqual({
        id: minted.id,
        verdict: expect.objectContaining({
          sub: 'py-user',
          iss: ISSUER,
          aud: AUDIENCE,
          tenant: 'acme',
        }),
      });
    }
  });
});

describe('interop: Go (golang-jwt from golang-github-golang-jwt-jwt-dev)', () => {
  let binary: string;

  beforeAll(async () => {
    if (!existsSync(GO_JWT)) {
      throw new Error(
        `${GO_JWT} is missing: run .ci/needs/keys.sh (golang-github-golang-jwt-jwt-dev)`,
      );
    }
    binary = join(work, 'interop');
    // Offline, against Debian's /usr/share/gocode: GOPATH mode, no module proxy.
    await run('go', ['build', '-o', binary, 'main.go'], {
      cwd: join(here, 'go'),
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: '/usr/share/gocode',
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: join(work, 'go-cache'),
      },
    }).catch((cause) => {
      throw new Error(
        `go build failed (is golang-go installed? run .ci/needs/keys.sh): ${cause.stderr ?? cause}`,
        { cause },
      );
    });
  });

  it("verifies every signed vector and the SDK-minted passports with the SDK's verdicts", async () => {
    const { stdout } = await run(binary, ['verify', casesFile]);
    const { results } = JSON.parse(stdout) as { results: Outcome[] };
    expect(mismatches(cases, results)).toEqual([]);
  });

  it('mints EdDSA and HS256 passports the SDK accepts', async () => {
    const { stdout } = await run(binary, ['mint', mintFile]);
    const { results } = JSON.parse(stdout) as { results: Outcome[] };
    expect(results.map((minted) => minted.id)).toEqual(['go/EdDSA', 'go/HS256']);
    for (const minted of results) {
      expect({ id: minted.id, verdict: sdkVerdict(minted.token!) }).toEqual({
        id: minted.id,
        verdict: expect.objectContaining({
          sub: 'go-user',
          iss: ISSUER,
          aud: AUDIENCE,
          tenant: 'acme',
        }),
      });
    }
  });
});
