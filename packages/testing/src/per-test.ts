/**
 * The per-test hooks of your test runner. vitest, Jest, Mocha and `node:test` all have them: pass
 * `{ beforeEach, afterEach }` as imported (or global). The kit never registers hooks on its own.
 * @example
 * ```ts
 * import { afterEach, beforeEach } from 'vitest'; // or 'node:test', or Jest's globals
 *
 * const hooks: TestHooks = { beforeEach, afterEach };
 * ```
 */
export interface TestHooks {
  beforeEach(fn: () => unknown): unknown;
  afterEach(fn: () => unknown): unknown;
}

/**
 * Install a hook before each test and uninstall it after: `install` is any function that installs
 * and returns its uninstall, such as `installHttpPropagation(relay)`. Call it where you would call
 * `beforeEach` (top level or inside a `describe`).
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach } from 'vitest';
 *
 * installPerTest({ beforeEach, afterEach }, () => installAxiosPropagation(relay, { axios }));
 * ```
 */
export function installPerTest(hooks: TestHooks, install: () => () => void): void {
  let uninstall: (() => void) | undefined;
  hooks.beforeEach(() => {
    uninstall = install();
  });
  hooks.afterEach(() => {
    const installed = uninstall;
    uninstall = undefined;
    installed?.();
  });
}
