/**
 * The JSON schema of a scenario file (validated with ajv before any target is touched), typed against the model:
 * `JSONSchemaType<ScenarioFile>` makes tsc check every property's presence and type against model.ts; `requiredOf`,
 * `enumOf` and `expectationOf` add what JSONSchemaType leaves open: every required field listed, every enum value
 * and every expectation kind present. So a drift between this file and model.ts fails `tsc`.
 */
import type { JSONSchemaType } from 'ajv';
// The property-map type JSONSchemaType uses; ajv 8 has no exports map, and this is a type-only import.
import type { PropertiesSchema } from 'ajv/dist/types/json-schema.js';
import type { HpaBehavior, HpaPolicy, HpaRules, OffsetResetPolicy } from '../scaling/settings.js';
import type {
  Anchor,
  ExpectationDef,
  ExpectationKind,
  ScenarioBody,
  ScenarioConsumer,
  ScenarioFile,
  ScenarioLoadPhase,
  ScenarioOutage,
  ScenarioPause,
  ScenarioPreconditions,
  ScenarioSettings,
  ScenarioTopics,
} from './model.js';

/** The members of T that are not optional. */
type RequiredOf<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

/** Accepts a list `L` of `U` values only when it names all of them; else tsc names the ones missing. */
type AllOf<U, L extends readonly unknown[]> = [Exclude<U, L[number]>] extends [never] ? unknown : { missing: Exclude<U, L[number]> };

/**
 * The `required` list of T's schema, checked both ways: a name that is optional (or unknown) in the model fails
 * tsc, and so does a required member of the model left out.
 */
const requiredOf =
  <T>() =>
  <const K extends readonly RequiredOf<T>[]>(...keys: K & AllOf<RequiredOf<T>, K>): RequiredOf<T>[] => [...keys];

/**
 * The schema of an optional field. ajv's JSONSchemaType asks `nullable: true` of every optional property (it
 * reads optional as "may be null", ajv-validator/ajv#1664); the model's optional fields are never null, so the
 * schema stays strict at run time and only its type carries the flag.
 */
const optional = <S extends object>(s: S): S & { nullable: true } => s as S & { nullable: true };

/** Every property schema of `props` as an optional field (see `optional`). */
const allOptional = <P extends Record<string, object>>(props: P): { [K in keyof P]: P[K] & { nullable: true } } =>
  props as { [K in keyof P]: P[K] & { nullable: true } };

const nonNegInt = { type: 'integer', minimum: 0 } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
const seconds = { type: 'number', minimum: 0 } as const;
const bool = { type: 'boolean' } as const;
/** A string enum listing every value of T (a value the model lacks, or one it gained, fails tsc). */
const enumOf =
  <T extends string>() =>
  <const V extends readonly T[]>(...values: V & AllOf<T, V>): { type: 'string'; enum: T[] } => ({ type: 'string', enum: [...values] });
const anchor: JSONSchemaType<Anchor> = enumOf<Anchor>()('start', 'load-start', 'load-end', 'previous', 'outage-start', 'outage-end');
const offsetReset = enumOf<OffsetResetPolicy>()('latest', 'earliest');
const partitionList = { type: 'array', items: nonNegInt } as const;

const policy: JSONSchemaType<HpaPolicy> = {
  type: 'object',
  additionalProperties: false,
  required: requiredOf<HpaPolicy>()('type', 'value', 'periodSeconds'),
  properties: { type: enumOf<HpaPolicy['type']>()('Pods', 'Percent'), value: posInt, periodSeconds: posInt },
};
const rules: JSONSchemaType<HpaRules> = {
  type: 'object',
  additionalProperties: false,
  properties: allOptional({
    stabilizationWindowSeconds: nonNegInt,
    selectPolicy: enumOf<NonNullable<HpaRules['selectPolicy']>>()('Max', 'Min', 'Disabled'),
    policies: { type: 'array', items: policy },
    tolerance: { type: 'number', minimum: 0 },
  }),
};
const behavior: JSONSchemaType<HpaBehavior> = {
  type: 'object',
  additionalProperties: false,
  properties: allOptional({ scaleUp: rules, scaleDown: rules }),
};

const settings: JSONSchemaType<ScenarioSettings> = {
  type: 'object',
  additionalProperties: false,
  properties: allOptional({
    pollingInterval: posInt,
    cooldownPeriod: nonNegInt,
    initialCooldownPeriod: nonNegInt,
    minReplicaCount: nonNegInt,
    maxReplicaCount: posInt,
    idleReplicaCount: { ...nonNegInt, nullable: true },
    lagThreshold: posInt,
    activationLagThreshold: nonNegInt,
    offsetResetPolicy: offsetReset,
    scaleToZeroOnInvalidOffset: bool,
    excludePersistentLag: bool,
    allowIdleConsumers: bool,
    limitToPartitionsWithLag: bool,
    ensureEvenDistributionOfPartitions: bool,
    partitionLimitation: { type: 'string', minLength: 1 },
    fallback: {
      type: 'object',
      additionalProperties: false,
      required: ['failureThreshold', 'replicas'],
      properties: { failureThreshold: nonNegInt, replicas: nonNegInt },
    },
    kedaVersion: { type: 'string', minLength: 1 },
    behavior: { ...behavior, nullable: true },
  }),
};

const consumer: JSONSchemaType<ScenarioConsumer> = {
  type: 'object',
  additionalProperties: false,
  properties: allOptional({
    processMs: { type: 'number', minimum: 0 },
    startupDelaySeconds: seconds,
    offsetReset,
    stallPartitions: partitionList,
  }),
};

const preconditions: JSONSchemaType<ScenarioPreconditions> = {
  type: 'object',
  additionalProperties: false,
  properties: allOptional({
    group: enumOf<NonNullable<ScenarioPreconditions['group']>>()('committed-at-end', 'never-committed', 'as-is'),
    replicas: nonNegInt,
    topic: enumOf<NonNullable<ScenarioPreconditions['topic']>>()('fresh', 'reuse'),
    deletedRecords: posInt,
  }),
};

const topicSuffix = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 40 } as const;
const topics: JSONSchemaType<ScenarioTopics> = {
  type: 'object',
  additionalProperties: false,
  properties: allOptional({
    extra: { type: 'array', items: topicSuffix, minItems: 1 },
    consumed: { type: 'array', items: topicSuffix },
    trigger: enumOf<NonNullable<ScenarioTopics['trigger']>>()('case', 'none'),
  }),
};

const outage: JSONSchemaType<ScenarioOutage> = {
  type: 'object',
  additionalProperties: false,
  required: requiredOf<ScenarioOutage>()('after', 'for'),
  properties: { after: seconds, for: { type: 'number', exclusiveMinimum: 0 } },
};

const loadPhase: JSONSchemaType<ScenarioLoadPhase> = {
  type: 'object',
  additionalProperties: false,
  required: requiredOf<ScenarioLoadPhase>()('records', 'throughput'),
  properties: {
    records: posInt,
    throughput: { type: 'number' }, // -1 (unlimited) or ≥ 1: checked in loader.ts
    ...allOptional({
      recordSize: posInt,
      partitions: { ...partitionList, minItems: 1 },
      after: seconds,
      when: enumOf<NonNullable<ScenarioLoadPhase['when']>>()('consumers-ready'),
      topic: topicSuffix,
      transactional: bool,
      abortEvery: posInt,
    }),
  },
};
const pause: JSONSchemaType<ScenarioPause> = {
  type: 'object',
  additionalProperties: false,
  required: requiredOf<ScenarioPause>()('pause'),
  properties: { pause: seconds },
};

/**
 * A load item: a pause when it has `pause`, else a load phase. An if/then/else (unlike anyOf) reports the errors of
 * the one branch that applies. JSONSchemaType has no form for if/then/else over a union, so the two branches are
 * typed and only their combination is asserted.
 */
const loadItem = {
  if: { type: 'object', required: ['pause'] },
  then: pause,
  else: loadPhase,
} as unknown as JSONSchemaType<ScenarioLoadPhase | ScenarioPause>;

type Expectation<K extends ExpectationKind> = Extract<ExpectationDef, { kind: K }>;
type Fields<K extends ExpectationKind> = Omit<Expectation<K>, 'kind'>;

/** One member of the expectation union: its fields besides `kind` (the discriminator), then all its required ones. */
const expectationOf =
  <K extends ExpectationKind>(kind: K) =>
  <const R extends readonly RequiredOf<Fields<K>>[]>(properties: PropertiesSchema<Fields<K>>, ...required: R & AllOf<RequiredOf<Fields<K>>, R>) =>
    // The generic member cannot be resolved here; each call below is checked against its member.
    ({
      type: 'object',
      additionalProperties: false,
      required: ['kind', ...required],
      properties: { kind: { type: 'string', const: kind }, ...properties },
    }) as unknown as JSONSchemaType<Expectation<K>>;

const after = optional(anchor);

/** Every expectation kind, each once (tsc fails when the model gains a kind the schema lacks). */
const EXPECTATIONS: { [K in ExpectationKind]: JSONSchemaType<Expectation<K>> } = {
  reach: expectationOf('reach')({ replicas: nonNegInt, within: seconds, after }, 'replicas', 'within'),
  return: expectationOf('return')({ replicas: nonNegInt, within: seconds, after }, 'replicas', 'within'),
  'never-exceed': expectationOf('never-exceed')({ replicas: nonNegInt }, 'replicas'),
  'never-below': expectationOf('never-below')({ replicas: nonNegInt }, 'replicas'),
  stay: expectationOf('stay')({ replicas: nonNegInt, for: seconds, after }, 'replicas', 'for'),
  active: expectationOf('active')({ active: bool, within: seconds, after }, 'active', 'within'),
  'lag-drains': expectationOf('lag-drains')({ lag: nonNegInt, within: seconds, after }, 'lag', 'within'),
  'no-loss': expectationOf('no-loss')({ duplicates: optional(bool) }),
  'scale-downs': expectationOf('scale-downs')({ atLeast: posInt }, 'atLeast'),
  'replicas-in': expectationOf('replicas-in')({ replicas: { type: 'array', items: nonNegInt, minItems: 1 } }, 'replicas'),
  step: expectationOf('step')({ from: nonNegInt, to: nonNegInt }, 'from', 'to'),
};

/** The expectation kinds in the schema's order (for messages). */
export const EXPECTATION_KINDS = Object.keys(EXPECTATIONS) as ExpectationKind[];

const expectation: JSONSchemaType<ExpectationDef> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: Object.values(EXPECTATIONS),
};

const name = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 40 } as const;
const description = { type: 'string', minLength: 1 } as const;
const partitions = { type: 'integer', minimum: 1, maximum: 1000 } as const;

/** The fields a file and each of its variants may set; all optional (a variant inherits what it leaves out). */
const bodyProps: PropertiesSchema<ScenarioBody> = allOptional({
  description,
  settings,
  annotations: { type: 'object', additionalProperties: { type: 'string' }, required: [] },
  consumer,
  partitions,
  preconditions,
  load: { type: 'array', items: loadItem },
  topics,
  outage,
  expectations: { type: 'array', items: expectation },
  audit: bool,
  pin: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' } },
  timeout: { type: 'number', exclusiveMinimum: 0 },
});

const kafkaName = { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 200 } as const;

export const scenarioSchema: JSONSchemaType<ScenarioFile> = {
  type: 'object',
  additionalProperties: false,
  required: requiredOf<ScenarioFile>()('name', 'description', 'partitions'),
  properties: {
    ...bodyProps,
    name,
    description,
    partitions,
    ...allOptional({
      summary: { type: 'string', minLength: 1 },
      targets: { type: 'array', minItems: 1, items: enumOf<NonNullable<ScenarioFile['targets']>[number]>()('local', 'cluster') },
      requires: { type: 'array', items: { type: 'string' } },
      topic: kafkaName,
      group: kafkaName,
      variants: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: requiredOf<ScenarioBody & { name: string }>()('name'),
          properties: { ...bodyProps, name },
        },
      },
    }),
  },
};
