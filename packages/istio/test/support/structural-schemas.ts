/**
 * Closed structural subsets of the kinds the Kubernetes example uses that are not Istio CRDs we
 * hold a schema for. Each lists the fields (and required fields, types, enums and ranges) of the
 * real API that the example may use; anything else is refused. They are a floor, not the API
 * server: a field the real API has but this subset lacks is refused too, so add it here when an
 * example needs it.
 *
 * ServiceEntry's fields and enums follow `@kubernetes-models/istio` (Istio 1.18 CRDs); the
 * shared CRD schema set has no ServiceEntry. HTTPRoute is checked against the Gateway API CRD
 * (../crd-schemas/gateway-api), the Knative Service against Knative's CRD
 * (../crd-schemas/knative-serving) plus its webhook rules (ADMISSION_RULES).
 */

type Schema = Record<string, unknown>;

const string: Schema = { type: 'string', minLength: 1 };
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const port: Schema = { type: 'integer', minimum: 1, maximum: 65535 };
const intOrString: Schema = { 'x-kubernetes-int-or-string': true };
const quantities: Schema = {
  type: 'object',
  propertyNames: { enum: ['cpu', 'memory', 'ephemeral-storage'] },
  additionalProperties: {
    anyOf: [{ type: 'string', pattern: '^[0-9.]+[a-zA-Z]*$' }, { type: 'number' }],
  },
};

const keyRef: Schema = {
  type: 'object',
  required: ['name', 'key'],
  properties: { name: string, key: string, optional: { type: 'boolean' } },
};

const envVar: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: string,
    value: { type: 'string' },
    valueFrom: {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      properties: {
        secretKeyRef: keyRef,
        configMapKeyRef: keyRef,
        fieldRef: {
          type: 'object',
          required: ['fieldPath'],
          properties: { fieldPath: string, apiVersion: string },
        },
      },
    },
  },
  not: { required: ['value', 'valueFrom'] },
};

const probe: Schema = {
  type: 'object',
  minProperties: 1,
  properties: {
    tcpSocket: { type: 'object', required: ['port'], properties: { port: intOrString } },
    httpGet: {
      type: 'object',
      required: ['port'],
      properties: { path: string, port: intOrString, scheme: { enum: ['HTTP', 'HTTPS'] } },
    },
    initialDelaySeconds: { type: 'integer', minimum: 0 },
    periodSeconds: { type: 'integer', minimum: 1 },
    timeoutSeconds: { type: 'integer', minimum: 1 },
    failureThreshold: { type: 'integer', minimum: 1 },
  },
};

const container: Schema = {
  type: 'object',
  required: ['name', 'image'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    image: string,
    imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    command: { type: 'array', items: { type: 'string' } },
    args: { type: 'array', items: { type: 'string' } },
    ports: {
      type: 'array',
      items: {
        type: 'object',
        required: ['containerPort'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 15 },
          containerPort: port,
          protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
        },
      },
    },
    env: { type: 'array', items: envVar },
    resources: { type: 'object', properties: { requests: quantities, limits: quantities } },
    readinessProbe: probe,
    livenessProbe: probe,
    securityContext: {
      type: 'object',
      properties: {
        runAsNonRoot: { type: 'boolean' },
        runAsUser: { type: 'integer', minimum: 0 },
        allowPrivilegeEscalation: { type: 'boolean' },
        readOnlyRootFilesystem: { type: 'boolean' },
        capabilities: {
          type: 'object',
          properties: { drop: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  },
};

const podSpec: Schema = {
  type: 'object',
  required: ['containers'],
  properties: {
    serviceAccountName: string,
    automountServiceAccountToken: { type: 'boolean' },
    containers: { type: 'array', minItems: 1, items: container },
    securityContext: {
      type: 'object',
      properties: {
        runAsNonRoot: { type: 'boolean' },
        runAsUser: { type: 'integer', minimum: 0 },
        seccompProfile: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] } },
        },
      },
    },
  },
};

/** Ports queue-proxy holds in a Knative pod: a user container may not listen on them. */
const KNATIVE_RESERVED_PORTS = [8012, 8013, 8022, 9090, 9091];
/** Environment variables Knative sets itself and refuses from the user. */
const KNATIVE_RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];

/**
 * The Knative webhook's rules for a serving container, which its CRD schema
 * (../crd-schemas/knative-serving) does not express: one container with an image, at most one
 * port, named `http1` or `h2c`, TCP, not a queue-proxy port, no reserved environment variable,
 * containerConcurrency within 0-1000. An open schema: it constrains only what it names, the CRD
 * refuses unknown fields.
 */
const knativeServiceWebhook: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        template: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                containerConcurrency: { type: 'integer', minimum: 0, maximum: 1000 },
                timeoutSeconds: { type: 'integer', minimum: 0 },
                containers: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 1,
                  items: {
                    type: 'object',
                    required: ['image'],
                    properties: {
                      image: string,
                      ports: {
                        type: 'array',
                        maxItems: 1,
                        items: {
                          type: 'object',
                          required: ['containerPort'],
                          properties: {
                            name: { enum: ['http1', 'h2c'] },
                            containerPort: { ...port, not: { enum: KNATIVE_RESERVED_PORTS } },
                            protocol: { enum: ['TCP'] },
                          },
                        },
                      },
                      env: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: { name: { ...string, not: { enum: KNATIVE_RESERVED_ENV } } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

/**
 * Rules an admission webhook enforces beyond a kind's CRD schema, checked on manifests that pass
 * the schema (open schemas: they constrain only what they name).
 */
export const ADMISSION_RULES: readonly { apiVersion: string; kind: string; schema: Schema }[] = [
  { apiVersion: 'serving.knative.dev/v1', kind: 'Service', schema: knativeServiceWebhook },
];

export const STRUCTURAL_SCHEMAS: readonly { apiVersion: string; kind: string; schema: Schema }[] = [
  { apiVersion: 'v1', kind: 'Namespace', schema: { type: 'object', properties: {} } },
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    schema: {
      type: 'object',
      properties: { automountServiceAccountToken: { type: 'boolean' } },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    schema: {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          required: ['ports'],
          properties: {
            type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
            selector: stringMap,
            ports: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['port'],
                properties: {
                  name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
                  port,
                  targetPort: intOrString,
                  protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
                  appProtocol: string,
                },
              },
            },
          },
        },
      },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    schema: {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          required: ['selector', 'template'],
          properties: {
            replicas: { type: 'integer', minimum: 0 },
            selector: {
              type: 'object',
              required: ['matchLabels'],
              properties: { matchLabels: { ...stringMap, minProperties: 1 } },
            },
            template: {
              type: 'object',
              required: ['metadata', 'spec'],
              properties: {
                metadata: {
                  type: 'object',
                  required: ['labels'],
                  properties: { labels: stringMap, annotations: stringMap },
                },
                spec: podSpec,
              },
            },
          },
        },
      },
    },
  },
  {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'ServiceEntry',
    schema: {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          required: ['hosts'],
          properties: {
            hosts: { type: 'array', minItems: 1, items: string },
            exportTo: { type: 'array', items: string },
            location: { enum: ['MESH_EXTERNAL', 'MESH_INTERNAL'] },
            resolution: { enum: ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'] },
            ports: {
              type: 'array',
              items: {
                type: 'object',
                required: ['number', 'name', 'protocol'],
                properties: {
                  number: port,
                  name: string,
                  protocol: { enum: ['HTTP', 'HTTPS', 'GRPC', 'HTTP2', 'MONGO', 'TCP', 'TLS'] },
                  targetPort: port,
                },
              },
            },
          },
        },
      },
    },
  },
];
