import type { DemoResult } from './run-demo.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The demo's facts as a person reads them. */
export function renderDemo(result: DemoResult): string {
  const out: string[] = [
    result.format === 'txn-token'
      ? 'Format: IETF Transaction Tokens (txn-token header; the gateway is a local TTS)'
      : 'Format: signed passports (passport header)',
  ];
  for (const [index, request] of result.requests.entries()) {
    out.push(`\nRequest ${index + 1}: ${request.user}, HTTP ${request.status}`);
    const rows = [['  hop', 'framework', 'next call with', 'passport subject', 'verified']];
    for (const hop of request.hops) {
      rows.push([
        `  ${hop.service}`,
        hop.framework,
        hop.client,
        hop.sub ?? '(none)',
        hop.service === 'gateway' ? 'minted here' : hop.verified ? 'yes' : 'no',
      ]);
    }
    rows.push([
      '  partner API',
      '(third party)',
      '-',
      request.partner?.receivedPassport ? 'RECEIVED A PASSPORT' : '(none: not on the allowlist)',
      '-',
    ]);
    out.push(table(rows));
  }
  out.push(
    '',
    `Forged passport sent straight to orders: HTTP ${result.forged.status} ${result.forged.code ?? ''}`,
    `No token at the gateway:                 HTTP ${result.anonymous.status} ${result.anonymous.code ?? ''}`,
    `Partner API: ${result.partner.requests} requests, passport received: ${result.partner.receivedPassport ? 'YES' : 'never'}`,
    '',
    ...result.checks.map((check) => `${check.ok ? '✓' : '✗'} ${check.name}`),
    '',
    result.ok ? 'Everything behaved.' : 'SOMETHING MISBEHAVED (see ✗ above).',
  );
  return out.join('\n');
}
