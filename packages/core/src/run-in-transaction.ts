import type { Relay } from './relay.js';

/**
 * Run `fn` inside the transaction a Txn-Token describes, for work that starts inside the system (a
 * cron job, a queue consumer) rather than from a request. The token is verified exactly as an
 * inbound one would be; outbound calls made inside carry it, unmodified, to allowed destinations.
 *
 * @example
 * ```ts
 * const token = minter.mint({ sub: 'billing-cron', scope: 'invoices.send' });
 * await runInTransaction(relay, token, () => fetch('http://invoices/send', { method: 'POST' }));
 * ```
 */
export function runInTransaction<T extends object, R>(
  relay: Relay<T>,
  token: string,
  fn: () => R,
): R {
  const context = relay.extract({ [relay.header]: token }, { required: true });
  return relay.runWith(context, fn);
}
