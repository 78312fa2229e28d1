import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Relay } from '@passport-relay/core';
import { agedPassport, createTestRelay, type TestRelay } from '@passport-relay/testing';

/** One message a test sends: who sends it, and what the consumer must do with it. */
export interface PlannedMessage {
  readonly id: string;
  /** The caller the producer runs as (good and late messages), and the consumer must see. */
  readonly sub: string;
  /** good: carries its producer's passport; late: expired in the broker within the policy's age;
   * forged: another key's signature; expired: issued longer ago than the policy allows. */
  readonly kind: 'good' | 'late' | 'forged' | 'expired';
  /** The passport set explicitly on the message (late, forged, expired); good ones get theirs from context. */
  readonly passport?: string;
}

/** What travels in a message body. */
export interface MessageBody {
  readonly id: string;
  readonly sub: string;
}

/** A seeded shuffle, so a failing run can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  for (let i = items.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * `callers × perCaller` good messages plus `bad` each of forged, expired and late ones,
 * interleaved in a seeded order.
 */
export function planMessages(
  test: TestRelay,
  {
    callers,
    perCaller,
    bad,
    prefix,
  }: { callers: number; perCaller: number; bad: number; prefix: string },
): PlannedMessage[] {
  const stranger = createTestRelay({ issuer: test.issuer });
  const plan: PlannedMessage[] = [];
  for (let i = 0; i < callers * perCaller; i++) {
    plan.push({ id: `${prefix}-g${i}`, sub: `caller-${i % callers}`, kind: 'good' });
  }
  for (let k = 0; k < bad; k++) {
    plan.push({
      id: `${prefix}-f${k}`,
      sub: 'mallory',
      kind: 'forged',
      passport: stranger.relay.issue({ sub: 'mallory' }),
    });
    plan.push({
      id: `${prefix}-e${k}`,
      sub: `stale-${k}`,
      kind: 'expired',
      passport: agedPassport(test, { sub: `stale-${k}` }, { issuedSecondsAgo: 7200 }),
    });
    plan.push({
      id: `${prefix}-l${k}`,
      sub: `late-${k}`,
      kind: 'late',
      passport: agedPassport(test, { sub: `late-${k}` }, { issuedSecondsAgo: 900 }),
    });
  }
  return shuffle(plan, 20261207);
}

/**
 * What the consumers did: every handling with the passport it ran as, every refusal with its
 * code. Handlers call `handled` inside the adapter's context; refusal hooks call `refused`.
 */
export class MessageLedger {
  readonly handlings = new Map<string, number>();
  readonly misattributed: string[] = [];
  readonly ranBad: string[] = [];
  readonly refusals = new Map<string, string>();
  readonly redeliveries: string[] = [];
  readonly #kinds: Map<string, PlannedMessage['kind']>;

  constructor(plan: readonly PlannedMessage[]) {
    this.#kinds = new Map(plan.map((message) => [message.id, message.kind]));
  }

  /** Called by a handler: `relay.current()` is who the adapter says the caller is. */
  handled(body: MessageBody, relay: Relay, redelivered = false): void {
    const sub = relay.current()?.sub;
    if (sub !== body.sub)
      this.misattributed.push(`${body.id}: expected ${body.sub}, ran as ${sub}`);
    const kind = this.#kinds.get(body.id);
    if (kind === 'forged' || kind === 'expired') this.ranBad.push(body.id);
    this.handlings.set(body.id, (this.handlings.get(body.id) ?? 0) + 1);
    if (redelivered) this.redeliveries.push(body.id);
  }

  refused(id: string, code: string): void {
    this.refusals.set(id, code);
  }

  /** Every planned message was either handled or refused. */
  settled(plan: readonly PlannedMessage[]): boolean {
    return plan.every((message) => this.handlings.has(message.id) || this.refusals.has(message.id));
  }

  /** The verdict the tests assert, and print as the figures. */
  summary(plan: readonly PlannedMessage[]) {
    const of = (kind: PlannedMessage['kind']) => plan.filter((message) => message.kind === kind);
    const good = of('good');
    return {
      good: good.length,
      goodHandled: good.filter((message) => this.handlings.has(message.id)).length,
      missing: plan.filter(
        (m) => (m.kind === 'good' || m.kind === 'late') && !this.handlings.has(m.id),
      ).length,
      misattributed: this.misattributed.length,
      lateHandled: of('late').filter((message) => this.handlings.has(message.id)).length,
      forgedRefused: of('forged').filter(
        (m) => this.refusals.get(m.id) === 'ERR_PASSPORT_SIGNATURE',
      ).length,
      expiredRefused: of('expired').filter(
        (m) => this.refusals.get(m.id) === 'ERR_PASSPORT_EXPIRED',
      ).length,
      badRan: this.ranBad.length,
      duplicates: [...this.handlings.values()].reduce((sum, count) => sum + count - 1, 0),
    };
  }
}

/** Poll `done` until true; fail with `what()` after `timeoutMs`. */
export async function until(
  done: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A consumer in a child process (support/message-consumer.ts) that hangs in its first handler. */
export interface ChildConsumer {
  readonly process: ChildProcess;
  /** Resolves with `{ id, sub }` when the child starts handling a message. */
  readonly handling: Promise<{ id: string; sub: string }>;
  readonly ready: Promise<void>;
  kill(): Promise<void>;
}

export function startChildConsumer(env: Record<string, string>): ChildConsumer {
  const script = fileURLToPath(new URL('./message-consumer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout);
        if (match !== null) resolve(match);
      };
      // registered after the appending listener, so it sees each chunk already appended
      child.stdout?.on('data', check);
      child.once('exit', (code, signal) =>
        reject(new Error(`consumer exited (${code ?? signal}) early:\n${stderr}`)),
      );
    });
  const ready = line(/READY/).then(() => undefined);
  const handling = line(/HANDLING (\S+) (\S+)/).then((match) => ({
    id: match[1]!,
    sub: match[2]!,
  }));
  ready.catch(() => {});
  handling.catch(() => {});
  return {
    process: child,
    ready,
    handling,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
