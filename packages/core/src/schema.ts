import type { StandardSchemaV1 } from '@standard-schema/spec';
import { refuse } from './errors.js';
import type { Claims } from './internal/claims-json.js';

export type { StandardSchemaV1 };

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The error for a schema that validates asynchronously: this server's problem, not the caller's. */
function asynchronousSchema(): never {
  throw refuse(
    'ERR_PASSPORT_OPTIONS',
    'The passport schema validates asynchronously; passport schemas must be synchronous (no async refinements or transforms).',
  );
}

/** A probe on which every field is a string, so a refinement on any string field runs. */
const EVERY_FIELD_A_STRING = new Proxy(Object.create(null) as object, {
  get: (_target, key) => (typeof key === 'string' ? 'passport-relay-schema-probe' : undefined),
  has: () => true,
});

/**
 * Refuse, at `createRelay`, a schema that validates asynchronously, by validating probe values
 * (one with a `sub`, one without, one where every field is a string): an async refinement would
 * otherwise show up on the first request. A schema async only for inputs no probe reaches is still
 * caught per request by {@link validateWithSchema}.
 */
export function assertSynchronousSchema(schema: StandardSchemaV1): void {
  for (const probe of [{ sub: 'passport-relay-schema-probe' }, {}, EVERY_FIELD_A_STRING]) {
    let result: unknown;
    try {
      result = schema['~standard'].validate(probe);
    } catch {
      continue; // a schema that throws on a probe says nothing about async validation
    }
    if (isThenable(result)) {
      (result as Promise<unknown>).then(undefined, () => {});
      asynchronousSchema();
    }
  }
}

/**
 * Validate claims with a Standard Schema (zod, valibot, arktype, ...). Runs on the inbound hot path,
 * so the schema must validate synchronously; the issue paths go in the error's `cause`, values never.
 */
export function validateWithSchema(schema: StandardSchemaV1, claims: Claims): Claims {
  const validated = schema['~standard'].validate(claims);
  if (isThenable(validated)) {
    (validated as Promise<unknown>).then(undefined, () => {});
    asynchronousSchema();
  }
  const result = validated as StandardSchemaV1.Result<unknown>;
  if (result.issues !== undefined) {
    const paths = result.issues.map((issue) =>
      (issue.path ?? [])
        .map((segment) => (typeof segment === 'object' ? String(segment.key) : String(segment)))
        .join('.'),
    );
    throw refuse(
      'ERR_PASSPORT_SCHEMA',
      `The passport does not match the schema${paths.some(Boolean) ? ` (at ${paths.filter(Boolean).join(', ')})` : ''}.`,
      paths,
    );
  }
  return result.value as Claims;
}
