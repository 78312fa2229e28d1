import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Passport } from '@passport-relay/core';
import type { FieldMapping } from './field-mapping.js';

function attributeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const kind = typeof value[0];
  if (kind !== 'string' && kind !== 'number' && kind !== 'boolean') return undefined;
  // OTel attribute arrays are homogeneous.
  return value.every((item) => typeof item === kind) ? ([...value] as AttributeValue) : undefined;
}

/** The span attributes a passport maps to; fields that are absent or not attribute-shaped are left out. */
export function spanAttributesOf(
  passport: Passport,
  mapping: FieldMapping,
): Attributes | undefined {
  let attributes: Attributes | undefined;
  for (const [field, name] of mapping) {
    const value = attributeValue((passport as Record<string, unknown>)[field]);
    if (value === undefined) continue;
    attributes ??= {};
    attributes[name] = value;
  }
  return attributes === undefined ? undefined : Object.freeze(attributes);
}
