/** The JSON schema of a scenario file (validated with ajv before any target is touched). */

const nonNegInt = { type: 'integer', minimum: 0 } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
const seconds = { type: 'number', minimum: 0 } as const;
const anchor = { enum: ['start', 'load-start', 'load-end', 'previous'] } as const;

const policy = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'value', 'periodSeconds'],
  properties: { type: { enum: ['Pods', 'Percent'] }, value: posInt, periodSeconds: posInt },
} as const;
const rules = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stabilizationWindowSeconds: nonNegInt,
    selectPolicy: { enum: ['Max', 'Min', 'Disabled'] },
    policies: { type: 'array', items: policy },
  },
} as const;

const settings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pollingInterval: posInt,
    cooldownPeriod: nonNegInt,
    initialCooldownPeriod: nonNegInt,
    minReplicaCount: nonNegInt,
    maxReplicaCount: posInt,
    idleReplicaCount: { type: ['integer', 'null'], minimum: 0 },
    lagThreshold: posInt,
    activationLagThreshold: nonNegInt,
    offsetResetPolicy: { enum: ['latest', 'earliest'] },
    scaleToZeroOnInvalidOffset: { type: 'boolean' },
    excludePersistentLag: { type: 'boolean' },
    allowIdleConsumers: { type: 'boolean' },
    limitToPartitionsWithLag: { type: 'boolean' },
    ensureEvenDistributionOfPartitions: { type: 'boolean' },
    behavior: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: { scaleUp: rules, scaleDown: rules },
    },
  },
} as const;

const consumer = {
  type: 'object',
  additionalProperties: false,
  properties: {
    processMs: { type: 'number', minimum: 0 },
    startupDelaySeconds: seconds,
    offsetReset: { enum: ['latest', 'earliest'] },
    stallPartitions: { type: 'array', items: nonNegInt },
  },
} as const;

const preconditions = {
  type: 'object',
  additionalProperties: false,
  properties: {
    group: { enum: ['committed-at-end', 'never-committed', 'as-is'] },
    replicas: nonNegInt,
    topic: { enum: ['fresh', 'reuse'] },
  },
} as const;

const loadPhase = {
  type: 'object',
  additionalProperties: false,
  required: ['records', 'throughput'],
  properties: {
    records: posInt,
    throughput: { type: 'number' }, // -1 (unlimited) or ≥ 1: checked in loader.ts
    recordSize: posInt,
    partitions: { type: 'array', items: nonNegInt, minItems: 1 },
    after: seconds,
    when: { enum: ['consumers-ready'] },
  },
} as const;
const pause = {
  type: 'object',
  additionalProperties: false,
  required: ['pause'],
  properties: { pause: seconds },
} as const;

function exp(kind: string, props: Record<string, unknown>, required: string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['kind', ...required],
    properties: { kind: { const: kind }, ...props },
  };
}

const expectation = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    exp('reach', { replicas: nonNegInt, within: seconds, after: anchor }, ['replicas', 'within']),
    exp('return', { replicas: nonNegInt, within: seconds, after: anchor }, ['replicas', 'within']),
    exp('never-exceed', { replicas: nonNegInt }, ['replicas']),
    exp('never-below', { replicas: nonNegInt }, ['replicas']),
    exp('stay', { replicas: nonNegInt, for: seconds, after: anchor }, ['replicas', 'for']),
    exp('active', { active: { type: 'boolean' }, within: seconds, after: anchor }, ['active', 'within']),
    exp('lag-drains', { lag: nonNegInt, within: seconds, after: anchor }, ['lag', 'within']),
    exp('no-loss', { duplicates: { type: 'boolean' } }, []),
    exp('scale-downs', { atLeast: posInt }, ['atLeast']),
  ],
} as const;

const bodyProps = {
  description: { type: 'string', minLength: 1 },
  settings,
  annotations: { type: 'object', additionalProperties: { type: 'string' } },
  consumer,
  partitions: { type: 'integer', minimum: 1, maximum: 1000 },
  preconditions,
  load: { type: 'array', items: { if: { type: 'object', required: ['pause'] }, then: pause, else: loadPhase } },
  expectations: { type: 'array', items: expectation },
  audit: { type: 'boolean' },
  pin: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' } },
  timeout: { type: 'number', exclusiveMinimum: 0 },
} as const;

const name = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 40 } as const;

export const scenarioSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'partitions'],
  properties: {
    ...bodyProps,
    name,
    summary: { type: 'string', minLength: 1 },
    targets: { type: 'array', minItems: 1, items: { enum: ['local', 'cluster'] } },
    requires: { type: 'array', items: { type: 'string' } },
    topic: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 200 },
    group: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 200 },
    variants: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', additionalProperties: false, required: ['name'], properties: { ...bodyProps, name } },
    },
  },
} as const;
