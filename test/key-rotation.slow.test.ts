import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceName, startTopology, type Topology } from '../examples/demo/src/topology.js';
import { checkout, client, type Outcome, sawOnlyItsUser } from './demo/checkout.js';

/**
 * The edge rotates its passport key twice while the demo topology (five processes) serves
 * checkouts. Services take the keys from the gateway's JWKS (remoteJwks), the gateway holds them
 * in a key ring that publishes before it signs and keeps a replaced key until its passports
 * expired. Nothing is restarted, and no request may be refused.
 *
 * The waits are the ring's own rules, shortened: services refresh the JWKS every 500 ms, the ring
 * waits 2 s between publishing and signing, passports live 3 s, and a replaced key stays
 * published for 3 s + the services' 5 s tolerance + 1 s.
 */
const ROTATION = {
  jwksMaxAgeMs: 500,
  propagationMs: 2_000,
  passportTtlSeconds: 3,
  retentionMs: 9_000,
} as const;
const SERVICES: readonly ServiceName[] = ['orders', 'payments', 'users'];
const INITIAL_KID = 'demo-1';

interface KeyStatus {
  readonly kid: string;
  readonly state: string;
  readonly activatedAt?: number;
  readonly activatableAt?: number;
  readonly retirableAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('key rotation under load in the demo topology', () => {
  let topology: Topology;
  const users = Array.from({ length: 20 }, (_, i) => `rotor-${i}`);
  const tokens = new Map<string, string>();

  async function admin(step: 'publish' | 'activate' | 'retire', kid?: string): Promise<KeyStatus> {
    const response = await fetch(`${topology.url.gateway}/admin/keys/${step}`, {
      method: 'POST',
      body: JSON.stringify({ kid }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`${step} ${kid}: ${JSON.stringify(body)}`);
    return body as KeyStatus;
  }

  async function ring(): Promise<{ keys: KeyStatus[]; signedBy: Record<string, number> }> {
    return (await fetch(`${topology.url.gateway}/admin/keys`)).json() as never;
  }

  /** Wait until `at` (ms since the epoch), plus a little so the gateway's clock agrees. */
  const until = (at: number) => sleep(Math.max(0, at - Date.now()) + 50);

  /** When `service` first reported holding `kid`, or undefined. */
  const firstHeld = (service: ServiceName, kid: string) =>
    topology.keyEvents.find((event) => event.service === service && event.kids.includes(kid))?.at;

  beforeAll(async () => {
    topology = await startTopology({ keyRotation: ROTATION });
    // Services started before the gateway, with its JWKS unreachable: they fetch it once it is up.
    const deadline = Date.now() + 30_000;
    while (SERVICES.some((service) => firstHeld(service, INITIAL_KID) === undefined)) {
      if (Date.now() > deadline) throw new Error('services never loaded the gateway JWKS');
      await sleep(50);
    }
    for (const user of users) tokens.set(user, await topology.login(user));
  });
  afterAll(async () => topology?.stop());

  it('rotates twice with 0 refusals and never signs with a key a service does not hold yet', async () => {
    const outcomes: Outcome[] = [];
    let flowing = true;
    const dispatcher = client(20);
    const workers = users.map(async (user) => {
      while (flowing) {
        outcomes.push(await checkout(topology.url.gateway, user, tokens.get(user)!, dispatcher));
      }
    });

    try {
      await sleep(500);
      // Rotation 1, then rotation 2 right behind it: three keys published at once.
      const second = await admin('publish');
      await until(second.activatableAt!);
      await admin('activate', second.kid);
      const third = await admin('publish');
      await until(third.activatableAt!);
      await admin('activate', third.kid);
      // Retire each replaced key once its passports have expired everywhere.
      for (const kid of [INITIAL_KID, second.kid]) {
        const status = (await ring()).keys.find((key) => key.kid === kid)!;
        await until(status.retirableAt!);
        await admin('retire', kid);
      }
      // Let the services drop the retired keys while requests still flow.
      await sleep(ROTATION.jwksMaxAgeMs * 3);
    } finally {
      flowing = false;
      await Promise.all(workers);
      await dispatcher.close();
    }

    const { keys, signedBy } = await ring();
    expect(keys.map((key) => [key.kid, key.state])).toEqual([
      [INITIAL_KID, 'retired'],
      [keys[1]!.kid, 'retired'],
      [keys[2]!.kid, 'active'],
    ]);
    // Every key signed passports that were then verified at every hop.
    for (const key of keys)
      expect({ kid: key.kid, signed: (signedBy[key.kid] ?? 0) > 0 }).toEqual({
        kid: key.kid,
        signed: true,
      });

    // 0 refusals, and no passport crossed to another user.
    const refused = outcomes.filter((outcome) => outcome.status !== 200);
    expect(refused.slice(0, 3)).toEqual([]);
    expect(outcomes.filter((outcome) => !sawOnlyItsUser(outcome)).slice(0, 3)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);

    // Every service held each new key before the gateway signed its first passport with it.
    for (const key of keys.slice(1)) {
      for (const service of SERVICES) {
        const held = firstHeld(service, key.kid);
        expect({
          service,
          kid: key.kid,
          heldBeforeSigning: held !== undefined && held < key.activatedAt!,
        }).toEqual({
          service,
          kid: key.kid,
          heldBeforeSigning: true,
        });
      }
    }
    // ...and dropped the retired ones.
    for (const service of SERVICES) {
      const last = topology.keyEvents
        .filter((event) => event.service === service && !event.error)
        .at(-1);
      expect({ service, kids: last?.kids }).toEqual({ service, kids: [keys[2]!.kid] });
    }
  });
});
