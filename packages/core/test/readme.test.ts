import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PASSPORT_ERRORS } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's error table rows: `| `CODE` | status | when |`. */
function documentedErrors(): Record<string, number> {
  const rows: Record<string, number> = {};
  for (const match of readme.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows[match[1]!] = Number(match[2]);
  }
  return rows;
}

describe("core's README", () => {
  it('lists every error code with its status, and no code that does not exist', () => {
    const actual = Object.fromEntries(
      Object.entries(PASSPORT_ERRORS).map(([code, { status }]) => [code, status]),
    );
    expect(documentedErrors()).toEqual(actual);
  });
});
