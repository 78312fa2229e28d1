/**
 * The span attributes for a Transaction Token relay: `sub` → `enduser.id` and the token's `txn` →
 * `txn_token.txn`, so a trace names the transaction the draft asks workloads to log. The token
 * itself is never an attribute. Pass it as `spanAttributes` with a relay on `txnTokenCodec`.
 *
 * @example
 * ```ts
 * new PassportPropagator({ relay: txnRelay, spanAttributes: TXN_TOKEN_SPAN_ATTRIBUTES });
 * ```
 */
export const TXN_TOKEN_SPAN_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({
  sub: 'enduser.id',
  txn: 'txn_token.txn',
});
