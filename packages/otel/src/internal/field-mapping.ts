import { optionError } from '@passport-relay/core/adapter';

/** A validated `{ passportField: targetName }` mapping, as ordered pairs. */
export type FieldMapping = readonly (readonly [field: string, target: string])[];

/** `where` already names the call and the option; the message follows it. */
const badOption = (message: string) => optionError('PassportPropagator', message);

/**
 * Check a `{ passportField: targetName }` option once, at creation: a plain object of non-empty
 * names, each target named once, targets matching `targetPattern`.
 */
export function resolveFieldMapping(
  value: unknown,
  where: string,
  targetPattern: RegExp,
  targetKind: string,
  maxEntries: number,
): FieldMapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badOption(
      `${where} must be an object mapping passport fields to ${targetKind}s, e.g. { tenant: 'tenant.id' }.`,
    );
  }
  const pairs: (readonly [string, string])[] = [];
  const targets = new Set<string>();
  for (const [field, target] of Object.entries(value)) {
    if (field === '') throw badOption(`${where}: a passport field name cannot be empty.`);
    if (typeof target !== 'string' || !targetPattern.test(target)) {
      throw badOption(
        `${where}: "${String(target)}" (for passport field "${field}") is not a valid ${targetKind}.`,
      );
    }
    if (targets.has(target)) {
      throw badOption(
        `${where}: the ${targetKind} "${target}" is named twice; map each passport field to its own ${targetKind}.`,
      );
    }
    targets.add(target);
    pairs.push([field, target]);
  }
  if (pairs.length === 0) {
    throw badOption(`${where} names no passport field; leave it out to turn it off.`);
  }
  if (pairs.length > maxEntries) {
    throw badOption(`${where} maps ${pairs.length} fields; at most ${maxEntries} are allowed.`);
  }
  return Object.freeze(pairs);
}
