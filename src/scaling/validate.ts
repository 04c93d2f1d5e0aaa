/**
 * KEDA's own refusals, pure, in one place: every condition under which KEDA (the kafka scaler, the ScaledObject
 * admission webhook and controller, KEDA's CRD) refuses a `kafka` trigger or a ScaledObject, stated in our words.
 * Shared by the lag maths (partitionLimitation), the settings from flags, the ScaledObject loader (settings.ts),
 * plan, run and `check`. Callers turn violations into one exit-2 CmaError with `refusal()`, naming each field the
 * way the user wrote it (a flag, or `spec.…` with file:line).
 *
 * Upstream, read at kedacore/keda v2.18.3, v2.19.0, v2.20.2 and main 8b4f083:
 * - pkg/scalers/kafka_scaler.go: `parseKafkaMetadata` (≤ 2.19, strconv parsing per key), `kafkaMetadata.Validate`
 *   and `parsePartitionLimitation` (≥ 2.20, typed config), `parseKafkaAuthParams` (tls/sasl values);
 * - pkg/util/parse_string.go `ParseInt32List`/`ParseRange` (partitionLimitation ≤ 2.19);
 * - pkg/scalers/scalersconfig/typed_config.go (≥ 2.20: values trimmed, empty = unset, enums, bools, JSON integers);
 * - pkg/scalers/scaler.go `GetMetricTargetType` (Utilization refused);
 * - apis/keda/v1alpha1/scaledobject_types.go `CheckReplicaCountBoundsAreValid`, `CheckFallbackValid`,
 *   `GetHPAMinReplicas`, the CRD markers; scaledobject_webhook.go `verifyReplicaCount`, `verifyName`, `verifyFallback`;
 *   scaletriggers_types.go `ValidateTriggers`.
 */
import { CmaError, ExitCode } from '../errors.js';
import { kedaBehaviour, type KedaVersion } from './kedaVersion.js';

/** Turns a KEDA field name into the words a message uses (with the flag or file:line it came from). */
export type Describe = (field: string) => string;
const plainDescribe: Describe = (f) => f;

export interface KedaViolation {
  /** Stable code, e.g. TOPIC_REQUIRED. */
  code: string;
  /** The KEDA fields involved, the one to change first. Names as in the ScaledObject (trigger metadata keys bare). */
  fields: string[];
  /** What is wrong and why KEDA refuses it, naming each field through `d`. */
  text: (d: Describe) => string;
  /** What to do. */
  hint: string;
}

/** The message of one violation (tests, check). */
export const violationText = (v: KedaViolation, d: Describe = plainDescribe): string => v.text(d);

/** One refused setting, as rendered (for `check` and other callers that list findings). */
export interface RefusedSetting {
  code: string;
  /** KEDA field names, the one to change first. */
  fields: string[];
  /** The message with each field described (flag, or path with file:line). */
  message: string;
  hint: string;
}

/** The exit-2 error of refusal(): the message for people, `refused` for programs. */
export class KedaRefusal extends CmaError {
  readonly refused: RefusedSetting[];
  constructor(message: string, hint: string, code: string, refused: RefusedSetting[]) {
    super(message, { hint, exitCode: ExitCode.USAGE, code });
    this.name = 'KedaRefusal';
    this.refused = refused;
  }
}

/** One exit-2 error for all violations; nothing has been changed at that point. */
export function refusal(vs: KedaViolation[], d: Describe = plainDescribe): KedaRefusal {
  const refused = vs.map((v) => ({ code: v.code, fields: v.fields, message: v.text(d), hint: v.hint }));
  const lines = refused.map((r) => r.message);
  const message = lines.length === 1 ? lines[0]! : `KEDA would refuse ${lines.length} settings:\n  - ${lines.join('\n  - ')}`;
  const hint = [...new Set(vs.map((v) => v.hint))].join('; ');
  return new KedaRefusal(message, hint, vs.length === 1 ? vs[0]!.code : 'KEDA_REFUSES', refused);
}

const scalerRefuses = 'KEDA cannot build the kafka scaler (the ScaledObject stays not Ready, nothing scales)';

// ---------------------------------------------------------------------------------------------------------
// Single values of trigger metadata (strings in the ScaledObject), as the chosen KEDA release reads them.

export type Parsed<T> = { ok: true; value: T | undefined } | { ok: false; reason: string };

/**
 * ≤ 2.19 reads a key as written, and a key that is present but empty is a value (usually a parse error);
 * ≥ 2.20 trims every value and treats an empty one as not set (typed_config.go `configParamValue`).
 */
function rawValue(raw: string | undefined, version: KedaVersion): string | undefined {
  if (raw === undefined) return undefined;
  if (!kedaBehaviour(version).typedTriggerConfig) return raw;
  const t = raw.trim();
  return t === '' ? undefined : t;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * A whole number as KEDA reads it: ≤ 2.19 Go's strconv.ParseInt (an optional sign, decimal digits, leading zeros
 * allowed); ≥ 2.20 a JSON number into int64 (no "+", no leading zeros, no fraction or exponent).
 */
export function parseTriggerInt(raw: string | undefined, version: KedaVersion): Parsed<number> {
  const v = rawValue(raw, version);
  if (v === undefined) return { ok: true, value: undefined };
  const re = kedaBehaviour(version).typedTriggerConfig ? /^-?(0|[1-9]\d*)$/ : /^[+-]?\d+$/;
  if (!re.test(v)) return { ok: false, reason: `"${v}" is not a whole number` };
  const big = BigInt(v.replace(/^\+/, ''));
  if (big > INT64_MAX || big < INT64_MIN) return { ok: false, reason: `"${v}" is out of the 64-bit range` };
  return { ok: true, value: Number(big) };
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean as Go's strconv.ParseBool reads it (1, t, T, TRUE, true, True and their false twins). */
export function parseTriggerBool(raw: string | undefined, version: KedaVersion): Parsed<boolean> {
  const v = rawValue(raw, version);
  if (v === undefined) return { ok: true, value: undefined };
  if (GO_TRUE.has(v)) return { ok: true, value: true };
  if (GO_FALSE.has(v)) return { ok: true, value: false };
  return { ok: false, reason: `"${v}" is not a boolean (true or false)` };
}

/** One of a fixed set of words. ≤ 2.19 leaves an empty offsetResetPolicy at its default (it checks `!= ""`). */
export function parseTriggerEnum<T extends string>(raw: string | undefined, allowed: readonly T[], version: KedaVersion, emptyIsUnset = false): Parsed<T> {
  let v = rawValue(raw, version);
  if (v === '' && emptyIsUnset) v = undefined;
  if (v === undefined) return { ok: true, value: undefined };
  if ((allowed as readonly string[]).includes(v)) return { ok: true, value: v as T };
  return { ok: false, reason: `"${v}" is not one of ${allowed.join(', ')}` };
}

/**
 * Sarama's ParseKafkaVersion (the trigger's `version`): "x.y.z" for Kafka ≥ 1, "0.x.y.z" before, at least 5
 * characters. KEDA trims the value in every release we model.
 */
export function parseSaramaVersion(raw: string | undefined): Parsed<string> {
  if (raw === undefined) return { ok: true, value: undefined };
  const v = raw.trim();
  if (v === '') return { ok: true, value: undefined };
  const okForm = v.length >= 5 && (v.startsWith('0') ? /^0\.\d+\.\d+\.\d+$/.test(v) : /^\d+\.\d+\.\d+$/.test(v));
  return okForm ? { ok: true, value: v } : { ok: false, reason: `"${v}" is not a Kafka version such as 2.8.0 or 0.11.0.2` };
}

// ---------------------------------------------------------------------------------------------------------
// partitionLimitation

export type PartitionLimitation =
  /** Every partition counts (no limitation, or KEDA ignores it). */
  | { kind: 'all' }
  /** Only these partition ids count (possibly none: then every read fails). */
  | { kind: 'list'; partitions: number[] }
  | { kind: 'error'; reason: string };

const INT32 = /^[+-]?\d+$/;
function goInt32(s: string): number | null {
  if (!INT32.test(s)) return null;
  const n = Number(s.replace(/^\+/, ''));
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}
/** Appends start..end (nothing when start > end), refusing absurdly long ranges instead of allocating them. */
function range(start: number, end: number, into: number[]): string | null {
  if (end - start > 100_000) return `range ${start}-${end} is longer than any topic`;
  for (let i = start; i <= end; i++) into.push(i);
  return null;
}

/**
 * The trigger's `partitionLimitation` ("0,2-3,7": ids and inclusive ranges), read as the chosen release reads it.
 * `hasTopic` false = the trigger has no topic: KEDA then ignores the limitation (≥ 2.20 still parses it first and
 * refuses a malformed one; ≤ 2.19 does not look at it).
 *
 * ≥ 2.20 (`parsePartitionLimitation`): entries split on ",", trimmed; an entry with "-" must have exactly two
 * ends, each a 32-bit decimal; the result is a list, empty when every range is inverted. ≤ 2.19
 * (`kedautil.ParseInt32List`): the same grammar but nothing is trimmed (" 2" is an error) and a result without
 * any id means "no limitation".
 */
export function parsePartitionLimitation(text: string | null | undefined, version: KedaVersion, hasTopic = true): PartitionLimitation {
  if (text === null || text === undefined || text.trim() === '') return { kind: 'all' };
  const typed = kedaBehaviour(version).typedTriggerConfig;
  if (!typed && !hasTopic) return { kind: 'all' };
  const ids: number[] = [];
  const source = typed ? text.trim() : text;
  for (const rawPart of source.split(',')) {
    const part = typed ? rawPart.trim() : rawPart;
    const ends = part.split('-');
    if (ends.length === 1) {
      const n = goInt32(ends[0]!);
      if (n === null) return { kind: 'error', reason: `"${part}" is not a partition id` };
      ids.push(n);
    } else if (ends.length === 2) {
      const a = goInt32(typed ? ends[0]!.trim() : ends[0]!);
      const b = goInt32(typed ? ends[1]!.trim() : ends[1]!);
      if (a === null || b === null) return { kind: 'error', reason: `"${part}" is not a range of partition ids (start-end)` };
      const tooLong = range(a, b, ids);
      if (tooLong) return { kind: 'error', reason: tooLong };
    } else {
      return { kind: 'error', reason: `"${part}" has more than one "-"` };
    }
  }
  if (!hasTopic) return { kind: 'all' };
  if (!typed && ids.length === 0) return { kind: 'all' };
  return { kind: 'list', partitions: ids };
}

// ---------------------------------------------------------------------------------------------------------
// Typed settings: the cross-field rules (flags, files after parsing, scenarios)

/** What the rules read; ScaledObjectSettings (settings.ts) has this shape. */
export interface KedaCheckInput {
  kedaVersion: KedaVersion;
  pollingInterval: number;
  cooldownPeriod: number;
  initialCooldownPeriod: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount: number | null;
  lagThreshold: number;
  activationLagThreshold: number;
  allowIdleConsumers: boolean;
  limitToPartitionsWithLag: boolean;
  ensureEvenDistributionOfPartitions: boolean;
  partitionLimitation: string | null;
  fallback: { failureThreshold: number; replicas: number } | null;
  behavior: { scaleUp?: { tolerance?: number }; scaleDown?: { tolerance?: number } } | null;
  hpaTolerance: number;
  hpaDownscaleStabilizationSeconds: number;
}

export interface KedaCheckContext {
  /**
   * The trigger's topic: a name; null when the trigger has none (KEDA then reads every topic the group committed
   * to); undefined when implied (plan and run always model one topic, the one setup renders).
   */
  topic?: string | null;
  /** False when a ScaledObject file leaves minReplicaCount out: KEDA's bounds check then reads min as 0. */
  minReplicaCountSet?: boolean;
}

const isWhole = (n: number): boolean => Number.isInteger(n);

/** KEDA's HPA minimum as its bounds check computes it (GetHPAMinReplicas: a set min below 1 counts as 1). */
export function boundsCheckMin(minReplicaCount: number, minReplicaCountSet = true): number {
  if (!minReplicaCountSet) return 0;
  return minReplicaCount > 0 ? minReplicaCount : 1;
}

/** Every rule KEDA applies to the typed settings, in KEDA's order; [] when KEDA accepts them. */
export function kedaViolations(s: KedaCheckInput, ctx: KedaCheckContext = {}): KedaViolation[] {
  const b = kedaBehaviour(s.kedaVersion);
  const out: KedaViolation[] = [];
  const noTopic = ctx.topic === null || ctx.topic === '';

  // --- kafka scaler (Validate ≥ 2.20, parseKafkaMetadata ≤ 2.19)
  if (!isWhole(s.lagThreshold) || s.lagThreshold <= 0) {
    out.push({
      code: 'LAG_THRESHOLD',
      fields: ['lagThreshold'],
      text: (d) =>
        `${d('lagThreshold')} is ${s.lagThreshold}: KEDA requires a positive whole number (it is the lag one replica should carry, and the divisor of the partition cap); ${scalerRefuses}`,
      hint: 'set lagThreshold to 1 or more',
    });
  }
  if (!isWhole(s.activationLagThreshold) || s.activationLagThreshold < 0) {
    out.push({
      code: 'ACTIVATION_LAG_THRESHOLD',
      fields: ['activationLagThreshold'],
      text: (d) =>
        `${d('activationLagThreshold')} is ${s.activationLagThreshold}: KEDA requires a whole number ≥ 0 (activation needs lag strictly above it); ${scalerRefuses}`,
      hint: 'set activationLagThreshold to 0 or more',
    });
  }
  const pl = parsePartitionLimitation(s.partitionLimitation, s.kedaVersion, !noTopic);
  if (pl.kind === 'error') {
    out.push({
      code: 'PARTITION_LIMITATION',
      fields: ['partitionLimitation'],
      text: (d) =>
        `${d('partitionLimitation')} "${s.partitionLimitation}": ${pl.reason}; KEDA accepts only partition ids and ranges such as "0,2-3,7"${b.typedTriggerConfig ? '' : ' with no spaces'}; ${scalerRefuses}`,
      hint: 'write partitionLimitation as ids and start-end ranges separated by commas, e.g. 0,2-3,7',
    });
  } else if (pl.kind === 'list' && pl.partitions.length === 0) {
    out.push({
      code: 'PARTITION_LIMITATION_EMPTY',
      fields: ['partitionLimitation'],
      text: (d) =>
        `${d('partitionLimitation')} "${s.partitionLimitation}" names no partition (a range runs backwards): KEDA ${s.kedaVersion} then finds no active partition in the topic and every metric read fails`,
      hint: 'write ranges as start-end with start ≤ end',
    });
  }
  if (s.allowIdleConsumers && s.limitToPartitionsWithLag) {
    out.push({
      code: 'IDLE_CONSUMERS_WITH_LIMIT',
      fields: ['allowIdleConsumers', 'limitToPartitionsWithLag'],
      text: (d) =>
        `${d('allowIdleConsumers')} and ${d('limitToPartitionsWithLag')} are both true: KEDA refuses the pair, since one lifts the partition cap and the other sets it to the partitions with lag; ${scalerRefuses}`,
      hint: 'drop one of allowIdleConsumers and limitToPartitionsWithLag',
    });
  }
  if (noTopic && s.limitToPartitionsWithLag) {
    out.push({
      code: 'TOPIC_REQUIRED',
      fields: ['topic', 'limitToPartitionsWithLag'],
      text: (d) =>
        `${d('limitToPartitionsWithLag')} needs a ${d('topic')}: KEDA refuses limitToPartitionsWithLag on a trigger without a topic; ${scalerRefuses}`,
      hint: "name the topic (the trigger's topic; --topic for lag), or drop limitToPartitionsWithLag",
    });
  }
  if (s.limitToPartitionsWithLag && s.ensureEvenDistributionOfPartitions) {
    out.push({
      code: 'LIMIT_WITH_EVEN_DISTRIBUTION',
      fields: ['limitToPartitionsWithLag', 'ensureEvenDistributionOfPartitions'],
      text: (d) =>
        `${d('limitToPartitionsWithLag')} and ${d('ensureEvenDistributionOfPartitions')} are both true: KEDA refuses the pair, since the first caps at the partitions with lag and the second rounds up to a divisor of all partitions; ${scalerRefuses}`,
      hint: 'drop one of limitToPartitionsWithLag and ensureEvenDistributionOfPartitions',
    });
  }
  if (noTopic && s.ensureEvenDistributionOfPartitions) {
    out.push({
      code: 'TOPIC_REQUIRED',
      fields: ['topic', 'ensureEvenDistributionOfPartitions'],
      text: (d) =>
        `${d('ensureEvenDistributionOfPartitions')} needs a ${d('topic')}: KEDA refuses it on a trigger without a topic (the divisors are those of one topic's partition count); ${scalerRefuses}`,
      hint: "name the topic (the trigger's topic; --topic for lag), or drop ensureEvenDistributionOfPartitions",
    });
  }

  // --- ScaledObject: CRD minimums (≥ 2.20 in the CRD; older releases accept them, cma-demo cannot model them)
  const crd = b.crdValidation
    ? "KEDA's CRD refuses it"
    : `KEDA ${s.kedaVersion}'s CRD does not check it, but the scaling loop cannot work with it and cma-demo refuses it`;
  const minimum = (field: keyof KedaCheckInput, min: number): void => {
    const v = s[field] as number | null;
    if (v === null) return;
    if (!isWhole(v) || v < min) {
      out.push({
        code: 'SPEC_MINIMUM',
        fields: [field],
        text: (d) => `${d(field)} is ${v}: it must be a whole number ≥ ${min}; ${crd}`,
        hint: `set ${field} to ${min} or more`,
      });
    }
  };
  minimum('pollingInterval', 1);
  minimum('cooldownPeriod', 0);
  minimum('initialCooldownPeriod', 0);
  minimum('minReplicaCount', 0);
  minimum('maxReplicaCount', 1);
  minimum('idleReplicaCount', 0);

  // --- ScaledObject: replica bounds (CheckReplicaCountBoundsAreValid)
  const min = boundsCheckMin(s.minReplicaCount, ctx.minReplicaCountSet ?? true);
  const bounds = b.webhookRefusesReplicaBounds
    ? "KEDA's admission webhook refuses the ScaledObject"
    : `KEDA ${s.kedaVersion} admits the ScaledObject but its operator refuses to reconcile it (Ready=False, ScaledObjectCheckFailed), so no HPA is created`;
  if (min > s.maxReplicaCount) {
    out.push({
      code: 'MIN_ABOVE_MAX',
      fields: ['minReplicaCount', 'maxReplicaCount'],
      text: (d) => `${d('minReplicaCount')} ${s.minReplicaCount} is above ${d('maxReplicaCount')} ${s.maxReplicaCount}: ${bounds}`,
      hint: 'raise maxReplicaCount or lower minReplicaCount',
    });
  }
  if (s.idleReplicaCount !== null && s.idleReplicaCount >= min) {
    const minWords = (d: Describe): string =>
      ctx.minReplicaCountSet === false
        ? `${d('minReplicaCount')}, which is not set (KEDA's check then reads it as 0)`
        : `${d('minReplicaCount')} ${s.minReplicaCount}${s.minReplicaCount === 0 ? ' (KEDA compares with the HPA minimum, 1)' : ''}`;
    out.push({
      code: 'IDLE_NOT_BELOW_MIN',
      fields: ['idleReplicaCount', 'minReplicaCount'],
      text: (d) =>
        `${d('idleReplicaCount')} ${s.idleReplicaCount} is not below ${minWords(d)}: KEDA requires idleReplicaCount < minReplicaCount (idle is the count while inactive, min the floor while active); ${bounds}`,
      hint: 'lower idleReplicaCount below minReplicaCount (usually idle 0, min ≥ 1), or drop idleReplicaCount',
    });
  }

  // --- fallback (CheckFallbackValid; the CRD requires both fields, ≥ 0)
  if (s.fallback) {
    const { failureThreshold: ft, replicas: r } = s.fallback;
    if (!isWhole(ft) || !isWhole(r) || ft < 0 || r < 0) {
      out.push({
        code: 'FALLBACK',
        fields: ['fallback.failureThreshold', 'fallback.replicas'],
        text: (d) =>
          `${d('fallback.failureThreshold')} ${ft} and ${d('fallback.replicas')} ${r}: KEDA requires both to be whole numbers ≥ 0 and refuses the ScaledObject`,
        hint: 'set fallback.failureThreshold and fallback.replicas to 0 or more',
      });
    }
  }

  // --- the HPA KEDA creates (Kubernetes' validation of spec.behavior) and the HPA controller's flags
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    const tol = s.behavior?.[dir]?.tolerance;
    if (tol !== undefined && !(Number.isFinite(tol) && tol >= 0)) {
      const field = `behavior.${dir}.tolerance`;
      out.push({
        code: 'HPA_TOLERANCE',
        fields: [field],
        text: (d) => `${d(field)} is ${tol}: Kubernetes refuses a negative tolerance in the HPA KEDA creates, so the ScaledObject never gets its HPA`,
        hint: 'set the tolerance to a fraction ≥ 0, e.g. 0.05',
      });
    }
  }
  if (!(Number.isFinite(s.hpaTolerance) && s.hpaTolerance >= 0)) {
    out.push({
      code: 'HPA_TOLERANCE',
      fields: ['hpaTolerance'],
      text: (d) => `${d('hpaTolerance')} is ${s.hpaTolerance}: the HPA controller's --horizontal-pod-autoscaler-tolerance must be ≥ 0`,
      hint: "use a fraction ≥ 0 (Kubernetes' default is 0.1)",
    });
  }
  if (!(Number.isFinite(s.hpaDownscaleStabilizationSeconds) && s.hpaDownscaleStabilizationSeconds >= 0)) {
    out.push({
      code: 'HPA_DOWNSCALE_STABILIZATION',
      fields: ['hpaDownscaleStabilizationSeconds'],
      text: (d) =>
        `${d('hpaDownscaleStabilizationSeconds')} is ${s.hpaDownscaleStabilizationSeconds}: the HPA controller's --horizontal-pod-autoscaler-downscale-stabilization must be ≥ 0 s`,
      hint: "use seconds ≥ 0 (Kubernetes' default is 300)",
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A ScaledObject document: values as written, before they become typed settings

export const OFFSET_RESET_POLICIES = ['latest', 'earliest'] as const;
export const TLS_VALUES = ['enable', 'disable'] as const;
export const SASL_VALUES = ['none', 'plaintext', 'scram_sha256', 'scram_sha512', 'oauthbearer', 'gssapi'] as const;
export const FALLBACK_BEHAVIORS = ['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'] as const;

/** The trigger fields the lag maths reads, typed; undefined = not set (KEDA's default applies). */
export interface TriggerValues {
  topic?: string;
  consumerGroup?: string;
  lagThreshold?: number;
  activationLagThreshold?: number;
  offsetResetPolicy?: 'latest' | 'earliest';
  allowIdleConsumers?: boolean;
  excludePersistentLag?: boolean;
  scaleToZeroOnInvalidOffset?: boolean;
  limitToPartitionsWithLag?: boolean;
  ensureEvenDistributionOfPartitions?: boolean;
  partitionLimitation?: string;
  fullMetadata?: boolean;
}

/**
 * Reads one kafka trigger's metadata (string values, as KEDA's CRD requires) and its generic fields. Field-level
 * refusals only (a value KEDA cannot parse, a missing required key); the cross-field rules are kedaViolations'.
 * `fields` are the metadata keys; the caller describes them with their file:line.
 */
export function checkTriggerMetadata(
  trigger: { metadata: Record<string, unknown>; metricType?: unknown; useCachedMetrics?: unknown },
  version: KedaVersion,
): { values: TriggerValues; violations: KedaViolation[] } {
  const b = kedaBehaviour(version);
  const md = trigger.metadata;
  const out: KedaViolation[] = [];
  const values: TriggerValues = {};
  const str: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(md)) {
    if (typeof v === 'string') str[k] = v;
    else if (v !== null && v !== undefined) {
      out.push({
        code: 'TRIGGER_METADATA_NOT_STRING',
        fields: [k],
        text: (d) =>
          `${d(k)} is written as a ${Array.isArray(v) ? 'list' : typeof v} (${JSON.stringify(v)}): KEDA's CRD types every trigger metadata value as a string, so the API server refuses the ScaledObject`,
        hint: `quote the value, e.g. ${k}: '${String(v)}'`,
      });
    }
  }
  const bad = (k: string, reason: string, hint: string, code = 'TRIGGER_VALUE'): void => {
    out.push({ code, fields: [k], text: (d) => `${d(k)}: ${reason}; ${scalerRefuses}`, hint });
  };

  // Required: bootstrapServers and consumerGroup (or their …FromEnv twins).
  for (const k of ['bootstrapServers', 'consumerGroup']) {
    const direct = rawValue(str[k], version);
    const fromEnv = rawValue(str[`${k}FromEnv`], version);
    if ((direct === undefined || direct === '') && (fromEnv === undefined || fromEnv === '')) {
      out.push({
        code: 'TRIGGER_REQUIRED',
        fields: [k],
        text: (d) => `${d(k)} is missing: KEDA requires it (or ${k}FromEnv); ${scalerRefuses}`,
        hint: `set ${k} in the trigger metadata`,
      });
    }
  }
  const topic = rawValue(str.topic, version);
  if (topic !== undefined && topic !== '') values.topic = topic;
  const group = rawValue(str.consumerGroup, version);
  if (group !== undefined && group !== '') values.consumerGroup = group;

  for (const k of ['lagThreshold', 'activationLagThreshold'] as const) {
    const r = parseTriggerInt(str[k], version);
    if (r.ok) {
      if (r.value !== undefined) values[k] = r.value;
    } else
      bad(k, `${r.reason}, and KEDA ${version} parses ${k} as a whole number`, `write ${k} as a whole number in quotes, e.g. '200'`, 'TRIGGER_NOT_A_NUMBER');
  }
  const orp = parseTriggerEnum(str.offsetResetPolicy, OFFSET_RESET_POLICIES, version, true);
  if (orp.ok) {
    if (orp.value !== undefined) values.offsetResetPolicy = orp.value;
  } else
    bad(
      'offsetResetPolicy',
      `${orp.reason}; KEDA knows only latest and earliest`,
      "use offsetResetPolicy latest or earliest (the consumer's auto.offset.reset)",
    );
  const bools = [
    'allowIdleConsumers',
    'excludePersistentLag',
    'scaleToZeroOnInvalidOffset',
    'limitToPartitionsWithLag',
    'ensureEvenDistributionOfPartitions',
  ] as const;
  for (const k of bools) {
    const r = parseTriggerBool(str[k], version);
    if (r.ok) {
      if (r.value !== undefined) values[k] = r.value;
    } else bad(k, r.reason, `write ${k}: 'true' or 'false'`);
  }
  if (b.fullMetadataField) {
    const r = parseTriggerBool(str.fullMetadata, version);
    if (r.ok) {
      if (r.value !== undefined) values.fullMetadata = r.value;
    } else bad('fullMetadata', r.reason, "write fullMetadata: 'true' or 'false'");
    if (values.fullMetadata === false && values.topic === undefined) {
      out.push({
        code: 'TOPIC_REQUIRED',
        fields: ['topic', 'fullMetadata'],
        text: (d) =>
          `${d('fullMetadata')} false needs a ${d('topic')}: KEDA then fetches metadata for that one topic only, so it refuses a trigger without one; ${scalerRefuses}`,
        hint: 'name the topic, or drop fullMetadata',
      });
    }
  }
  const pl = rawValue(str.partitionLimitation, version);
  if (pl !== undefined && pl.trim() !== '') values.partitionLimitation = pl;
  const ver = parseSaramaVersion(str.version);
  if (!ver.ok) bad('version', `${ver.reason}; KEDA cannot parse the Kafka protocol version`, "write version as x.y.z, e.g. '2.8.0', or drop it (1.0.0)");
  const tls = parseTriggerEnum(str.tls, TLS_VALUES, version);
  if (!tls.ok) bad('tls', `${tls.reason}; KEDA knows only enable and disable`, "write tls: 'enable' or 'disable'");
  const saslRaw = str.sasl === undefined ? undefined : str.sasl.trim() === '' ? undefined : str.sasl.trim();
  const sasl = parseTriggerEnum(saslRaw, SASL_VALUES, version);
  if (!sasl.ok) bad('sasl', `${sasl.reason}; KEDA knows only ${SASL_VALUES.join(', ')}`, `write sasl as one of ${SASL_VALUES.join(', ')}`);

  // Generic trigger fields.
  const mt = trigger.metricType;
  if (mt !== undefined && mt !== null) {
    if (mt === 'Utilization') {
      out.push({
        code: 'METRIC_TYPE',
        fields: ['metricType'],
        text: (d) => `${d('metricType')} Utilization: KEDA's external scalers support only AverageValue and Value, so it refuses the trigger`,
        hint: 'drop metricType (AverageValue is the default)',
      });
    } else if (mt !== 'AverageValue' && mt !== 'Value') {
      out.push({
        code: 'METRIC_TYPE',
        fields: ['metricType'],
        text: (d) => `${d('metricType')} "${String(mt)}": KEDA's CRD allows only AverageValue or Value`,
        hint: 'drop metricType (AverageValue is the default)',
      });
    }
  }
  const ucm = trigger.useCachedMetrics;
  if (ucm !== undefined && ucm !== null && typeof ucm !== 'boolean') {
    out.push({
      code: 'USE_CACHED_METRICS',
      fields: ['useCachedMetrics'],
      text: (d) =>
        `${d('useCachedMetrics')} is ${JSON.stringify(ucm)}: KEDA's CRD types it as a boolean (true or false, unquoted), so the API server refuses the ScaledObject`,
      hint: 'write useCachedMetrics: true or false',
    });
  }
  return { values, violations: out };
}

/** A ScaledObject-level field that must be an integer (KEDA's CRD types them int32). */
export function checkSpecInt(field: string, v: unknown): Parsed<number> {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (typeof v !== 'number' || !Number.isInteger(v))
    return {
      ok: false,
      reason: `${JSON.stringify(v)} is not a whole number (KEDA's CRD types ${field} as an integer, so the API server refuses the ScaledObject)`,
    };
  if (v > 2147483647 || v < -2147483648) return { ok: false, reason: `${v} is out of the 32-bit range of ${field}` };
  return { ok: true, value: v };
}

/**
 * Rules on the ScaledObject as a whole that typed settings do not carry: triggers (ValidateTriggers), the name
 * (verifyName, ≥ 2.20), the fallback block's shape, the scale target. `fields` use spec paths.
 */
export function checkScaledObjectShape(
  so: {
    name?: unknown;
    triggers: Array<{ type?: unknown; name?: unknown }>;
    scaleTargetName?: unknown;
    fallback?: Record<string, unknown> | null;
    hpaName?: unknown;
  },
  version: KedaVersion,
): KedaViolation[] {
  const b = kedaBehaviour(version);
  const out: KedaViolation[] = [];
  if (so.triggers.length === 0) {
    out.push({
      code: 'NO_TRIGGERS',
      fields: ['triggers'],
      text: (d) => `${d('triggers')} is empty: KEDA refuses a ScaledObject without triggers`,
      hint: 'add a trigger of type kafka',
    });
  }
  const seen = new Set<string>();
  so.triggers.forEach((t) => {
    if (typeof t.name === 'string' && t.name !== '') {
      if (seen.has(t.name)) {
        const n = t.name;
        out.push({
          code: 'DUPLICATE_TRIGGER_NAME',
          fields: ['triggers'],
          text: (d) => `${d('triggers')}: the trigger name "${n}" appears twice; KEDA requires unique trigger names`,
          hint: 'rename or drop one of the triggers',
        });
      }
      seen.add(t.name);
    }
  });
  if (typeof so.scaleTargetName !== 'string' || so.scaleTargetName === '') {
    out.push({
      code: 'SCALE_TARGET',
      fields: ['scaleTargetRef.name'],
      text: (d) => `${d('scaleTargetRef.name')} is missing: KEDA's CRD requires the workload to scale`,
      hint: 'set spec.scaleTargetRef.name to the consumer Deployment',
    });
  }
  if (b.nameLengthLimit && typeof so.name === 'string' && so.name.length > 63) {
    const n = so.name;
    out.push({
      code: 'NAME_TOO_LONG',
      fields: ['metadata.name'],
      text: (d) => `${d('metadata.name')} "${n}" has ${n.length} characters: KEDA ${version} refuses names over 63 (it becomes a label value)`,
      hint: 'shorten the ScaledObject name to 63 characters or fewer',
    });
  }
  if (b.nameLengthLimit && typeof so.name === 'string') {
    const hpa = typeof so.hpaName === 'string' && so.hpaName ? so.hpaName : `keda-hpa-${so.name}`;
    if (hpa.length > 63 && so.name.length <= 63) {
      out.push({
        code: 'NAME_TOO_LONG',
        fields: ['metadata.name'],
        text: (d) => `the HPA name "${hpa}" derived from ${d('metadata.name')} has ${hpa.length} characters: KEDA ${version} refuses it (over 63)`,
        hint: 'shorten the ScaledObject name, or set advanced.horizontalPodAutoscalerConfig.name',
      });
    }
  }
  if (so.fallback) {
    for (const k of ['failureThreshold', 'replicas']) {
      const v = so.fallback[k];
      const field = `fallback.${k}`;
      if (v === undefined || v === null) {
        out.push({
          code: 'FALLBACK',
          fields: [field],
          text: (d) => `${d(field)} is missing: KEDA's CRD requires both failureThreshold and replicas in a fallback block`,
          hint: 'set fallback.failureThreshold and fallback.replicas',
        });
      }
    }
    const beh = so.fallback.behavior;
    const allowed: readonly string[] = b.crdValidation ? [...FALLBACK_BEHAVIORS, 'scalingModifiers'] : FALLBACK_BEHAVIORS;
    if (beh !== undefined && beh !== null && !allowed.includes(String(beh))) {
      out.push({
        code: 'FALLBACK',
        fields: ['fallback.behavior'],
        text: (d) => `${d('fallback.behavior')} "${String(beh)}": KEDA's CRD allows only ${allowed.join(', ')}`,
        hint: 'drop fallback.behavior (static is the default)',
      });
    }
  }
  return out;
}

/**
 * A Kubernetes quantity as the HPA's `tolerance` takes it: a number, or a string such as "0.05" or "50m".
 * NaN when it cannot be read.
 */
export function parseQuantity(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(m)?$/.exec(v.trim());
  if (!m) return NaN;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}
