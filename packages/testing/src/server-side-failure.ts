import type { PassportFields, StandardSchemaV1 } from '@passport-relay/core';

/** The `sub` for which {@link schemaFailingFor} fails as the server's own problem. */
export const SERVER_FAILURE_SUB = 'server-side-failure';

/**
 * A Standard Schema that accepts every passport synchronously except one whose `sub` is `sub`,
 * which it validates asynchronously: a misconfiguration core can only find on that request. A relay
 * created with it answers that passport with a server-side `ERR_PASSPORT_OPTIONS` (500), so a test
 * can check that an adapter's response hides the configuration detail.
 *
 * @param sub The `sub` that triggers the failure.
 * @default sub SERVER_FAILURE_SUB
 * @example
 * ```ts
 * const { relay } = createTestRelay({ schema: schemaFailingFor() });
 * const token = relay.issue({ sub: SERVER_FAILURE_SUB });
 * // a request with it gets 500, and a body without "asynchronously"
 * ```
 */
export function schemaFailingFor(
  sub: string = SERVER_FAILURE_SUB,
): StandardSchemaV1<unknown, PassportFields> {
  return {
    '~standard': {
      version: 1,
      vendor: 'passport-relay-testing',
      validate(value) {
        const claims = value as { sub?: unknown };
        if (claims?.sub === sub) return Promise.resolve({ value: value as PassportFields });
        return { value: value as PassportFields };
      },
    },
  };
}
