import type { StandardSchemaV1 } from '@standard-schema/spec';
import { refuse } from './errors.js';
import type { Claims } from './internal/claims-json.js';

export type { StandardSchemaV1 };

/**
 * Validate claims with a Standard Schema (zod, valibot, arktype, ...). Runs on the inbound hot path,
 * so the schema must validate synchronously; the issue paths go in the error's `cause`, values never.
 */
export function validateWithSchema(schema: StandardSchemaV1, claims: Claims): Claims {
  const result = schema['~standard'].validate(claims);
  if (result instanceof Promise) {
    throw refuse(
      'ERR_PASSPORT_OPTIONS',
      'The passport schema validates asynchronously; passport schemas must be synchronous (no async refinements).',
    );
  }
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
