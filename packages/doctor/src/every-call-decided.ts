import type { Relay } from '@passport-relay/core';
import { installPropagationDoctor } from './propagation-doctor.js';

/**
 * Run `fn` (a flow of your service, with its outbound calls) under a fresh propagation doctor and
 * reject when any outbound request it made while a passport was in context was not decided by a
 * passport-relay hook. The assertion a team puts in its own test suite: "every outbound call was
 * decided". Resolves with what `fn` returned.
 *
 * The doctor watches the whole process while `fn` runs: run such a test on its own, not beside
 * other tests that make requests.
 *
 * @example
 * ```ts
 * it('every outbound call of checkout carries or withholds the passport on purpose', async () => {
 *   await expectEveryCallDecided(relay, () => relay.run({ sub: 'alice' }, () => checkout(cart)));
 * });
 * ```
 */
export async function expectEveryCallDecided<T extends object, R>(
  relay: Relay<T>,
  fn: () => R | Promise<R>,
): Promise<R> {
  const doctor = installPropagationDoctor(relay);
  try {
    const result = await fn();
    doctor.assertEveryCallDecided();
    return result;
  } finally {
    doctor.uninstall();
  }
}
