/**
 * `pnpm demo`: five Node processes on loopback, two users at once, a forged and an anonymous
 * request, and each request's journey printed as a table (`--json` for one JSON object).
 * Exits 0 when everything behaved, 1 otherwise; stops every process it started.
 */
import { renderDemo } from './src/render.js';
import { runDemo } from './src/run-demo.js';

const asJson = process.argv.includes('--json');
// `pnpm demo -- --txn-token` (or PASSPORT_RELAY_DEMO_FORMAT=txn-token): IETF Transaction Tokens
// minted by the gateway as a local TTS, instead of signed passports.
const format =
  process.argv.includes('--txn-token') || process.env.PASSPORT_RELAY_DEMO_FORMAT === 'txn-token'
    ? 'txn-token'
    : 'passport';
try {
  const result = await runDemo({ format });
  console.log(asJson ? JSON.stringify(result, null, 2) : renderDemo(result));
  process.exitCode = result.ok ? 0 : 1;
} catch (error) {
  console.error('demo failed:', error);
  process.exitCode = 1;
}
