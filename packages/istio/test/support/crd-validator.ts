/**
 * A validator that refuses what `kubectl apply --validate=strict` refuses, for the kinds our
 * manifests use:
 *
 * - Istio kinds against Istio's own CRD schemas, of one release per validator: the newest
 *   supported (openAPIV3Schema of istio/api 1.30.3, copied verbatim into ../crd-schemas) or the
 *   oldest (Istio 1.24, ../crd-schemas/istio-1.24); `SupportedReleasesValidator` applies both.
 *   Each is made strict the way the API server makes them: every object
 *   schema that lists `properties` and is not `x-kubernetes-preserve-unknown-fields` gets
 *   `additionalProperties: false` (Kubernetes prunes or, with strict validation, refuses unknown
 *   fields). `x-kubernetes-int-or-string` is honoured. Then, on what passes, the CRD's CEL rules
 *   (`x-kubernetes-validations`), as the API server evaluates them (./cel-rules.ts). Istio's
 *   admission webhook is not run; the tests check its rules that matter where they apply.
 * - EnvoyFilter patches converted strictly into Envoy's protobuf types, with their PGV rules
 *   (./envoy-types.ts).
 * - The standard fields every object needs (apiVersion, kind, metadata.name, metadata.namespace),
 *   with Kubernetes' name rules.
 * - Kubernetes built-ins (Namespace, ServiceAccount, Service, Deployment) and Istio's
 *   ServiceEntry (for which no CRD schema is at hand) against the closed structural subsets in
 *   ./structural-schemas.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { celIssues } from './cel-rules.js';
import { envoyPatchIssues } from './envoy-types.js';
import { ADMISSION_RULES, STRUCTURAL_SCHEMAS } from './structural-schemas.js';

export const CRD_SCHEMA_DIR = fileURLToPath(new URL('../crd-schemas/', import.meta.url));

/**
 * The schema sets a cluster of the newest supported versions holds: Istio 1.30.3 (the top of
 * ../crd-schemas), the Gateway API standard channel and Knative Serving. Each subdirectory of
 * ../crd-schemas names its API group in `api-group.txt` (Istio's kinds are mapped below).
 */
export const NEWEST_SCHEMA_DIRS: readonly string[] = [
  CRD_SCHEMA_DIR,
  join(CRD_SCHEMA_DIR, 'gateway-api'),
  join(CRD_SCHEMA_DIR, 'knative-serving'),
];

/**
 * The schema sets of a cluster of the oldest supported Istio release: Istio 1.24's CRD schemas
 * (../crd-schemas/istio-1.24, source in its README.txt) with the same Gateway API and Knative
 * CRDs as the newest set (they are installed apart from Istio).
 */
export const OLDEST_SCHEMA_DIRS: readonly string[] = [
  join(CRD_SCHEMA_DIR, 'istio-1.24'),
  join(CRD_SCHEMA_DIR, 'gateway-api'),
  join(CRD_SCHEMA_DIR, 'knative-serving'),
];

/** A named set of schema directories: what one cluster of one Istio release holds. */
export interface SchemaRelease {
  readonly name: string;
  readonly dirs: readonly string[];
}

/** The oldest and the newest supported Istio release: every manifest must pass both. */
export const SUPPORTED_RELEASES: readonly SchemaRelease[] = [
  { name: 'Istio 1.24', dirs: OLDEST_SCHEMA_DIRS },
  { name: 'Istio 1.30.3', dirs: NEWEST_SCHEMA_DIRS },
];

/** The API group of each Istio kind whose schema we hold. */
const ISTIO_GROUPS: Readonly<Record<string, string>> = {
  AuthorizationPolicy: 'security.istio.io',
  ServiceEntry: 'networking.istio.io',
  PeerAuthentication: 'security.istio.io',
  RequestAuthentication: 'security.istio.io',
  DestinationRule: 'networking.istio.io',
  EnvoyFilter: 'networking.istio.io',
  Gateway: 'networking.istio.io',
  VirtualService: 'networking.istio.io',
};

/** One reason a manifest is refused: where (dotted path) and why. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

type Schema = Record<string, unknown>;

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_1035_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
const LABEL_KEY =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

/** Kinds whose names must be RFC 1035 labels (as the API server requires). */
const DNS_1035_KINDS = new Set(['Service']);
/** Kinds whose names must be RFC 1123 labels. */
const DNS_LABEL_KINDS = new Set(['Namespace']);
const CLUSTER_SCOPED = new Set(['Namespace']);

/** ObjectMeta, limited to the fields a manifest you write may carry. */
function objectMetaSchema(kind: string): Schema {
  const namePattern = DNS_1035_KINDS.has(kind)
    ? DNS_1035_LABEL
    : DNS_LABEL_KINDS.has(kind)
      ? DNS_LABEL
      : DNS_SUBDOMAIN;
  return {
    type: 'object',
    required: CLUSTER_SCOPED.has(kind) ? ['name'] : ['name', 'namespace'],
    properties: {
      name: {
        type: 'string',
        minLength: 1,
        maxLength: namePattern === DNS_SUBDOMAIN ? 253 : 63,
        pattern: namePattern,
      },
      namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS_LABEL },
      labels: {
        type: 'object',
        propertyNames: { pattern: LABEL_KEY, maxLength: 317 },
        additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE },
      },
      annotations: {
        type: 'object',
        propertyNames: { pattern: LABEL_KEY },
        additionalProperties: { type: 'string' },
      },
    },
    additionalProperties: false,
  };
}

/**
 * Make a CRD schema strict as Kubernetes applies it: no unknown fields where the schema lists its
 * fields, int-or-string as either.
 */
export function strictCrdSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictCrdSchema);
  if (typeof node !== 'object' || node === null) return node;
  const source = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([name, schema]) => [name, strictCrdSchema(schema)]),
      );
    } else if (key === 'enum' || key === 'required' || key === 'x-kubernetes-validations') {
      out[key] = value;
    } else {
      out[key] = strictCrdSchema(value);
    }
  }
  if (
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  if (
    out['x-kubernetes-int-or-string'] === true &&
    out.type === undefined &&
    out.anyOf === undefined
  ) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

/** Wrap a kind's schema with the standard fields every object has. */
function withTypeMeta(apiVersion: string, kind: string, schema: Schema): Schema {
  return {
    ...schema,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', ...((schema.required as string[]) ?? [])],
    properties: {
      apiVersion: { type: 'string', const: apiVersion },
      kind: { type: 'string', const: kind },
      metadata: objectMetaSchema(kind),
      ...(schema.properties as Schema),
    },
    additionalProperties: false,
  };
}

function createAjv(): Ajv {
  // strict: false so the x-kubernetes-* vendor keywords are ignored rather than refused.
  // useDefaults: the API server fills a CRD's `default`s in before it validates and runs the CEL
  // rules (HTTPRoute's backendRefs rule reads `self.kind`, defaulted to Service); the validator
  // works on a copy, so the caller's manifest is not changed.
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('ipv4', /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/);
  ajv.addFormat('ipv6', { validate: (value: string) => isIPv6(value) });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  // Not a format the API server knows (Istio 1.24 publishes it; later releases say `byte`): like
  // every unknown format, it constrains nothing there.
  ajv.addFormat('binary', true);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
  return ajv;
}

/** `/spec/configPatches/0/patch` → `spec.configPatches[0].patch` */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (path, segment) =>
        /^\d+$/.test(segment)
          ? `${path}[${segment}]`
          : path === ''
            ? segment
            : `${path}.${segment}`,
      '',
    );
}

function join2(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function issueOf(error: ErrorObject): SchemaIssue {
  const path = dotted(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        path: join2(path, String(params.additionalProperty)),
        message: 'unknown field',
      };
    case 'required':
      return {
        path: join2(path, String(params.missingProperty)),
        message: 'required field missing',
      };
    case 'enum':
      return {
        path,
        message: `unsupported value; must be one of ${(params.allowedValues as unknown[])
          .map((value) => JSON.stringify(value))
          .join(', ')}`,
      };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/** The strict validators of every kind we know, keyed by `apiVersion kind`. */
export class ManifestValidator {
  readonly #validators = new Map<string, ValidateFunction>();
  /** Admission-webhook rules beyond the CRD schema, keyed like #validators. */
  readonly #admission = new Map<string, ValidateFunction>();
  /** The CRD schemas as published (with their CEL rules), for the CEL layer. */
  readonly #crdSchemas = new Map<string, Schema>();
  readonly #ajv = createAjv();

  constructor(schemaDirs: readonly string[] = NEWEST_SCHEMA_DIRS) {
    for (const schemaDir of schemaDirs) {
      const groupFile = join(schemaDir, 'api-group.txt');
      const dirGroup = existsSync(groupFile) ? readFileSync(groupFile, 'utf8').trim() : undefined;
      const files = readdirSync(schemaDir).filter((name) => /\.(json|yaml)$/.test(name));
      for (const file of files) {
        const match = /^([A-Za-z]+)_(v\w+)\.(json|yaml)$/.exec(file);
        const group = match ? (dirGroup ?? ISTIO_GROUPS[match[1]!]) : undefined;
        if (!match || group === undefined) {
          throw new Error(`${file}: not a <Kind>_<version>.json|yaml schema of a known kind`);
        }
        const text = readFileSync(join(schemaDir, file), 'utf8');
        // YAML files are extracts of a CRD's openAPIV3Schema as published (see their README).
        const schema = (match[3] === 'yaml' ? parseYaml(text) : JSON.parse(text)) as Schema;
        const key = `${group}/${match[2]} ${match[1]}`;
        this.#crdSchemas.set(key, schema);
        this.#add(`${group}/${match[2]}`, match[1]!, strictCrdSchema(schema) as Schema);
      }
    }
    for (const { apiVersion, kind, schema } of STRUCTURAL_SCHEMAS) {
      // A CRD schema in the set wins over a hand-written subset of the same kind.
      if (this.#validators.has(`${apiVersion} ${kind}`)) continue;
      this.#add(apiVersion, kind, strictCrdSchema(schema) as Schema);
    }
    for (const { apiVersion, kind, schema } of ADMISSION_RULES) {
      this.#admission.set(`${apiVersion} ${kind}`, this.#ajv.compile(schema));
    }
  }

  #add(apiVersion: string, kind: string, schema: Schema): void {
    this.#validators.set(
      `${apiVersion} ${kind}`,
      this.#ajv.compile(withTypeMeta(apiVersion, kind, schema)),
    );
  }

  /** The `apiVersion kind` pairs this validator knows. */
  get kinds(): string[] {
    return [...this.#validators.keys()];
  }

  /** Every reason `manifest` would be refused; empty when it would be accepted. */
  validate(manifest: unknown): SchemaIssue[] {
    const plain = JSON.parse(JSON.stringify(manifest)) as unknown;
    if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
      return [{ path: '', message: 'a manifest must be an object' }];
    }
    const { apiVersion, kind } = plain as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      return [
        {
          path: typeof apiVersion !== 'string' ? 'apiVersion' : 'kind',
          message: 'required field missing',
        },
      ];
    }
    const validate = this.#validators.get(`${apiVersion} ${kind}`);
    if (validate === undefined) {
      return [{ path: 'kind', message: `no schema for ${kind} in ${apiVersion}` }];
    }
    const cel = this.#crdSchemas.get(`${apiVersion} ${kind}`);
    // The API server runs CEL rules only on objects that pass the structural schema; istiod
    // converts EnvoyFilter patches into Envoy's types (and Envoy checks their PGV rules) after.
    if (validate(plain)) {
      const admission = this.#admission.get(`${apiVersion} ${kind}`);
      const admitted = admission === undefined || admission(plain);
      return [
        ...(cel === undefined ? [] : celIssues(cel, plain)),
        ...(admitted ? [] : issuesOf(admission?.errors)),
        ...envoyPatchIssues(plain),
      ];
    }
    return issuesOf(validate.errors);
  }
}

/** Ajv's errors as issues, one per path and message. */
function issuesOf(errors: readonly ErrorObject[] | null | undefined): SchemaIssue[] {
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const error of errors ?? []) {
    const issue = issueOf(error);
    const key = `${issue.path}: ${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

/**
 * The validator of every supported release at once: a manifest is accepted only when each
 * release's cluster would accept it. An issue found in every release reads as one release's
 * would; one found in some releases only names them, e.g. `spec.x: unknown field (Istio 1.24)`.
 */
export class SupportedReleasesValidator {
  readonly #releases: readonly { name: string; validator: ManifestValidator }[];

  constructor(releases: readonly SchemaRelease[] = SUPPORTED_RELEASES) {
    this.#releases = releases.map(({ name, dirs }) => ({
      name,
      validator: new ManifestValidator(dirs),
    }));
  }

  /** Every reason any supported release would refuse `manifest`; empty when all accept it. */
  validate(manifest: unknown): SchemaIssue[] {
    const found = new Map<string, { issue: SchemaIssue; releases: string[] }>();
    for (const { name, validator } of this.#releases) {
      for (const issue of validator.validate(manifest)) {
        const key = `${issue.path}\u0000${issue.message}`;
        const entry = found.get(key) ?? { issue, releases: [] };
        entry.releases.push(name);
        found.set(key, entry);
      }
    }
    return [...found.values()].map(({ issue, releases }) =>
      releases.length === this.#releases.length
        ? issue
        : { path: issue.path, message: `${issue.message} (${releases.join(', ')})` },
    );
  }
}

/** One line per issue, `path: message`, for assertion messages. */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n');
}
