/**
 * The ScaledObject settings every command shares (lag, plan, setup, scenario files), with the seed demo's
 * defaults. Pure: parsing a ScaledObject document lives here, reading the file lives with the caller.
 */
import YAML from 'yaml';
import { usageError } from '../errors.js';
import type { Warning } from '../errors.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';

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
  /** The HPA behaviour KEDA copies into its HPA; null = the HPA's legacy path. */
  behavior: HpaBehavior | null;
  /** Fallback replicas when the scaler errors (cluster only). */
  fallback: { failureThreshold: number; replicas: number } | null;
  /** Trigger fields that name Kafka objects, when read from a ScaledObject file. */
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
  behavior: SEED_BEHAVIOR,
  fallback: null,
}) as ScaledObjectSettings;

/** Flag values as commander hands them over (strings or numbers or booleans, possibly undefined). */
export interface SettingsFlags {
  pollingInterval?: string | number;
  cooldownPeriod?: string | number;
  minReplicas?: string | number;
  maxReplicas?: string | number;
  lagThreshold?: string | number;
  activationLagThreshold?: string | number;
  offsetResetPolicy?: string;
  scaleToZeroOnInvalidOffset?: boolean;
  excludePersistentLag?: boolean;
  allowIdleConsumers?: boolean;
  limitToPartitionsWithLag?: boolean;
}

function int(name: string, v: string | number | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min) {
    throw usageError(`${name} must be an integer ≥ ${min}, got "${v}"`, `pass a whole number, e.g. ${name} ${Math.max(min, 1)}`);
  }
  return n;
}

function boolish(name: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw usageError(`${name} must be "true" or "false", got "${v}"`);
}

function policy(name: string, v: unknown): OffsetResetPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  if (s !== 'latest' && s !== 'earliest') {
    throw usageError(`${name} must be latest or earliest, got "${v}"`);
  }
  return s;
}

/** Validates cross-field rules KEDA itself enforces. */
export function validateSettings(s: ScaledObjectSettings): ScaledObjectSettings {
  if (s.lagThreshold <= 0) throw usageError(`lagThreshold must be > 0, got ${s.lagThreshold}`, 'KEDA rejects 0 or negative values');
  if (s.maxReplicaCount < s.minReplicaCount) {
    throw usageError(`maxReplicaCount (${s.maxReplicaCount}) is below minReplicaCount (${s.minReplicaCount})`, 'raise --max-replicas or lower --min-replicas');
  }
  if (s.maxReplicaCount < 1) throw usageError(`maxReplicaCount must be ≥ 1, got ${s.maxReplicaCount}`);
  if (s.allowIdleConsumers && s.limitToPartitionsWithLag) {
    throw usageError('allowIdleConsumers and limitToPartitionsWithLag cannot be combined', 'KEDA rejects the pair; drop one of them');
  }
  if (s.ensureEvenDistributionOfPartitions && s.limitToPartitionsWithLag) {
    throw usageError('ensureEvenDistributionOfPartitions and limitToPartitionsWithLag cannot be combined');
  }
  return s;
}

/** Applies CLI flags on top of a base (defaults or a --scaledobject file). */
export function settingsFromFlags(flags: SettingsFlags, base: ScaledObjectSettings = DEFAULT_SETTINGS): ScaledObjectSettings {
  const s: ScaledObjectSettings = { ...base };
  s.pollingInterval = int('--polling-interval', flags.pollingInterval, 1) ?? s.pollingInterval;
  s.cooldownPeriod = int('--cooldown-period', flags.cooldownPeriod, 0) ?? s.cooldownPeriod;
  s.minReplicaCount = int('--min-replicas', flags.minReplicas, 0) ?? s.minReplicaCount;
  s.maxReplicaCount = int('--max-replicas', flags.maxReplicas, 1) ?? s.maxReplicaCount;
  s.lagThreshold = int('--lag-threshold', flags.lagThreshold, 1) ?? s.lagThreshold;
  s.activationLagThreshold = int('--activation-lag-threshold', flags.activationLagThreshold, 0) ?? s.activationLagThreshold;
  s.offsetResetPolicy = policy('--offset-reset-policy', flags.offsetResetPolicy) ?? s.offsetResetPolicy;
  if (flags.scaleToZeroOnInvalidOffset) s.scaleToZeroOnInvalidOffset = true;
  if (flags.excludePersistentLag) s.excludePersistentLag = true;
  if (flags.allowIdleConsumers) s.allowIdleConsumers = true;
  if (flags.limitToPartitionsWithLag) s.limitToPartitionsWithLag = true;
  return validateSettings(s);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the only ScaledObject of a (multi-document) YAML text. Exit 2 when there is none or several.
 * The seed's own mistakes (e.g. `kind: deployment`) become warnings.
 */
export function settingsFromScaledObjectYaml(
  text: string,
  file: string,
): { settings: ScaledObjectSettings; warnings: Warning[]; name: string; namespace?: string } {
  const docs = YAML.parseAllDocuments(text);
  const objs: Obj[] = [];
  for (const d of docs) {
    if (d.errors.length) throw usageError(`${file}: invalid YAML: ${d.errors[0]!.message}`);
    const js = d.toJS() as unknown;
    if (isObj(js) && js.kind === 'ScaledObject') objs.push(js);
  }
  if (objs.length === 0) throw usageError(`${file} holds no ScaledObject`, 'pass a file with exactly one `kind: ScaledObject` document');
  if (objs.length > 1) throw usageError(`${file} holds ${objs.length} ScaledObjects`, 'keep exactly one ScaledObject in the file');
  const so = objs[0]!;
  const warnings: Warning[] = [];
  const spec = isObj(so.spec) ? so.spec : {};
  const meta = isObj(so.metadata) ? so.metadata : {};
  const target = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  if (target.kind !== undefined && target.kind !== 'Deployment') {
    warnings.push({
      code: 'SCALE_TARGET_KIND',
      message: `${file}: scaleTargetRef.kind is "${String(target.kind)}"; Kubernetes kinds are case-sensitive, use "Deployment"`,
    });
  }
  const triggers = Array.isArray(spec.triggers) ? (spec.triggers as unknown[]).filter(isObj) : [];
  const kafka = triggers.filter((t) => t.type === 'kafka');
  if (kafka.length === 0) throw usageError(`${file}: the ScaledObject has no trigger of type kafka`);
  if (kafka.length > 1) warnings.push({ code: 'MULTIPLE_KAFKA_TRIGGERS', message: `${file}: ${kafka.length} kafka triggers; only the first is used` });
  const md = isObj(kafka[0]!.metadata) ? (kafka[0]!.metadata as Obj) : {};
  const s: ScaledObjectSettings = { ...DEFAULT_SETTINGS };
  // KEDA's own defaults apply to fields the file leaves out (not the seed's).
  s.pollingInterval = int('spec.pollingInterval', spec.pollingInterval as number | undefined, 1) ?? 30;
  s.cooldownPeriod = int('spec.cooldownPeriod', spec.cooldownPeriod as number | undefined, 0) ?? 300;
  s.initialCooldownPeriod = int('spec.initialCooldownPeriod', spec.initialCooldownPeriod as number | undefined, 0) ?? 0;
  s.minReplicaCount = int('spec.minReplicaCount', spec.minReplicaCount as number | undefined, 0) ?? 0;
  s.maxReplicaCount = int('spec.maxReplicaCount', spec.maxReplicaCount as number | undefined, 1) ?? 100;
  const idle = int('spec.idleReplicaCount', spec.idleReplicaCount as number | undefined, 0);
  s.idleReplicaCount = idle ?? null;
  s.lagThreshold = int('lagThreshold', md.lagThreshold as string | undefined, 1) ?? 10;
  s.activationLagThreshold = int('activationLagThreshold', md.activationLagThreshold as string | undefined, 0) ?? 0;
  s.offsetResetPolicy = policy('offsetResetPolicy', md.offsetResetPolicy) ?? 'latest';
  s.scaleToZeroOnInvalidOffset = boolish('scaleToZeroOnInvalidOffset', md.scaleToZeroOnInvalidOffset) ?? false;
  s.excludePersistentLag = boolish('excludePersistentLag', md.excludePersistentLag) ?? false;
  s.allowIdleConsumers = boolish('allowIdleConsumers', md.allowIdleConsumers) ?? false;
  s.limitToPartitionsWithLag = boolish('limitToPartitionsWithLag', md.limitToPartitionsWithLag) ?? false;
  s.ensureEvenDistributionOfPartitions = boolish('ensureEvenDistributionOfPartitions', md.ensureEvenDistributionOfPartitions) ?? false;
  if (typeof md.topic === 'string' && md.topic) s.topic = md.topic;
  if (typeof md.consumerGroup === 'string' && md.consumerGroup) s.consumerGroup = md.consumerGroup;
  const adv = isObj(spec.advanced) ? spec.advanced : {};
  const hpa = isObj(adv.horizontalPodAutoscalerConfig) ? adv.horizontalPodAutoscalerConfig : {};
  s.behavior = isObj(hpa.behavior) ? (hpa.behavior as HpaBehavior) : null;
  const fb = isObj(spec.fallback) ? spec.fallback : null;
  s.fallback = fb ? { failureThreshold: Number(fb.failureThreshold), replicas: Number(fb.replicas) } : null;
  if (md.unsafeSsl === 'true' || md.unsafeSsl === true) {
    warnings.push({ code: 'UNSAFE_SSL', message: `${file}: unsafeSsl is true; KEDA skips certificate checks (and the listener in the seed is not TLS at all)` });
  }
  return {
    settings: validateSettings(s),
    warnings,
    name: typeof meta.name === 'string' ? meta.name : DEMO_DEFAULTS.scaledObject,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
  };
}
