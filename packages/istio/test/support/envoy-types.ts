/**
 * istiod's and Envoy's layer for EnvoyFilter patches: each `patch.value` converted strictly into
 * the Envoy protobuf type of its `applyTo` (what istiod's `xds.BuildXDSObjectFromStruct` does in
 * strict mode, with Go protojson semantics), `typed_config` resolved by its type URL, and the
 * protoc-gen-validate rules checked on every field set (what Envoy checks before it accepts the
 * config; a violation is a NACK, and the patch silently does nothing).
 *
 * The types come from Envoy's own .proto files, as shipped by `@grpc/grpc-js-xds` under `deps/`
 * (envoy-api, xds, googleapis, protoc-gen-validate), loaded with protobufjs. Unknown fields,
 * unresolvable type URLs, wrong JSON types and violated rules are issues with their path. A PGV
 * rule this checker does not implement is an issue too, so nothing passes unchecked.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import type { SchemaIssue } from './crd-validator.js';

const require = createRequire(import.meta.url);
const XDS_DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const INCLUDE_DIRS = [
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => join(XDS_DEPS, dir)),
  dirname(require.resolve('protobufjs/package.json')),
];

/** The Envoy type istiod converts a patch value into, per `applyTo` (istio/istio pkg/config/xds). */
export const APPLY_TO_TYPE: Readonly<Record<string, string>> = {
  LISTENER: 'envoy.config.listener.v3.Listener',
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  LISTENER_FILTER: 'envoy.config.listener.v3.ListenerFilter',
  HTTP_FILTER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  ROUTE_CONFIGURATION: 'envoy.config.route.v3.RouteConfiguration',
  VIRTUAL_HOST: 'envoy.config.route.v3.VirtualHost',
  HTTP_ROUTE: 'envoy.config.route.v3.Route',
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  EXTENSION_CONFIG: 'envoy.config.core.v3.TypedExtensionConfig',
};

const TYPE_URL_PREFIX = 'type.googleapis.com/';

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Envoy (and xds, google.protobuf) types, loaded on demand from the .proto files. */
export class EnvoyTypes {
  readonly #root = new protobuf.Root();
  readonly #loadedDirs = new Set<string>();

  constructor() {
    this.#root.resolvePath = (_origin, target) => {
      for (const dir of INCLUDE_DIRS) {
        const path = join(dir, target);
        if (existsSync(path)) return path;
      }
      return target;
    };
  }

  /**
   * The message type of a full name, loading the .proto files of its package's directory (Envoy
   * lays packages out as directories: `envoy.extensions.filters.http.header_mutation.v3` is
   * `envoy/extensions/filters/http/header_mutation/v3/`). Undefined when no such type exists.
   */
  type(fullName: string): protobuf.Type | undefined {
    const found = this.#lookup(fullName);
    if (found !== undefined) return found;
    const segments = fullName.split('.');
    for (let end = segments.length - 1; end > 0; end -= 1) {
      const relative = segments.slice(0, end).join('/');
      for (const include of INCLUDE_DIRS) {
        const dir = join(include, relative);
        if (this.#loadedDirs.has(dir) || !existsSync(dir)) continue;
        const files = readdirSync(dir).filter((file) => file.endsWith('.proto'));
        if (files.length === 0) continue;
        this.#loadedDirs.add(dir);
        this.#root.loadSync(
          files.map((file) => `${relative}/${file}`),
          { keepCase: true },
        );
        this.#root.resolveAll();
        const loaded = this.#lookup(fullName);
        if (loaded !== undefined) return loaded;
      }
    }
    return undefined;
  }

  #lookup(fullName: string): protobuf.Type | undefined {
    try {
      return this.#root.lookupType(fullName);
    } catch {
      return undefined;
    }
  }
}

/** protojson's lowerCamelCase JSON name of a proto field name. */
function jsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, char: string) => char.toUpperCase());
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const WRAPPERS: Readonly<Record<string, string>> = {
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.DoubleValue': 'double',
};

/** protoc-gen-validate's well-known regexes (validate.proto), strict and not. */
const WELL_KNOWN: Readonly<Record<string, { strict: RegExp; loose: RegExp }>> = {
  HTTP_HEADER_NAME: {
    strict: /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are PGV's own regexes, about control characters.
    loose: /^[^\u0000\u000A\u000D]+$/,
  },
  HTTP_HEADER_VALUE: {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are PGV's own regexes, about control characters.
    strict: /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are PGV's own regexes, about control characters.
    loose: /^[^\u0000\u000A\u000D]*$/,
  },
};

type Rules = Record<string, Record<string, unknown>>;

function fullTypeName(type: protobuf.Type | protobuf.Enum): string {
  return type.fullName.replace(/^\./, '');
}

/** Converts JSON into Envoy types strictly, collecting every issue with its path. */
export class EnvoyConverter {
  readonly issues: SchemaIssue[] = [];

  constructor(readonly types: EnvoyTypes) {}

  #issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Convert `value` as a `typeName` message (protojson, unknown fields refused). */
  message(typeName: string, value: Json, path: string): void {
    const type = this.types.type(typeName);
    if (type === undefined) {
      this.#issue(path, `no Envoy type ${typeName}`);
      return;
    }
    this.#message(type, value, path);
  }

  #message(type: protobuf.Type, value: Json, path: string): void {
    const name = fullTypeName(type);
    if (this.#wellKnown(name, value, path)) return;
    if (!isObject(value)) {
      this.#issue(path, `expected a JSON object for ${name}, got ${JSON.stringify(value)}`);
      return;
    }
    const byJsonName = new Map<string, protobuf.Field>();
    for (const field of type.fieldsArray) {
      byJsonName.set(field.name, field);
      byJsonName.set(jsonName(field.name), field);
    }
    const set = new Set<protobuf.Field>();
    for (const [key, item] of Object.entries(value)) {
      const field = byJsonName.get(key);
      const fieldPath = `${path}.${key}`;
      if (field === undefined) {
        this.#issue(fieldPath, `unknown field "${key}" in ${name}`);
        continue;
      }
      if (set.has(field)) {
        this.#issue(fieldPath, `field ${field.name} given twice (by proto and JSON name)`);
        continue;
      }
      if (item === null) continue; // protojson: null is the default value
      set.add(field);
      this.#field(field, item, fieldPath);
    }
    for (const oneof of type.oneofsArray) {
      const chosen = oneof.fieldsArray.filter((field) => set.has(field));
      if (chosen.length > 1) {
        this.#issue(
          path,
          `oneof ${oneof.name} has several fields set: ${chosen.map((f) => f.name).join(', ')}`,
        );
      }
      if (oneof.options?.['(validate.required)'] === true && chosen.length === 0) {
        this.#issue(path, `oneof ${oneof.name} is required (validate.required) in ${name}`);
      }
    }
    for (const field of type.fieldsArray) {
      const rules = fieldRules(field);
      if (rules?.message?.required === true && !set.has(field)) {
        this.#issue(`${path}.${field.name}`, 'required (validate.rules message.required)');
      }
      if (rules?.any?.required === true && !set.has(field)) {
        this.#issue(`${path}.${field.name}`, 'required (validate.rules any.required)');
      }
      if (rules?.duration?.required === true && !set.has(field)) {
        this.#issue(`${path}.${field.name}`, 'required (validate.rules duration.required)');
      }
      if (!set.has(field)) {
        // Scalars that are not set hold their default, which the rules also see.
        const isScalar = field.resolvedType === null && !field.repeated && !field.map;
        if (isScalar && field.partOf === null && rules !== undefined) {
          this.#scalarRules(field, defaultOf(field.type), `${path}.${field.name}`, rules);
        }
      }
    }
  }

  /** google.protobuf types with a special JSON form. True when handled. */
  #wellKnown(name: string, value: Json, path: string): boolean {
    if (name === 'google.protobuf.Any') {
      this.#any(value, path);
      return true;
    }
    if (name === 'google.protobuf.Struct') {
      if (!isObject(value)) this.#issue(path, 'expected a JSON object (google.protobuf.Struct)');
      return true;
    }
    if (name === 'google.protobuf.Value') return true;
    if (name === 'google.protobuf.ListValue') {
      if (!Array.isArray(value)) this.#issue(path, 'expected a JSON array (ListValue)');
      return true;
    }
    if (name === 'google.protobuf.Duration') {
      if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
        this.#issue(path, `expected a duration such as "1.5s", got ${JSON.stringify(value)}`);
      }
      return true;
    }
    if (name === 'google.protobuf.Empty') {
      if (!isObject(value) || Object.keys(value).length > 0) this.#issue(path, 'expected {}');
      return true;
    }
    const wrapped = WRAPPERS[name];
    if (wrapped !== undefined) {
      this.#scalar(wrapped, value, path);
      return true;
    }
    return false;
  }

  #any(value: Json, path: string): void {
    if (!isObject(value)) {
      this.#issue(path, 'expected a JSON object with "@type" (google.protobuf.Any)');
      return;
    }
    const typeUrl = value['@type'];
    if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
      this.#issue(`${path}.@type`, 'an Any needs a type URL ("@type")');
      return;
    }
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const type = typeUrl.startsWith(TYPE_URL_PREFIX) ? this.types.type(typeName) : undefined;
    if (type === undefined) {
      this.#issue(`${path}.@type`, `unresolvable type URL ${typeUrl}`);
      return;
    }
    const { '@type': _type, ...fields } = value;
    const name = fullTypeName(type);
    const special =
      name.startsWith('google.protobuf.') &&
      ['Struct', 'Value', 'ListValue', 'Duration', 'Empty'].some((n) => name.endsWith(n));
    if (special || WRAPPERS[name] !== undefined) {
      // protojson writes well-known types inside an Any as {"@type": ..., "value": <JSON form>}.
      const keys = Object.keys(fields);
      if (keys.length !== 1 || keys[0] !== 'value') {
        this.#issue(path, `an Any of ${name} must be {"@type", "value"}`);
        return;
      }
      this.#message(type, fields.value, `${path}.value`);
      return;
    }
    this.#message(type, fields, path);
  }

  #field(field: protobuf.Field, value: Json, path: string): void {
    const rules = fieldRules(field);
    if (field.map) {
      if (!isObject(value)) {
        this.#issue(path, `expected a JSON object (map ${field.name})`);
        return;
      }
      this.#countRules(rules?.map, Object.keys(value).length, path, 'pairs');
      for (const [key, item] of Object.entries(value)) {
        this.#single(field, item, `${path}.${key}`, undefined);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.#issue(path, `expected a JSON array (repeated ${field.name})`);
        return;
      }
      this.#countRules(rules?.repeated, value.length, path, 'items');
      const itemRules = rules?.repeated?.items as Rules | undefined;
      if (
        rules?.repeated?.unique === true &&
        new Set(value.map((v) => JSON.stringify(v))).size !== value.length
      ) {
        this.#issue(path, 'items must be unique (validate.rules repeated.unique)');
      }
      value.forEach((item, index) => {
        this.#single(field, item, `${path}[${index}]`, itemRules);
      });
      return;
    }
    this.#single(field, value, path, rules);
  }

  #countRules(
    rules: Record<string, unknown> | undefined,
    count: number,
    path: string,
    what: string,
  ): void {
    if (rules === undefined) return;
    for (const [rule, limit] of Object.entries(rules)) {
      if (rule === 'items' || rule === 'unique' || rule === 'ignore_empty') continue;
      const ok =
        rule === `min_${what}`
          ? count >= Number(limit)
          : rule === `max_${what}`
            ? count <= Number(limit)
            : undefined;
      if (ok === undefined)
        this.#issue(path, `PGV rule ${what}.${rule} is not implemented by this checker`);
      else if (!ok)
        this.#issue(path, `has ${count} ${what}; validate.rules ${rule} is ${String(limit)}`);
    }
  }

  #single(field: protobuf.Field, value: Json, path: string, rules: Rules | undefined): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      this.#message(resolved, value, path);
      return;
    }
    if (resolved instanceof protobuf.Enum) {
      const known =
        typeof value === 'string'
          ? value in resolved.values
          : typeof value === 'number' && Number.isInteger(value);
      if (!known) {
        this.#issue(
          path,
          `${JSON.stringify(value)} is not a value of enum ${fullTypeName(resolved)}`,
        );
        return;
      }
      const number = typeof value === 'string' ? resolved.values[value]! : (value as number);
      const enumRules = rules?.enum;
      if (enumRules?.defined_only === true && !Object.values(resolved.values).includes(number)) {
        this.#issue(path, `${number} is not a defined value (validate.rules enum.defined_only)`);
      }
      return;
    }
    if (this.#scalar(field.type, value, path) && rules !== undefined) {
      this.#scalarRules(field, value, path, rules);
    }
  }

  /** protojson's JSON forms of scalars. True when `value` has the right form. */
  #scalar(type: string, value: Json, path: string): boolean {
    let ok: boolean;
    if (type === 'string') ok = typeof value === 'string';
    else if (type === 'bool') ok = typeof value === 'boolean';
    else if (type === 'bytes')
      ok = typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value);
    else if (type === 'double' || type === 'float') {
      ok =
        typeof value === 'number' ||
        (typeof value === 'string' &&
          (/^-?\d/.test(value) || ['NaN', 'Infinity', '-Infinity'].includes(value)));
    } else if (INT32.has(type) || UINT32.has(type) || INT64.has(type)) {
      const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      ok = typeof number === 'number' && Number.isInteger(number);
      if (ok && INT32.has(type))
        ok = (number as number) >= -(2 ** 31) && (number as number) < 2 ** 31;
      if (ok && UINT32.has(type)) ok = (number as number) >= 0 && (number as number) < 2 ** 32;
    } else ok = false;
    if (!ok) this.#issue(path, `${JSON.stringify(value)} is not a valid ${type}`);
    return ok;
  }

  #scalarRules(field: protobuf.Field, value: Json, path: string, rules: Rules): void {
    for (const [kind, kindRules] of Object.entries(rules)) {
      if (kind === 'string' && typeof value === 'string') {
        this.#stringRules(value, path, kindRules);
      } else if (kind === 'message' || kind === 'any' || kind === 'duration') {
        // Presence rules, checked on the message.
      } else if (
        ['uint32', 'int32', 'uint64', 'int64', 'double', 'float', 'fixed32'].includes(kind)
      ) {
        this.#numberRules(Number(value), path, kindRules);
      } else if (kind === 'bool') {
        if ('const' in kindRules && value !== kindRules.const) {
          this.#issue(path, `must be ${String(kindRules.const)} (validate.rules bool.const)`);
        }
      } else {
        this.#issue(path, `PGV rule ${kind} on ${field.name} is not implemented by this checker`);
      }
    }
  }

  #numberRules(value: number, path: string, rules: Record<string, unknown>): void {
    for (const [rule, limit] of Object.entries(rules)) {
      const bound = Number(limit);
      const ok =
        rule === 'lt'
          ? value < bound
          : rule === 'lte'
            ? value <= bound
            : rule === 'gt'
              ? value > bound
              : rule === 'gte'
                ? value >= bound
                : rule === 'const'
                  ? value === bound
                  : rule === 'in'
                    ? (limit as unknown[]).map(Number).includes(value)
                    : rule === 'not_in'
                      ? !(limit as unknown[]).map(Number).includes(value)
                      : undefined;
      if (ok === undefined)
        this.#issue(path, `PGV number rule ${rule} is not implemented by this checker`);
      else if (!ok)
        this.#issue(path, `${value} breaks validate.rules ${rule} ${JSON.stringify(limit)}`);
    }
  }

  #stringRules(value: string, path: string, rules: Record<string, unknown>): void {
    const bytes = Buffer.byteLength(value, 'utf8');
    const chars = [...value].length;
    const strict = rules.strict !== false;
    if (rules.ignore_empty === true && value === '') return;
    for (const [rule, limit] of Object.entries(rules)) {
      let ok: boolean | undefined;
      switch (rule) {
        case 'strict':
        case 'ignore_empty':
          continue;
        case 'min_len':
          ok = chars >= Number(limit);
          break;
        case 'max_len':
          ok = chars <= Number(limit);
          break;
        case 'len':
          ok = chars === Number(limit);
          break;
        case 'min_bytes':
          ok = bytes >= Number(limit);
          break;
        case 'max_bytes':
          ok = bytes <= Number(limit);
          break;
        case 'const':
          ok = value === limit;
          break;
        case 'prefix':
          ok = value.startsWith(String(limit));
          break;
        case 'suffix':
          ok = value.endsWith(String(limit));
          break;
        case 'contains':
          ok = value.includes(String(limit));
          break;
        case 'not_contains':
          ok = !value.includes(String(limit));
          break;
        case 'in':
          ok = (limit as unknown[]).includes(value);
          break;
        case 'not_in':
          ok = !(limit as unknown[]).includes(value);
          break;
        // RE2 syntax; the patterns Envoy uses on strings are also valid JavaScript regexes.
        case 'pattern':
          ok = new RegExp(String(limit), 'u').test(value);
          break;
        case 'well_known_regex': {
          const known = WELL_KNOWN[String(limit)];
          ok = known === undefined ? undefined : (strict ? known.strict : known.loose).test(value);
          break;
        }
        default:
          ok = undefined;
      }
      if (ok === undefined)
        this.#issue(path, `PGV string rule ${rule} is not implemented by this checker`);
      else if (!ok)
        this.#issue(
          path,
          `${JSON.stringify(value)} breaks validate.rules string.${rule} ${JSON.stringify(limit)}`,
        );
    }
  }
}

function defaultOf(type: string): Json {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

/** A field's `(validate.rules)`, as protobufjs parsed it from the .proto file. */
function fieldRules(field: protobuf.Field): Rules | undefined {
  const parsed = (field.parsedOptions ?? []) as Record<string, unknown>[];
  let rules: Rules | undefined;
  for (const option of parsed) {
    const value = option['(validate.rules)'] as Rules | undefined;
    if (value !== undefined) rules = { ...(rules ?? {}), ...value };
  }
  return rules;
}

const SHARED_TYPES = new EnvoyTypes();

/**
 * Every reason istiod or Envoy would refuse the patches of an EnvoyFilter manifest: for each
 * `configPatches[i].patch.value`, strict conversion into the type of its `applyTo`, plus the PGV
 * rules of the fields set. Empty for a manifest of another kind.
 */
export function envoyPatchIssues(
  manifest: unknown,
  types: EnvoyTypes = SHARED_TYPES,
): SchemaIssue[] {
  const plain = JSON.parse(JSON.stringify(manifest)) as Record<string, Json>;
  if (plain.kind !== 'EnvoyFilter') return [];
  const spec = plain.spec as {
    configPatches?: { applyTo?: string; patch?: { operation?: string; value?: Json } }[];
  };
  const converter = new EnvoyConverter(types);
  (spec.configPatches ?? []).forEach((patch, index) => {
    const path = `spec.configPatches[${index}].patch.value`;
    if (patch.patch?.value === undefined || patch.patch.operation === 'REMOVE') return;
    const typeName = patch.applyTo === undefined ? undefined : APPLY_TO_TYPE[patch.applyTo];
    if (typeName === undefined) {
      converter.issues.push({
        path: `spec.configPatches[${index}].applyTo`,
        message: `no Envoy type for applyTo ${patch.applyTo}`,
      });
      return;
    }
    converter.message(typeName, patch.patch.value, path);
  });
  return converter.issues;
}
