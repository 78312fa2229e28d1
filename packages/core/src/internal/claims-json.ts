import { refuse } from '../errors.js';
import type { ResolvedLimits } from '../limits.js';

export type Claims = Record<string, unknown>;

/**
 * Parse JSON text that must hold an object, into prototype-free objects, enforcing the claim count
 * and nesting limits. `__proto__` or `constructor` keys end up as inert own properties.
 */
export function parseClaims(text: string, limits: ResolvedLimits, what: string): Claims {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw refuse('ERR_PASSPORT_MALFORMED', `The passport ${what} is not JSON.`, cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw refuse('ERR_PASSPORT_MALFORMED', `The passport ${what} is not a JSON object.`);
  }
  if (Object.keys(parsed).length > limits.maxClaims) {
    throw refuse(
      'ERR_PASSPORT_MALFORMED',
      `The passport ${what} has more than ${limits.maxClaims} claims.`,
    );
  }
  return copy(parsed, 1, limits.maxDepth, what) as Claims;
}

function copy(value: unknown, depth: number, maxDepth: number, what: string): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > maxDepth) {
    throw refuse('ERR_PASSPORT_MALFORMED', `The passport ${what} nests deeper than ${maxDepth}.`);
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1, maxDepth, what);
    return Object.freeze(out);
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    out[key] = copy((value as Record<string, unknown>)[key], depth + 1, maxDepth, what);
  }
  return Object.freeze(out);
}
