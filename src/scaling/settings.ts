/**
 * The ScaledObject settings every command shares (lag, plan, setup, scenario files), with the seed demo's
 * defaults. Pure: parsing a ScaledObject document lives here, reading the file lives with the caller.
 *
 * Every value KEDA would refuse is an exit-2 CmaError from validate.ts's rules, naming the field the way the user
 * wrote it: the flag (`lagThreshold (--lag-threshold)`) or the ScaledObject path with file:line
 * (`spec.triggers[0].metadata.lagThreshold (so.yaml:57)`). Where each value came from travels with the settings
 * object (a WeakMap, so it never shows in a document).
 */
import YAML, { LineCounter, isMap, isSeq, type Document, type Node } from 'yaml';
import { usageError } from '../errors.js';
import { parseDuration, parseInteger } from '../util/numbers.js';
import type { Warning } from '../errors.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { DEFAULT_KEDA_VERSION, kedaBehaviour, parseKedaVersion, type KedaVersion } from './kedaVersion.js';
import {
  checkScaledObjectShape,
  checkSpecInt,
  checkTriggerMetadata,
  kedaViolations,
  parseQuantity,
  refusal,
  type Describe,
  type KedaCheckContext,
  type KedaViolation,
} from './validate.js';

export type { KedaVersion } from './kedaVersion.js';
export type OffsetResetPolicy = 'latest' | 'earliest';
export type PolicyType = 'Pods' | 'Percent';
export interface HpaPolicy {
  type: PolicyType;
  value: number;
  periodSeconds: number;
}
export interface HpaRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HpaPolicy[];
  /**
   * Per-direction tolerance (HPA spec.behavior.scaleUp/scaleDown.tolerance; the HPAConfigurableTolerance gate,
   * alpha in Kubernetes 1.33, beta and on by default in 1.34). Unset = the controller's global tolerance.
   */
  tolerance?: number;
}
export interface HpaBehavior {
  scaleUp?: HpaRules;
  scaleDown?: HpaRules;
}

export interface ScaledObjectSettings {
  pollingInterval: number;
  cooldownPeriod: number;
  initialCooldownPeriod: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount: number | null;
  lagThreshold: number;
  activationLagThreshold: number;
  offsetResetPolicy: OffsetResetPolicy;
  scaleToZeroOnInvalidOffset: boolean;
  excludePersistentLag: boolean;
  allowIdleConsumers: boolean;
  limitToPartitionsWithLag: boolean;
  ensureEvenDistributionOfPartitions: boolean;
  /** The trigger's partitionLimitation as written ("0,2-3,7"), null = every partition counts. */
  partitionLimitation: string | null;
  /** The HPA behaviour KEDA copies into its HPA; null = the HPA's legacy path. */
  behavior: HpaBehavior | null;
  /** Fallback replicas when the scaler errors. */
  fallback: { failureThreshold: number; replicas: number } | null;
  /** The HPA controller's --horizontal-pod-autoscaler-tolerance (0.1). */
  hpaTolerance: number;
  /** The HPA controller's --horizontal-pod-autoscaler-downscale-stabilization in seconds (300). */
  hpaDownscaleStabilizationSeconds: number;
  /**
   * The KEDA release every model follows (lag maths, validation, emulator, plan): the one place they read it
   * from. See kedaVersion.ts; outputs state it as versions.kedaModel.
   */
  kedaVersion: KedaVersion;
  /** Trigger fields that name Kafka objects, when read from a ScaledObject file (lag: also --topic). */
  topic?: string;
  consumerGroup?: string;
}

/** The seed demo's HPA behaviour (ScaledObject.yaml). */
export const SEED_BEHAVIOR: HpaBehavior = {
  scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] },
  scaleDown: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] },
};

export const DEFAULT_SETTINGS: ScaledObjectSettings = Object.freeze({
  pollingInterval: 30,
  cooldownPeriod: 30,
  initialCooldownPeriod: 0,
  minReplicaCount: 0,
  maxReplicaCount: 10,
  idleReplicaCount: null,
  lagThreshold: 200,
  activationLagThreshold: 10,
  offsetResetPolicy: 'latest',
  scaleToZeroOnInvalidOffset: false,
  excludePersistentLag: false,
  allowIdleConsumers: false,
  limitToPartitionsWithLag: false,
  ensureEvenDistributionOfPartitions: false,
  partitionLimitation: null,
  behavior: SEED_BEHAVIOR,
  fallback: null,
  hpaTolerance: 0.1,
  hpaDownscaleStabilizationSeconds: 300,
  kedaVersion: DEFAULT_KEDA_VERSION,
}) as ScaledObjectSettings;

/** Flag values as commander hands them over (strings or numbers or booleans, possibly undefined). */
export interface SettingsFlags {
  pollingInterval?: string | number;
  cooldownPeriod?: string | number;
  initialCooldownPeriod?: string | number;
  minReplicas?: string | number;
  maxReplicas?: string | number;
  idleReplicaCount?: string | number;
  lagThreshold?: string | number;
  activationLagThreshold?: string | number;
  offsetResetPolicy?: string;
  scaleToZeroOnInvalidOffset?: boolean;
  excludePersistentLag?: boolean;
  allowIdleConsumers?: boolean;
  limitToPartitionsWithLag?: boolean;
  ensureEvenDistribution?: boolean;
  partitionLimitation?: string;
  fallbackFailureThreshold?: string | number;
  fallbackReplicas?: string | number;
  scaleUpTolerance?: string | number;
  scaleDownTolerance?: string | number;
  hpaTolerance?: string | number;
  hpaDownscaleStabilization?: string | number;
  kedaVersion?: string;
}

/** The flag of each field (for messages). */
export const FLAG_OF: Readonly<Record<string, string>> = {
  pollingInterval: '--polling-interval',
  cooldownPeriod: '--cooldown-period',
  initialCooldownPeriod: '--initial-cooldown-period',
  minReplicaCount: '--min-replicas',
  maxReplicaCount: '--max-replicas',
  idleReplicaCount: '--idle-replica-count',
  lagThreshold: '--lag-threshold',
  activationLagThreshold: '--activation-lag-threshold',
  offsetResetPolicy: '--offset-reset-policy',
  scaleToZeroOnInvalidOffset: '--scale-to-zero-on-invalid-offset',
  excludePersistentLag: '--exclude-persistent-lag',
  allowIdleConsumers: '--allow-idle-consumers',
  limitToPartitionsWithLag: '--limit-to-partitions-with-lag',
  ensureEvenDistributionOfPartitions: '--ensure-even-distribution',
  partitionLimitation: '--partition-limitation',
  'fallback.failureThreshold': '--fallback-failure-threshold',
  'fallback.replicas': '--fallback-replicas',
  'behavior.scaleUp.tolerance': '--scale-up-tolerance',
  'behavior.scaleDown.tolerance': '--scale-down-tolerance',
  hpaTolerance: '--hpa-tolerance',
  hpaDownscaleStabilizationSeconds: '--hpa-downscale-stabilization',
  kedaVersion: '--keda-version',
  topic: '--topic',
};

// ---------------------------------------------------------------------------------------------------------
// Where each value came from

interface FieldOrigin {
  /** "--lag-threshold" or "so.yaml:57". */
  at: string;
  /** The ScaledObject path, for values from a file. */
  path?: string;
  /** The file leaves the field out; `at` is where it would go. */
  absent?: boolean;
}
interface SettingsMeta {
  origins: Map<string, FieldOrigin>;
  /** False when a ScaledObject file leaves minReplicaCount out and no flag sets it. */
  minReplicaCountSet: boolean;
}
const metaOf = new WeakMap<ScaledObjectSettings, SettingsMeta>();
const freshMeta = (): SettingsMeta => ({ origins: new Map(), minReplicaCountSet: true });
const copyMeta = (s: ScaledObjectSettings): SettingsMeta => {
  const m = metaOf.get(s);
  return m ? { origins: new Map(m.origins), minReplicaCountSet: m.minReplicaCountSet } : freshMeta();
};

/** Names a field with where its value came from: `lagThreshold (--lag-threshold)`, `spec.… (so.yaml:57)`. */
function describer(meta: SettingsMeta): Describe {
  return (field) => {
    const o = meta.origins.get(field);
    if (!o) return field;
    if (o.absent) return `${o.path ?? field} (not set; ${o.at})`;
    return `${o.path ?? field} (${o.at})`;
  };
}

/** How a message names a field of these settings (with the flag or file:line it came from). */
export function describeField(s: ScaledObjectSettings, field: string): string {
  return describer(metaOf.get(s) ?? freshMeta())(field);
}

// ---------------------------------------------------------------------------------------------------------
// Flags

// Flags speak the numeric-flag grammar (util/numbers.ts: 10k, 1_000; periods also 2m, 1h30m). The ScaledObject
// YAML keeps KEDA's own integer reading (validate.ts).
const int = (name: string, v: string | number | undefined, min: number): number | undefined =>
  v === undefined ? undefined : parseInteger(String(v), name, { min });

const seconds = (name: string, v: string | number | undefined, min: number): number | undefined =>
  v === undefined ? undefined : parseDuration(String(v), name, { unit: 's', min, integer: true });

function fraction(name: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : parseQuantity(String(v));
  if (!Number.isFinite(n) || n < 0)
    throw usageError(`${name} must be a number ≥ 0 (a fraction such as 0.1, or a quantity such as 100m), got "${v}"`, `e.g. ${name} 0.1`);
  return n;
}

function policy(name: string, v: unknown): OffsetResetPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  if (s !== 'latest' && s !== 'earliest') {
    throw usageError(`${name} must be latest or earliest, got "${v}"`, "use --offset-reset-policy latest or earliest (the consumer's auto.offset.reset)");
  }
  return s;
}

/**
 * Applies KEDA's rules (validate.ts) to settings; exit 2 naming every refused field. `ctx.topic`: the trigger's
 * topic when the command knows it (lag: --topic or the file's; null = none), left out where one topic is implied
 * (plan, run, setup).
 */
export function validateSettings(s: ScaledObjectSettings, ctx: KedaCheckContext = {}): ScaledObjectSettings {
  const meta = metaOf.get(s) ?? freshMeta();
  const vs = kedaViolations(s, { minReplicaCountSet: meta.minReplicaCountSet, ...ctx });
  if (vs.length) throw refusal(vs, describer(meta));
  return s;
}

/** Applies CLI flags on top of a base (defaults or a --scaledobject file), then KEDA's rules. */
export function settingsFromFlags(flags: SettingsFlags, base: ScaledObjectSettings = DEFAULT_SETTINGS, ctx: KedaCheckContext = {}): ScaledObjectSettings {
  const s: ScaledObjectSettings = { ...base };
  const meta = copyMeta(base);
  const set = <K extends keyof ScaledObjectSettings>(field: K, v: ScaledObjectSettings[K] | undefined, origin = FLAG_OF[field as string]): void => {
    if (v === undefined) return;
    s[field] = v;
    if (origin) meta.origins.set(field as string, { at: origin });
  };
  set('pollingInterval', seconds('--polling-interval', flags.pollingInterval, 1));
  set('cooldownPeriod', seconds('--cooldown-period', flags.cooldownPeriod, 0));
  set('initialCooldownPeriod', seconds('--initial-cooldown-period', flags.initialCooldownPeriod, 0));
  set('minReplicaCount', int('--min-replicas', flags.minReplicas, 0));
  if (flags.minReplicas !== undefined) meta.minReplicaCountSet = true;
  set('maxReplicaCount', int('--max-replicas', flags.maxReplicas, 1));
  set('idleReplicaCount', int('--idle-replica-count', flags.idleReplicaCount, 0));
  set('lagThreshold', int('--lag-threshold', flags.lagThreshold, 1));
  set('activationLagThreshold', int('--activation-lag-threshold', flags.activationLagThreshold, 0));
  set('offsetResetPolicy', policy('--offset-reset-policy', flags.offsetResetPolicy));
  if (flags.scaleToZeroOnInvalidOffset) set('scaleToZeroOnInvalidOffset', true);
  if (flags.excludePersistentLag) set('excludePersistentLag', true);
  if (flags.allowIdleConsumers) set('allowIdleConsumers', true);
  if (flags.limitToPartitionsWithLag) set('limitToPartitionsWithLag', true);
  if (flags.ensureEvenDistribution) set('ensureEvenDistributionOfPartitions', true);
  if (flags.partitionLimitation !== undefined)
    set('partitionLimitation', String(flags.partitionLimitation).trim() === '' ? null : String(flags.partitionLimitation));
  if (flags.kedaVersion !== undefined) set('kedaVersion', parseKedaVersion(flags.kedaVersion));

  const ft = int('--fallback-failure-threshold', flags.fallbackFailureThreshold, 0);
  const fr = int('--fallback-replicas', flags.fallbackReplicas, 0);
  if (ft !== undefined || fr !== undefined) {
    const failureThreshold = ft ?? s.fallback?.failureThreshold;
    const replicas = fr ?? s.fallback?.replicas;
    if (failureThreshold === undefined || replicas === undefined) {
      const missing = failureThreshold === undefined ? '--fallback-failure-threshold' : '--fallback-replicas';
      throw usageError(
        `${missing} is missing: KEDA's fallback needs both failureThreshold and replicas`,
        'pass --fallback-failure-threshold N and --fallback-replicas R together',
      );
    }
    s.fallback = { failureThreshold, replicas };
    if (ft !== undefined) meta.origins.set('fallback.failureThreshold', { at: '--fallback-failure-threshold' });
    if (fr !== undefined) meta.origins.set('fallback.replicas', { at: '--fallback-replicas' });
  }
  const up = fraction('--scale-up-tolerance', flags.scaleUpTolerance);
  const down = fraction('--scale-down-tolerance', flags.scaleDownTolerance);
  if (up !== undefined || down !== undefined) {
    // A per-direction tolerance lives in spec.behavior: setting one gives the HPA a behaviour (the defaults for
    // everything else), as writing only the tolerance into a ScaledObject would.
    const b: HpaBehavior = { ...(s.behavior ?? {}) };
    if (up !== undefined) {
      b.scaleUp = { ...(b.scaleUp ?? {}), tolerance: up };
      meta.origins.set('behavior.scaleUp.tolerance', { at: '--scale-up-tolerance' });
    }
    if (down !== undefined) {
      b.scaleDown = { ...(b.scaleDown ?? {}), tolerance: down };
      meta.origins.set('behavior.scaleDown.tolerance', { at: '--scale-down-tolerance' });
    }
    s.behavior = b;
  }
  set('hpaTolerance', fraction('--hpa-tolerance', flags.hpaTolerance));
  set('hpaDownscaleStabilizationSeconds', seconds('--hpa-downscale-stabilization', flags.hpaDownscaleStabilization, 0));
  if (ctx.topic !== undefined && ctx.topic !== null && ctx.topic !== '') s.topic = ctx.topic;
  metaOf.set(s, meta);
  return validateSettings(s, ctx);
}

// ---------------------------------------------------------------------------------------------------------
// A ScaledObject file

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 1-based line of the deepest node on `path` that exists, and whether the whole path exists. */
function locate(doc: Document, lc: LineCounter, path: Array<string | number>): { line: number; found: boolean } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as { value?: unknown } | null;
        return (k && typeof k === 'object' && 'value' in k ? k.value : k) === seg;
      });
      if (!pair) return { line: lc.linePos(offset).line, found: false };
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return { line: lc.linePos(offset).line, found: false };
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return { line: lc.linePos(offset).line, found: false };
    }
  }
  return { line: lc.linePos(offset).line, found: true };
}

/** KEDA's own defaults (not the seed's) for fields a ScaledObject file leaves out. */
const KEDA_FILE_DEFAULTS = {
  pollingInterval: 30,
  cooldownPeriod: 300,
  initialCooldownPeriod: 0,
  minReplicaCount: 0,
  maxReplicaCount: 100,
  lagThreshold: 10,
  activationLagThreshold: 0,
} as const;

/**
 * Reads the only ScaledObject of a (multi-document) YAML text. Exit 2 when there is none or several, and when
 * KEDA (release `opts.kedaVersion`, default DEFAULT_KEDA_VERSION) would refuse it, naming each field with
 * file:line. The seed's own mistakes (e.g. `kind: deployment`) become warnings.
 */
/** The kafka trigger's metadata keys KEDA reads (pkg/scalers/kafka_scaler.go kafkaMetadata); shared with explain/. */
export const KAFKA_TRIGGER_KEYS: readonly string[] = [
  'topic',
  'consumerGroup',
  'bootstrapServers',
  'lagThreshold',
  'activationLagThreshold',
  'offsetResetPolicy',
  'allowIdleConsumers',
  'excludePersistentLag',
  'scaleToZeroOnInvalidOffset',
  'limitToPartitionsWithLag',
  'ensureEvenDistributionOfPartitions',
  'partitionLimitation',
  'fullMetadata',
  'version',
  'tls',
  'sasl',
];

export function settingsFromScaledObjectYaml(
  text: string,
  file: string,
  opts: { kedaVersion?: string } = {},
): { settings: ScaledObjectSettings; warnings: Warning[]; name: string; namespace?: string; partitions?: number } {
  const version = opts.kedaVersion !== undefined ? parseKedaVersion(opts.kedaVersion) : DEFAULT_KEDA_VERSION;
  const lc = new LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: lc });
  const found: Array<{ doc: Document; js: Obj }> = [];
  for (const d of docs) {
    if (d.errors.length) {
      const e = d.errors[0]!;
      const line = e.linePos?.[0]?.line;
      throw usageError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`, 'fix the YAML syntax');
    }
    const js = d.toJS() as unknown;
    if (isObj(js) && js.kind === 'ScaledObject') found.push({ doc: d as Document, js });
  }
  if (found.length === 0) throw usageError(`${file} holds no ScaledObject`, 'pass a file with exactly one `kind: ScaledObject` document');
  if (found.length > 1) throw usageError(`${file} holds ${found.length} ScaledObjects`, 'keep exactly one ScaledObject in the file');
  const { doc, js: so } = found[0]!;
  const warnings: Warning[] = [];
  const spec = isObj(so.spec) ? so.spec : {};
  const meta = isObj(so.metadata) ? so.metadata : {};
  const target = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  const at = (path: Array<string | number>): { at: string; found: boolean } => {
    const l = locate(doc, lc, path);
    return { at: `${file}:${l.line}`, found: l.found };
  };
  if (target.kind !== undefined && target.kind !== 'Deployment') {
    warnings.push({
      code: 'SCALE_TARGET_KIND',
      message: `${at(['spec', 'scaleTargetRef', 'kind']).at}: scaleTargetRef.kind is "${String(target.kind)}"; Kubernetes kinds are case-sensitive, use "Deployment"`,
    });
  }
  const triggers = Array.isArray(spec.triggers) ? (spec.triggers as unknown[]) : [];
  const kafkaIdx = triggers.findIndex((t) => isObj(t) && t.type === 'kafka');
  if (kafkaIdx < 0) throw usageError(`${at(['spec', 'triggers']).at}: the ScaledObject has no trigger of type kafka`, 'add a trigger with type: kafka');
  const nKafka = triggers.filter((t) => isObj(t) && t.type === 'kafka').length;
  if (nKafka > 1) warnings.push({ code: 'MULTIPLE_KAFKA_TRIGGERS', message: `${file}: ${nKafka} kafka triggers; only the first is used` });
  const trigger = triggers[kafkaIdx] as Obj;
  const md = isObj(trigger.metadata) ? trigger.metadata : {};

  // Origins: where every field is (or would be) in the file.
  const sm: SettingsMeta = freshMeta();
  const specPath: Record<string, Array<string | number>> = {
    pollingInterval: ['spec', 'pollingInterval'],
    cooldownPeriod: ['spec', 'cooldownPeriod'],
    initialCooldownPeriod: ['spec', 'initialCooldownPeriod'],
    minReplicaCount: ['spec', 'minReplicaCount'],
    maxReplicaCount: ['spec', 'maxReplicaCount'],
    idleReplicaCount: ['spec', 'idleReplicaCount'],
    'fallback.failureThreshold': ['spec', 'fallback', 'failureThreshold'],
    'fallback.replicas': ['spec', 'fallback', 'replicas'],
    'fallback.behavior': ['spec', 'fallback', 'behavior'],
    'behavior.scaleUp.tolerance': ['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior', 'scaleUp', 'tolerance'],
    'behavior.scaleDown.tolerance': ['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior', 'scaleDown', 'tolerance'],
    'scaleTargetRef.name': ['spec', 'scaleTargetRef', 'name'],
    'metadata.name': ['metadata', 'name'],
    triggers: ['spec', 'triggers'],
    metricType: ['spec', 'triggers', kafkaIdx, 'metricType'],
    useCachedMetrics: ['spec', 'triggers', kafkaIdx, 'useCachedMetrics'],
  };
  for (const k of new Set([...KAFKA_TRIGGER_KEYS, ...Object.keys(md)])) specPath[k] = ['spec', 'triggers', kafkaIdx, 'metadata', k];
  for (const [field, path] of Object.entries(specPath)) {
    const l = at(path);
    const p = path.map((x, i) => (typeof x === 'number' ? `[${x}]` : i === 0 ? x : `.${x}`)).join('');
    sm.origins.set(field, { at: l.at, path: p, absent: !l.found });
  }
  const d = describer(sm);
  const violations: KedaViolation[] = [];

  // Trigger metadata, as the chosen KEDA release reads it.
  const tv = checkTriggerMetadata({ metadata: md, metricType: trigger.metricType, useCachedMetrics: trigger.useCachedMetrics }, version);
  violations.push(...tv.violations);
  // The ScaledObject's shape.
  const fb = isObj(spec.fallback) ? spec.fallback : null;
  const adv = isObj(spec.advanced) ? spec.advanced : {};
  const hpa = isObj(adv.horizontalPodAutoscalerConfig) ? adv.horizontalPodAutoscalerConfig : {};
  violations.push(
    ...checkScaledObjectShape(
      { name: meta.name, triggers: triggers.map((t) => (isObj(t) ? t : {})), scaleTargetName: target.name, fallback: fb, hpaName: hpa.name },
      version,
    ),
  );
  // Integers of the spec.
  const specInt = (field: string, v: unknown): number | undefined => {
    const r = checkSpecInt(field, v);
    if (r.ok) return r.value;
    violations.push({
      code: 'SPEC_NOT_A_NUMBER',
      fields: [field],
      text: (dd) => `${dd(field)}: ${r.reason}`,
      hint: `write ${field} as a whole number without quotes`,
    });
    return undefined;
  };
  const s: ScaledObjectSettings = { ...DEFAULT_SETTINGS, kedaVersion: version };
  s.pollingInterval = specInt('pollingInterval', spec.pollingInterval) ?? KEDA_FILE_DEFAULTS.pollingInterval;
  s.cooldownPeriod = specInt('cooldownPeriod', spec.cooldownPeriod) ?? KEDA_FILE_DEFAULTS.cooldownPeriod;
  s.initialCooldownPeriod = specInt('initialCooldownPeriod', spec.initialCooldownPeriod) ?? KEDA_FILE_DEFAULTS.initialCooldownPeriod;
  const min = specInt('minReplicaCount', spec.minReplicaCount);
  s.minReplicaCount = min ?? KEDA_FILE_DEFAULTS.minReplicaCount;
  sm.minReplicaCountSet = spec.minReplicaCount !== undefined && spec.minReplicaCount !== null;
  s.maxReplicaCount = specInt('maxReplicaCount', spec.maxReplicaCount) ?? KEDA_FILE_DEFAULTS.maxReplicaCount;
  s.idleReplicaCount = specInt('idleReplicaCount', spec.idleReplicaCount) ?? null;
  if (fb) {
    const ft = specInt('fallback.failureThreshold', fb.failureThreshold);
    const fr = specInt('fallback.replicas', fb.replicas);
    s.fallback = ft !== undefined && fr !== undefined ? { failureThreshold: ft, replicas: fr } : null;
  } else s.fallback = null;

  const v = tv.values;
  s.lagThreshold = v.lagThreshold ?? KEDA_FILE_DEFAULTS.lagThreshold;
  s.activationLagThreshold = v.activationLagThreshold ?? KEDA_FILE_DEFAULTS.activationLagThreshold;
  s.offsetResetPolicy = v.offsetResetPolicy ?? 'latest';
  s.scaleToZeroOnInvalidOffset = v.scaleToZeroOnInvalidOffset ?? false;
  s.excludePersistentLag = v.excludePersistentLag ?? false;
  s.allowIdleConsumers = v.allowIdleConsumers ?? false;
  s.limitToPartitionsWithLag = v.limitToPartitionsWithLag ?? false;
  s.ensureEvenDistributionOfPartitions = v.ensureEvenDistributionOfPartitions ?? false;
  s.partitionLimitation = v.partitionLimitation ?? null;
  if (v.topic) s.topic = v.topic;
  if (v.consumerGroup) s.consumerGroup = v.consumerGroup;

  if (isObj(hpa.behavior)) {
    const b = structuredClone(hpa.behavior) as Record<string, Obj | undefined>;
    for (const dir of ['scaleUp', 'scaleDown'] as const) {
      const r = isObj(b[dir]) ? b[dir] : undefined;
      if (r && r.tolerance !== undefined && r.tolerance !== null) {
        const q = parseQuantity(r.tolerance);
        if (Number.isNaN(q)) {
          const field = `behavior.${dir}.tolerance`;
          const raw = r.tolerance;
          violations.push({
            code: 'HPA_TOLERANCE',
            fields: [field],
            text: (dd) => `${dd(field)} ${JSON.stringify(raw)} is not a quantity such as 0.05 or 50m; Kubernetes refuses the HPA KEDA creates`,
            hint: 'write the tolerance as a quantity, e.g. 0.05 or 50m',
          });
          delete r.tolerance;
        } else r.tolerance = q;
      }
    }
    s.behavior = b as HpaBehavior;
  } else s.behavior = null;

  if (violations.length === 0) {
    violations.push(...kedaViolations(s, { topic: s.topic ?? null, minReplicaCountSet: sm.minReplicaCountSet }));
  }
  if (violations.length) throw refusal(violations, d);

  if (md.unsafeSsl === 'true' || md.unsafeSsl === true) {
    warnings.push({
      code: 'UNSAFE_SSL',
      message: `${at(specPath.unsafeSsl!).at}: unsafeSsl is true; KEDA skips certificate checks (and the listener in the seed is not TLS at all)`,
    });
  }
  if (trigger.metricType === 'Value') {
    warnings.push({
      code: 'METRIC_TYPE_NOT_MODELLED',
      message: `${at(specPath.metricType!).at}: metricType Value is not modelled: cma-demo predicts the AverageValue target KEDA uses by default`,
    });
  }
  relevanceWarnings(s, spec, triggers, version, (field) => sm.origins.get(field)?.at ?? file).forEach((w) => warnings.push(w));
  metaOf.set(s, sm);
  // `recommend` writes the partition count it assumed into this annotation, so plan can replay the file alone.
  const ann = isObj(meta.annotations) ? meta.annotations[PARTITIONS_ANNOTATION] : undefined;
  let partitions: number | undefined;
  if (ann !== undefined) {
    const n = Number(ann);
    if (Number.isInteger(n) && n >= 1) partitions = n;
    else
      warnings.push({
        code: 'BAD_PARTITIONS_ANNOTATION',
        message: `${at(['metadata', 'annotations', PARTITIONS_ANNOTATION]).at}: ${PARTITIONS_ANNOTATION} must be a positive integer, got ${JSON.stringify(ann)}: ignored`,
      });
  }
  return {
    settings: s,
    warnings,
    name: typeof meta.name === 'string' ? meta.name : DEMO_DEFAULTS.scaledObject,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
    partitions,
  };
}

/** The annotation holding the topic's partition count a ScaledObject was made for (written by `recommend`). */
export const PARTITIONS_ANNOTATION = 'cma-demo/partitions';

/**
 * KEDA ≥ 2.20's admission warnings (#7271; scaledobject_webhook.go verifyScaledObjects): pollingInterval and
 * cooldownPeriod written in a ScaledObject whose minimum is above 0 without idle mode do nothing. 2.20.x also
 * warns when idleReplicaCount is set to something other than 0; main fixed that (#7984).
 */
function relevanceWarnings(s: ScaledObjectSettings, spec: Obj, triggers: unknown[], version: KedaVersion, where: (field: string) => string): Warning[] {
  const b = kedaBehaviour(version);
  if (!b.crdValidation) return [];
  const idleOff = version === 'main' ? s.idleReplicaCount === null : s.idleReplicaCount === null || s.idleReplicaCount !== 0;
  if (!(s.minReplicaCount > 0 && idleOff)) return [];
  const cached = triggers.some((t) => isObj(t) && t.useCachedMetrics === true);
  const w: Warning[] = [];
  if (spec.pollingInterval !== undefined && !cached) {
    w.push({
      code: 'POLLING_INTERVAL_NOT_RELEVANT',
      message: `${where('pollingInterval')}: KEDA ${version} warns that pollingInterval does nothing here: with minReplicaCount ${s.minReplicaCount} and no idle mode the HPA alone scales (it matters only with minReplicaCount 0, idleReplicaCount or useCachedMetrics)`,
    });
  }
  if (spec.cooldownPeriod !== undefined) {
    w.push({
      code: 'COOLDOWN_NOT_RELEVANT',
      message: `${where('cooldownPeriod')}: KEDA ${version} warns that cooldownPeriod does nothing here: KEDA never scales below minReplicaCount ${s.minReplicaCount} (it matters only with minReplicaCount 0 or idleReplicaCount)`,
    });
  }
  return w;
}
