/**
 * The API server's CEL layer: every `x-kubernetes-validations` rule of a CRD schema, evaluated
 * against a manifest with `@marcbachmann/cel-js` and the Kubernetes CEL library functions the
 * rules use, implemented with Kubernetes' semantics:
 *
 * - `url(string)`, `isURL(string)` and the URL accessors (`getScheme`, `getHost`, `getHostname`,
 *   `getPort`, `getEscapedPath`): k8s.io/apiserver/pkg/cel/library/urls.go, which parses with Go's
 *   `url.ParseRequestURI` then `url.Parse` (here: the package's port of Go's net/url).
 *
 * - `matches()`: CEL's regexes are RE2 (inline flags such as `(?i)` included), which JavaScript's
 *   RegExp is not; the rules' `.matches(re)` calls run on RE2 itself (`re2-wasm`).
 *
 * As the API server does, `self` is the value at the rule's node, typed from the schema (`integer`
 * becomes a CEL int), rules are evaluated only where the value is present, and transition rules
 * (those that read `oldSelf`) are skipped: they run on update, and these manifests are created.
 * A rule that cannot be evaluated (an unknown function, say) is an issue too, never a pass.
 */
import { Environment } from '@marcbachmann/cel-js';
import { RE2 } from 're2-wasm';
import {
  type GoUrl,
  GoUrlError,
  goUrlHostname,
  goUrlParse,
  goUrlParseRequestUri,
  goUrlPort,
} from '../../src/internal/go-url.js';
import type { SchemaIssue } from './crd-validator.js';

type Schema = Record<string, unknown>;

interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
}

/** A value of Kubernetes' CEL `URL` type. */
class KubernetesUrl {
  constructor(readonly url: GoUrl) {}
}

function parseKubernetesUrl(value: string): GoUrl {
  goUrlParseRequestUri(value);
  return goUrlParse(value);
}

/** `(*url.URL).EscapedPath()` for the paths our manifests use (already escaped as written). */
function escapedPath(url: GoUrl): string {
  return url.path;
}

function kubernetesEnvironment(): Environment {
  return new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false })
    .registerType('URL', KubernetesUrl)
    .registerFunction('url(string): URL', (value: string) => {
      try {
        return new KubernetesUrl(parseKubernetesUrl(value));
      } catch (error) {
        if (error instanceof GoUrlError) {
          throw new Error(`URL parse error during conversion from string: ${error.message}`);
        }
        throw error;
      }
    })
    .registerFunction('isURL(string): bool', (value: string) => {
      try {
        goUrlParseRequestUri(value);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction({
      name: 'getScheme',
      receiverType: 'URL',
      returnType: 'string',
      params: [],
      handler: (url: KubernetesUrl) => url.url.scheme,
    })
    .registerFunction({
      name: 'getHost',
      receiverType: 'URL',
      returnType: 'string',
      params: [],
      handler: (url: KubernetesUrl) => url.url.host,
    })
    .registerFunction({
      name: 'getHostname',
      receiverType: 'URL',
      returnType: 'string',
      params: [],
      handler: (url: KubernetesUrl) => goUrlHostname(url.url),
    })
    .registerFunction({
      name: 'getPort',
      receiverType: 'URL',
      returnType: 'string',
      params: [],
      handler: (url: KubernetesUrl) => goUrlPort(url.url),
    })
    .registerFunction({
      name: 'getEscapedPath',
      receiverType: 'URL',
      returnType: 'string',
      params: [],
      handler: (url: KubernetesUrl) => escapedPath(url.url),
    })
    .registerFunction({
      name: RE2_MATCHES,
      receiverType: 'string',
      returnType: 'bool',
      params: [{ name: 'pattern', type: 'string' }],
      handler: (value: string, pattern: string) => re2(pattern).test(value),
    })
    .registerVariable('self', 'dyn');
}

/** The name `.matches(` is rewritten to in rules, so that it runs on RE2 (see above). */
const RE2_MATCHES = 'matchesRe2';
const compiled = new Map<string, RE2>();

function re2(pattern: string): RE2 {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = new RE2(pattern, 'u');
    compiled.set(pattern, regex);
  }
  return regex;
}

/**
 * `has(x[0].f)`: cel-go (the API server) accepts a presence test on a field of an indexed
 * element, as the Gateway API HTTPRoute rules use it (`has(self.matches[0].path)`); cel-js 8
 * refuses it at parse time ("has() invalid argument"). On a map, `'f' in x[0]` is the same test.
 */
const HAS_ON_INDEXED = /has\(([A-Za-z_][\w.]*\[\d+\])\.([A-Za-z_]\w*)\)/g;

/** A rule as written, with its `.matches(` calls bound to RE2 and `has(x[0].f)` spelled for cel-js. */
function withRe2(rule: string): string {
  return rule
    .replace(/\.matches\(/g, `.${RE2_MATCHES}(`)
    .replace(
      HAS_ON_INDEXED,
      (_match, element: string, field: string) => `('${field}' in ${element})`,
    );
}

const ENVIRONMENT = kubernetesEnvironment();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerSchema(schema: Schema): boolean {
  return schema.type === 'integer' || schema['x-kubernetes-int-or-string'] === true;
}

/** A JSON value as the API server hands it to CEL: integers as ints, typed by the schema. */
export function toCel(value: unknown, schema: Schema | undefined): unknown {
  if (schema === undefined) return value;
  if (typeof value === 'number' && isIntegerSchema(schema) && Number.isInteger(value)) {
    return BigInt(value);
  }
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return value.map((item) => toCel(item, items));
  }
  if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const additional = isObject(schema.additionalProperties)
      ? (schema.additionalProperties as Schema)
      : undefined;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toCel(item, properties[key] ?? additional)]),
    );
  }
  return value;
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Every CEL rule `value` breaks, with the path of the node that carries the rule. */
export function celIssues(schema: Schema, value: unknown, path = ''): SchemaIssue[] {
  if (value === undefined) return [];
  const issues: SchemaIssue[] = [];
  for (const rule of (schema['x-kubernetes-validations'] ?? []) as CelRule[]) {
    if (/\boldSelf\b/.test(rule.rule)) continue;
    const where = rule.fieldPath === undefined ? path : `${path}${rule.fieldPath}`;
    try {
      const result = ENVIRONMENT.evaluate(withRe2(rule.rule), { self: toCel(value, schema) });
      if (result !== true) {
        issues.push({
          path: where,
          message: `CEL rule failed: ${rule.message ?? rule.rule} (${rule.rule.trim()})`,
        });
      }
    } catch (error) {
      issues.push({
        path: where,
        message: `CEL rule could not be evaluated: ${(error as Error).message.split('\n')[0]} (${rule.rule.trim()})`,
      });
    }
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((item, index) => {
      issues.push(...celIssues(schema.items as Schema, item, `${path}[${index}]`));
    });
  } else if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, item] of Object.entries(value)) {
      const child =
        properties[key] ??
        (isObject(schema.additionalProperties)
          ? (schema.additionalProperties as Schema)
          : undefined);
      if (child !== undefined) issues.push(...celIssues(child, item, childPath(path, key)));
    }
  }
  return issues;
}
