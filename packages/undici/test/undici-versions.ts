import { createRequire } from 'node:module';
import * as undici7 from 'undici';
import { describe, it } from 'vitest';

/** An undici module as the tests use it (typed as undici 7; undici 8 has the same surface here). */
export type Undici = typeof undici7;

export interface UndiciUnderTest {
  readonly name: string;
  readonly major: number;
  readonly undici: Undici;
}

const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
/** undici 8 declares `engines.node >= 22.19`: on an older Node its suites are skipped, saying so. */
const RUNS_UNDICI_8 = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 19);

/**
 * undici 8, from the test-only workspace package peers/undici-8. On a Node that runs it, a missing
 * copy fails the suite: it is never skipped silently.
 */
function loadUndici8(): Undici | undefined {
  if (!RUNS_UNDICI_8) return undefined;
  const here = createRequire(import.meta.url);
  const peer = here.resolve('@passport-relay-peers/undici-8/package.json');
  try {
    return createRequire(peer)('undici') as Undici;
  } catch (cause) {
    throw new Error(`undici 8 is not installed (peers/undici-8 holds it): run \`pnpm install\`.`, {
      cause,
    });
  }
}

const undici8 = loadUndici8();

/** The peer range `^7 || ^8` at its oldest and newest major. */
export const UNDICI_VERSIONS: readonly (Omit<UndiciUnderTest, 'undici'> & {
  readonly undici: Undici | undefined;
})[] = [
  { name: 'undici 7', major: 7, undici: undici7 },
  { name: 'undici 8', major: 8, undici: undici8 },
];

/**
 * One `describe` per undici major; the undici 8 one is a skipped test naming the reason on a Node
 * older than 22.19.
 */
export function describeEachUndici(define: (version: UndiciUnderTest) => void): void {
  for (const version of UNDICI_VERSIONS) {
    const { undici } = version;
    describe(version.name, () => {
      if (undici === undefined) {
        it.skip(`needs Node >= 22.19 (undici ${version.major}'s engines); this is Node ${process.versions.node}`, () => {});
        return;
      }
      define({ ...version, undici });
    });
  }
}

const V1 = Symbol.for('undici.globalDispatcher.1');
const V2 = Symbol.for('undici.globalDispatcher.2');

/** Save both global dispatcher slots as they are; the function returned puts them back exactly. */
export function saveGlobalDispatchers(): () => void {
  const slots = globalThis as unknown as Record<symbol, unknown>;
  const saved = { v1: slots[V1], v2: slots[V2] };
  return () => {
    slots[V1] = saved.v1;
    slots[V2] = saved.v2;
  };
}
