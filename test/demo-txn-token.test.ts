import { describe, expect, it } from 'vitest';
import { runDemo } from '../examples/demo/src/run-demo.js';

// `pnpm demo -- --txn-token`: the demo's five processes with IETF Transaction Tokens instead of
// signed passports. The gateway mints one Txn-Token per request as a local TTS; Express, Fastify
// and Nest verify it and forward it unmodified; the partner gets nothing.
describe('the demo in Txn-Token mode', () => {
  it('behaves: every check passes, one txn per request across all hops', async () => {
    const result = await runDemo({ format: 'txn-token' });
    expect(result.format).toBe('txn-token');
    expect(
      result.checks.filter((check) => !check.ok),
      JSON.stringify(result.checks),
    ).toEqual([]);
    expect(result.checks.map((check) => check.name)).toContain(
      'every hop verified a Txn-Token, one txn per request, a new one for each request',
    );
    expect(result.forged).toEqual({ status: 401, code: 'ERR_PASSPORT_SIGNATURE' });
    for (const request of result.requests) {
      expect(request.hops.map((hop) => hop.header)).toEqual([
        'txn-token',
        'txn-token',
        'txn-token',
        'txn-token',
      ]);
    }
  });
});
