/**
 * The --fast[=F] profile (pure). Divides every duration (polling, cooldown, HPA sync, windows, policy periods,
 * start-up delay, pauses, deadlines, timeout) and every record count and lagThreshold by F, rounded, at least 1
 * (0 stays 0); rates, activationLagThreshold, partitions and replica counts stay. A scenario pins a field with
 * `pin: [settings.cooldownPeriod, load.0.records, …]` (load.N counts load phases, pauses folded in).
 */
import { usageError } from '../errors.js';
import { parseNumber } from '../util/numbers.js';
import { DEFAULT_SETTINGS, validateSettings, type HpaBehavior, type ScaledObjectSettings } from '../scaling/settings.js';
import { parseKedaVersion } from '../scaling/kedaVersion.js';
import type { CaseDef, ExpectationDef } from './model.js';

export interface Profile {
  fast: boolean;
  factor: number;
}

export const DEFAULT_FAST_FACTOR = 5;

/** Parses `--fast` / `--fast=F`. */
export function parseFast(v: string | boolean | undefined): Profile {
  if (v === undefined || v === false) return { fast: false, factor: 1 };
  if (v === true) return { fast: true, factor: DEFAULT_FAST_FACTOR };
  const n = parseNumber(v, '--fast', { min: 1, suffixes: false, usage: '--fast (factor 5) or --fast=10' })!;
  return { fast: n !== 1, factor: n };
}

/** One field the profile changed (or left alone because it is pinned). */
export interface ScaledField {
  path: string;
  from: number;
  to: number;
  pinned?: boolean;
}

/** v / F rounded, at least 1; 0 (and negatives like throughput -1) stay. */
export function scaleValue(v: number, factor: number): number {
  if (!(v > 0) || factor === 1) return v;
  return Math.max(1, Math.round(v / factor));
}

export interface ResolvedCase {
  def: CaseDef;
  /** Full ScaledObject settings (seed defaults under the case's fields), after the profile. */
  settings: ScaledObjectSettings;
  profile: Profile;
  scaled: ScaledField[];
}

/** Lays the case's settings over the seed's defaults (without --fast). */
export function baseSettings(def: CaseDef): ScaledObjectSettings {
  const s = { ...DEFAULT_SETTINGS, ...def.settings } as ScaledObjectSettings;
  if (def.settings.behavior !== undefined) s.behavior = def.settings.behavior;
  try {
    if (def.settings.kedaVersion !== undefined) s.kedaVersion = parseKedaVersion(def.settings.kedaVersion, 'settings.kedaVersion');
    return validateSettings(s);
  } catch (err) {
    throw usageError(`${def.file}: case ${def.name}: ${(err as Error).message}`, 'fix the settings of the scenario');
  }
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Applies the profile to a case; pure. */
export function applyProfile(def: CaseDef, profile: Profile): ResolvedCase {
  const settings = baseSettings(def);
  const out: CaseDef = clone(def);
  const outSettings: ScaledObjectSettings = clone(settings);
  const scaled: ScaledField[] = [];
  const F = profile.fast ? profile.factor : 1;
  const pins = new Set(def.pin);
  const apply = (path: string, get: () => number, set: (v: number) => void): void => {
    const from = get();
    if (F === 1) return;
    if (pins.has(path)) {
      scaled.push({ path, from, to: from, pinned: true });
      return;
    }
    const to = scaleValue(from, F);
    set(to);
    if (to !== from) scaled.push({ path, from, to });
  };

  for (const k of ['pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod', 'lagThreshold'] as const) {
    apply(
      `settings.${k}`,
      () => outSettings[k],
      (v) => (outSettings[k] = v),
    );
  }
  const beh: HpaBehavior | null = outSettings.behavior;
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    const r = beh?.[dir];
    if (!r) continue;
    if (r.stabilizationWindowSeconds !== undefined) {
      apply(
        `settings.behavior.${dir}.stabilizationWindowSeconds`,
        () => r.stabilizationWindowSeconds!,
        (v) => (r.stabilizationWindowSeconds = v),
      );
    }
    (r.policies ?? []).forEach((p, i) =>
      apply(
        `settings.behavior.${dir}.policies.${i}.periodSeconds`,
        () => p.periodSeconds,
        (v) => (p.periodSeconds = v),
      ),
    );
  }
  apply(
    'consumer.startupDelaySeconds',
    () => out.consumer.startupDelaySeconds,
    (v) => (out.consumer.startupDelaySeconds = v),
  );
  apply(
    'hpa.syncSeconds',
    () => out.hpa.syncSeconds,
    (v) => (out.hpa.syncSeconds = v),
  );
  apply(
    'hpa.downscaleWindowSeconds',
    () => out.hpa.downscaleWindowSeconds,
    (v) => (out.hpa.downscaleWindowSeconds = v),
  );
  apply(
    'kafkaReadTimeoutSeconds',
    () => out.kafkaReadTimeoutSeconds,
    (v) => (out.kafkaReadTimeoutSeconds = v),
  );
  const pre = out.preconditions;
  if (pre.deletedRecords)
    apply(
      'preconditions.deletedRecords',
      () => pre.deletedRecords!,
      (v) => (pre.deletedRecords = v),
    );
  const outage = out.outage;
  if (outage) {
    apply(
      'outage.after',
      () => outage.after,
      (v) => (outage.after = v),
    );
    apply(
      'outage.for',
      () => outage.for,
      (v) => (outage.for = v),
    );
  }
  out.load.forEach((ph, i) => {
    apply(
      `load.${i}.records`,
      () => ph.records,
      (v) => (ph.records = v),
    );
    apply(
      `load.${i}.after`,
      () => ph.after,
      (v) => (ph.after = v),
    );
  });
  out.expectations.forEach((e: ExpectationDef, i) => {
    if ('within' in e)
      apply(
        `expectations.${i}.within`,
        () => e.within,
        (v) => (e.within = v),
      );
    if (e.kind === 'stay')
      apply(
        `expectations.${i}.for`,
        () => e.for,
        (v) => (e.for = v),
      );
  });
  apply(
    'timeout',
    () => out.timeout,
    (v) => (out.timeout = v),
  );
  if (F !== 1) refuseImpossible(def, settings, out, outSettings, F, scaled);
  return { def: out, settings: outSettings, profile: { fast: F !== 1, factor: F }, scaled };
}

/** Expectations that need KEDA to activate (0 → 1): `active: true`, or reaching a replica count from minReplicaCount 0. */
function activationExpectation(def: CaseDef, s: ScaledObjectSettings): number {
  return def.expectations.findIndex((e) => (e.kind === 'active' && e.active) || (e.kind === 'reach' && e.replicas >= 1 && s.minReplicaCount === 0));
}

/**
 * The most lag the case's load can show KEDA while no consumer runs: every record it produces, plus what KEDA
 * counts for a never-committed partition. KEDA's Kafka scaler (getLagForPartition) counts a partition with no
 * commit as 1 under offsetResetPolicy latest, 0 with scaleToZeroOnInvalidOffset, and its log-end offset (the
 * records themselves) under earliest.
 */
function peakLagWithoutConsumers(def: CaseDef, s: ScaledObjectSettings): number {
  const records = def.load.reduce((n, ph) => n + ph.records, 0);
  const uncommitted = def.preconditions.group === 'never-committed' && s.offsetResetPolicy === 'latest' && !s.scaleToZeroOnInvalidOffset;
  return records + (uncommitted ? def.partitions : 0);
}

/**
 * --fast divides record counts but not activationLagThreshold (KEDA activates on lag > activationLagThreshold).
 * A factor that takes the load from above the threshold to at or below it makes a case that expects activation
 * impossible: refused, naming the fields, the largest factor that keeps the case possible and the pin that does.
 */
function refuseImpossible(
  before: CaseDef,
  settings: ScaledObjectSettings,
  after: CaseDef,
  afterSettings: ScaledObjectSettings,
  F: number,
  scaled: ScaledField[],
): void {
  const act = afterSettings.activationLagThreshold;
  const i = activationExpectation(after, afterSettings);
  if (i < 0) return;
  const was = peakLagWithoutConsumers(before, settings);
  const now = peakLagWithoutConsumers(after, afterSettings);
  if (!(was > act && now <= act)) return;
  const fields = scaled.filter((f) => /^load\.\d+\.records$/.test(f.path) && !f.pinned);
  // The largest whole factor under which the peak lag stays above the threshold.
  const peakAt = (f: number): number =>
    peakLagWithoutConsumers(
      { ...before, load: before.load.map((ph, j) => ({ ...ph, records: before.pin.includes(`load.${j}.records`) ? ph.records : scaleValue(ph.records, f) })) },
      settings,
    );
  let ok = Math.floor(F);
  while (ok > 1 && peakAt(ok) <= act) ok--;
  throw usageError(
    `--fast=${F} makes ${before.name} impossible: ${fields.map((f) => `${f.path} ${f.from} → ${f.to}`).join(', ')} leaves at most ${now} records of lag, ` +
      `not above settings.activationLagThreshold ${act} (--fast does not scale it), so KEDA never activates, which expectations.${i} (${after.expectations[i]!.kind}) needs`,
    `use --fast=${ok}${ok > 1 ? ' or less' : ' (no speed-up)'}, or pin the record counts in ${before.file} (pin: [${fields.map((f) => f.path).join(', ')}])`,
    'FAST_IMPOSSIBLE',
  );
}
