import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type Relay } from '@passport-relay/core';
import { assertRelay, checkOptions, numberOption, optionError } from '@passport-relay/core/adapter';
import { describeHttpRequest, describeUndiciRequest } from './internal/request-description.js';
import type { PropagationDoctorOptions } from './options.js';
import { UNDECIDED_CHANNEL, type UndecidedRequest } from './undecided-request.js';

/**
 * What {@link installPropagationDoctor} returns: its counts and findings, an assertion for test
 * suites, and the uninstall.
 * @example
 * ```ts
 * const doctor: PropagationDoctor = installPropagationDoctor(relay);
 * console.log(doctor.counts); // { decided: 12, undecided: 0 }
 * ```
 */
export interface PropagationDoctor {
  /** Outbound requests seen while a passport was in context: decided by a hook, or not. */
  readonly counts: { readonly decided: number; readonly undecided: number };
  /** The most recent undecided requests (see `keep`). */
  readonly undecided: readonly UndecidedRequest[];
  /**
   * Throw when any request was undecided since install (or the last `reset()`), listing them:
   * "every outbound call was decided", as an assertion for your own test suite.
   * @example
   * ```ts
   * afterEach(() => doctor.assertEveryCallDecided());
   * ```
   */
  assertEveryCallDecided(): void;
  /** Forget counts and findings, e.g. between tests. */
  reset(): void;
  /** Stop watching. Calling it again does nothing. */
  uninstall(): void;
}

/**
 * Node announces a `node:http` request at construction, in the caller's call stack (where the hook
 * decides), on `http.client.request.created` since Node 22.14 and 23.2. Before that there is only
 * `http.client.request.start`, published once the request is ended AND has a socket, often a tick
 * later, where no decision can be matched to it: the doctor then leaves `node:http` alone rather
 * than report every request.
 */
const HTTP_CREATED = 'http.client.request.created';
const UNDICI_CREATE = 'undici:request:create';
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split('.').map(Number);
const HTTP_CREATED_PUBLISHED = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 14);

/**
 * The clients the doctor can watch on this Node: `undici` (global `fetch` and npm undici)
 * everywhere, `node:http` (and https, got, node-fetch, axios's http adapter) on Node >= 22.14.
 * @example
 * ```ts
 * if (!WATCHED_CLIENTS.includes('node:http')) console.warn('upgrade Node to check node:http');
 * ```
 */
export const WATCHED_CLIENTS: readonly UndecidedRequest['client'][] = Object.freeze(
  HTTP_CREATED_PUBLISHED ? ['undici', 'node:http'] : ['undici'],
);

const undecidedChannel = channel(UNDECIDED_CHANNEL);

/**
 * Watch every outbound HTTP request this process makes and count those made while `relay` has a
 * passport in context that no passport-relay hook decided: a client nobody hooked, a second copy of
 * undici, a hook uninstalled too early. Such a request leaves without the passport (the next
 * service refuses it) or with one a hand-written header put there without the destination policy.
 *
 * How: core publishes every outbound decision (`passport-relay:injected` or `withheld`)
 * synchronously while the hook handles the request, in the same call stack as the request's
 * creation, which Node's `http.client.request.created` (Node >= 22.14, see {@link WATCHED_CLIENTS})
 * and undici's `undici:request:create` channels announce. A request announced with no
 * decision in its call stack was not decided. Each finding is counted, kept, published on
 * {@link UNDECIDED_CHANNEL}, and with `warn` reported as a process warning.
 *
 * For development and tests: it subscribes to diagnostics channels and does a little work per
 * request. Nothing happens until you call it; `uninstall()` undoes it.
 *
 * @param relay The relay whose context defines "a passport was in context".
 * @param options See {@link PropagationDoctorOptions}.
 * @example
 * ```ts
 * import { installPropagationDoctor } from '@passport-relay/doctor';
 *
 * const doctor = installPropagationDoctor(relay, { warn: true });
 * // ... run the service's flows ...
 * doctor.assertEveryCallDecided();
 * doctor.uninstall();
 * ```
 */
export function installPropagationDoctor<T extends object>(
  relay: Relay<T>,
  options: PropagationDoctorOptions = {},
): PropagationDoctor {
  const { warn, keep } = resolveOptions(relay, options);
  let decided = 0;
  let undecidedCount = 0;
  const findings: UndecidedRequest[] = [];
  const warnedOrigins = new Set<string>();
  const seen = new WeakSet<object>();
  // Decisions published in the current synchronous run, not yet matched with a request.
  let pendingDecisions = 0;
  let clearScheduled = false;

  const onDecision = () => {
    pendingDecisions++;
    if (!clearScheduled) {
      clearScheduled = true;
      queueMicrotask(() => {
        pendingDecisions = 0;
        clearScheduled = false;
      });
    }
  };

  const check = (request: object, describe: () => UndecidedRequest) => {
    if (seen.has(request)) return;
    seen.add(request);
    if (relay.current() === undefined) return;
    if (pendingDecisions > 0) {
      pendingDecisions--;
      decided++;
      return;
    }
    undecidedCount++;
    const finding = Object.freeze(describe());
    findings.push(finding);
    if (findings.length > keep) findings.shift();
    if (undecidedChannel.hasSubscribers) undecidedChannel.publish(finding);
    if (typeof warn === 'function') warn(finding);
    else if (warn && !warnedOrigins.has(finding.origin)) {
      warnedOrigins.add(finding.origin);
      process.emitWarning(
        `passport-relay: ${finding.method} ${finding.origin}${finding.path} (${finding.client}) was sent while a passport was in context, and no passport-relay hook decided it. Install the hook for this client (installHttpPropagation, installGlobalFetchPropagation, passportInterceptor, ...) or check for a second copy of it.`,
        { code: 'PASSPORT_RELAY_UNDECIDED' },
      );
    }
  };

  type HttpMessage = { request: Parameters<typeof describeHttpRequest>[0] & object };
  type UndiciMessage = { request: Parameters<typeof describeUndiciRequest>[0] & object };
  const onHttpRequest = (message: unknown) => {
    const { request } = message as HttpMessage;
    check(request, () => describeHttpRequest(request));
  };
  const onUndiciRequest = (message: unknown) => {
    const { request } = message as UndiciMessage;
    check(request, () => describeUndiciRequest(request));
  };

  const subscriptions: [string, (message: unknown) => void][] = [
    [DIAGNOSTICS_CHANNELS.injected, onDecision],
    [DIAGNOSTICS_CHANNELS.withheld, onDecision],
    [UNDICI_CREATE, onUndiciRequest],
  ];
  if (HTTP_CREATED_PUBLISHED) subscriptions.push([HTTP_CREATED, onHttpRequest]);
  for (const [name, listener] of subscriptions) subscribe(name, listener);
  let installed = true;

  return {
    get counts() {
      return { decided, undecided: undecidedCount };
    },
    get undecided() {
      return [...findings];
    },
    assertEveryCallDecided() {
      if (undecidedCount === 0) return;
      const listed = findings
        .map(
          (finding) => `  ${finding.method} ${finding.origin}${finding.path} (${finding.client})`,
        )
        .join('\n');
      throw new Error(
        `${undecidedCount} outbound request(s) were sent while a passport was in context, and no passport-relay hook decided them:\n${listed}\nInstall the hook for each client, or look for a second copy of it.`,
      );
    },
    reset() {
      decided = 0;
      undecidedCount = 0;
      findings.length = 0;
      warnedOrigins.clear();
    },
    uninstall() {
      if (!installed) return;
      installed = false;
      for (const [name, listener] of subscriptions) unsubscribe(name, listener);
    },
  };
}

function resolveOptions(
  relay: Relay<object>,
  options: PropagationDoctorOptions,
): { warn: NonNullable<PropagationDoctorOptions['warn']>; keep: number } {
  const where = 'installPropagationDoctor';
  assertRelay(relay, where);
  const checked = checkOptions(where, options, {
    known: ['warn', 'keep'],
    example: 'installPropagationDoctor(relay, { warn: true })',
  });
  const warn = checked.warn ?? false;
  if (typeof warn !== 'boolean' && typeof warn !== 'function') {
    throw optionError(where, '"warn" must be true, false or a function (finding) => void.');
  }
  const keep = numberOption(where, 'keep', checked.keep, {
    min: 0,
    max: 100_000,
    fallback: 100,
    integer: true,
  });
  return { warn: warn as NonNullable<PropagationDoctorOptions['warn']>, keep };
}
