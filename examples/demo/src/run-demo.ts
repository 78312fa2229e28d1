/**
 * The demo: start every service as its own Node process on loopback, send requests as two users at
 * once plus a forged and an anonymous one, and report each request's journey.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { flatten, type Hop, type HopReport, partnerOf } from './journey.js';
import { type DemoFormat, startTopology } from './topology.js';

export interface RequestJourney {
  readonly user: string;
  readonly status: number;
  readonly hops: Hop[];
  readonly partner: { readonly receivedPassport: boolean } | undefined;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly format: DemoFormat;
  readonly requests: RequestJourney[];
  readonly partner: { readonly receivedPassport: boolean; readonly requests: number };
  readonly forged: { readonly status: number; readonly code: string | undefined };
  readonly anonymous: { readonly status: number; readonly code: string | undefined };
  readonly checks: { readonly name: string; readonly ok: boolean }[];
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/** A passport (or Txn-Token) an attacker signs with a key of their own, claiming to be an admin. */
function forgePassport(format: DemoFormat): string {
  const attacker = generateKeyPairSync('ed25519');
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    sub: 'mallory',
    roles: ['admin'],
    iss: 'https://gateway.demo',
    iat: now,
    exp: now + 300,
  };
  const txn = {
    txn: 'forged',
    aud: 'passport-demo.internal',
    scope: 'checkout',
    req_wl: 'mallory',
  };
  const input =
    format === 'txn-token'
      ? `${part({ alg: 'EdDSA', kid: 'demo-1', typ: 'txntoken+jwt' })}.${part({ ...claims, ...txn })}`
      : `${part({ alg: 'EdDSA', kid: 'demo-1', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), attacker.privateKey).toString('base64url')}`;
}

export async function runDemo(options: { readonly format?: DemoFormat } = {}): Promise<DemoResult> {
  const format = options.format ?? 'passport';
  const topology = await startTopology({ format });
  const stopOnSignal = () => void topology.stop().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    const { url } = topology;
    const tokens = { alice: await topology.login('alice'), bob: await topology.login('bob') };

    // Both users at the same time, interleaved.
    const order = ['alice', 'bob', 'alice', 'bob', 'bob', 'alice'] as const;
    const requests = await Promise.all(
      order.map(async (user, index): Promise<RequestJourney> => {
        const response = await fetch(`${url.gateway}/checkout`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ item: `book-${index}` }),
        });
        const report = (await json(response)) as unknown as HopReport;
        return { user, status: response.status, hops: flatten(report), partner: partnerOf(report) };
      }),
    );

    // A forged passport sent straight to an internal service, past the gateway.
    const forgedResponse = await fetch(`${url.orders}/checkout`, {
      method: 'POST',
      headers: {
        [format === 'txn-token' ? 'txn-token' : 'passport']: forgePassport(format),
        'content-type': 'application/json',
      },
      body: '{}',
    });
    const forged = {
      status: forgedResponse.status,
      code: (await json(forgedResponse)).code as string | undefined,
    };

    // No token at all.
    const anonymousResponse = await fetch(`${url.gateway}/checkout`, {
      method: 'POST',
      body: '{}',
    });
    const anonymous = {
      status: anonymousResponse.status,
      code: (await json(anonymousResponse)).code as string | undefined,
    };

    const partnerReport = (await json(await fetch(`${url.partner}/report`))) as {
      receivedPassport: boolean;
      requests: number;
    };

    const services = ['gateway', 'orders', 'payments', 'users'];
    const checks = [
      { name: 'every request succeeded', ok: requests.every((r) => r.status === 200) },
      {
        name: 'every hop of every request saw its own user, verified',
        ok: requests.every(
          (r) =>
            r.hops.map((h) => h.service).join() === services.join() &&
            r.hops.every((h) => h.sub === r.user && (h.service === 'gateway' || h.verified)),
        ),
      },
      {
        name: 'the partner API received no passport',
        ok: !partnerReport.receivedPassport && partnerReport.requests === requests.length,
      },
      {
        name: 'the forged passport was refused (401, bad signature)',
        ok: forged.status === 401 && forged.code === 'ERR_PASSPORT_SIGNATURE',
      },
      { name: 'the anonymous request was refused (401)', ok: anonymous.status === 401 },
    ];
    if (format === 'txn-token') {
      const txns = requests.map((r) => new Set(r.hops.map((h) => h.txn)));
      checks.push({
        name: 'every hop verified a Txn-Token, one txn per request, a new one for each request',
        ok:
          requests.every((r) => r.hops.every((h) => h.header === 'txn-token')) &&
          txns.every((set) => set.size === 1 && typeof [...set][0] === 'string') &&
          new Set(txns.map((set) => [...set][0])).size === requests.length,
      });
    }
    return {
      ok: checks.every((check) => check.ok),
      format,
      requests,
      partner: partnerReport,
      forged,
      anonymous,
      checks,
    };
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    await topology.stop();
  }
}
