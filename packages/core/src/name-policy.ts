import { badOption } from './errors.js';

/**
 * A compiled list of message destinations (queue names, NATS subjects, routing keys) that may
 * receive the passport. Everything not listed is denied.
 * @example
 * ```ts
 * const policy: NamePolicy = compileNamePolicy(['emails']);
 * ```
 */
export interface NamePolicy {
  /** The patterns as given, for diagnostics. */
  readonly patterns: readonly string[];
  /** Whether a message to `name` may carry the passport. */
  allows(name: string): boolean;
}

const SEGMENT = /^[^\s*>.]+$/;

/**
 * Compile destination-name patterns once, with NATS's wildcard syntax (which also reads well for
 * queue names and AMQP routing keys): names are dot-separated segments, `*` matches exactly one
 * segment, `>` as the last segment matches one or more. `"emails"` matches that name only, `"*"`
 * every name without a dot, `"orders.*"` matches `orders.created` but not `orders.eu.created`,
 * `">"` every name. The empty list denies everything.
 *
 * @example
 * ```ts
 * const policy = compileNamePolicy(['orders.>', 'emails']);
 * policy.allows('orders.eu.created'); // true
 * policy.allows('audit.export'); // false
 * ```
 */
export function compileNamePolicy(patterns: readonly string[], where = 'propagateTo'): NamePolicy {
  if (!Array.isArray(patterns)) {
    throw badOption(
      `${where} must be an array of destination names or patterns, e.g. ["emails", "orders.>"].`,
    );
  }
  const compiled = patterns.map((pattern) => {
    if (typeof pattern !== 'string' || pattern === '') {
      throw badOption(`${where}: every pattern must be a non-empty string.`);
    }
    const segments = pattern.split('.');
    segments.forEach((segment, index) => {
      const wildcard = segment === '*' || (segment === '>' && index === segments.length - 1);
      if (!wildcard && !SEGMENT.test(segment)) {
        throw badOption(
          `${where}: "${pattern}" is not a name pattern: dot-separated segments, "*" for one segment, ">" last for the rest (e.g. "orders.*", "orders.>").`,
        );
      }
    });
    return segments;
  });
  const exact = new Set(
    patterns.filter((_pattern, index) =>
      compiled[index]!.every((segment) => segment !== '*' && segment !== '>'),
    ),
  );
  const wildcards = compiled.filter((segments) =>
    segments.some((segment) => segment === '*' || segment === '>'),
  );
  return Object.freeze({
    patterns: Object.freeze([...patterns]),
    allows(name: string): boolean {
      if (typeof name !== 'string' || name === '') return false;
      if (exact.has(name)) return true;
      if (wildcards.length === 0) return false;
      const parts = name.split('.');
      if (parts.some((part) => part === '')) return false;
      return wildcards.some((segments) => matchSegments(segments, parts));
    },
  });
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): boolean {
  for (let index = 0; index < pattern.length; index++) {
    const segment = pattern[index]!;
    if (segment === '>') return parts.length > index;
    if (index >= parts.length) return false;
    if (segment !== '*' && segment !== parts[index]) return false;
  }
  return pattern.length === parts.length;
}
