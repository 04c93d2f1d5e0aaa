/**
 * Which KEDA release the pure models (lag maths, validation, the emulator, plan) follow, and the behaviours that
 * changed between the releases we model. Pure. The one place every model reads the version from is
 * `ScaledObjectSettings.kedaVersion` (settings.ts); `kedaBehaviour(settings.kedaVersion)` answers how that release acts.
 *
 * Read in kedacore/keda at tags v2.18.3, v2.19.0, v2.20.0, v2.20.1, v2.20.2 and main 8b4f083, plus the CHANGELOG of each
 * release (Kafka scaler, scaling loop, ScaledObject validation) and the merged PR #7937 (after 8b4f083).
 */
import { usageError } from '../errors.js';

/** A release line ('2.20' = its newest patch, 2.20.2), 'main', or an exact release 'x.y.z' (e.g. read from a cluster). */
export type KedaVersion = string;

/** The lines the --keda-version flag documents. */
export const KEDA_VERSION_LINES = ['2.18', '2.19', '2.20', 'main'] as const;

/**
 * The default model. The current Custom Metrics Autoscaler release for OpenShift, 2.18.1-2 (issued 9 Feb 2026, the
 * one release listed for OpenShift 4.12 to 4.21), is built from KEDA 2.18, so a local run predicts what a CMA
 * cluster does. On a cluster, the running operator's version should replace it (kedaVersionOfRelease).
 */
export const DEFAULT_KEDA_VERSION: KedaVersion = '2.18';

/** The newest patch of each line we model (what the bare line means). */
const LINE_PATCH: Record<string, number> = { '2.18': 3, '2.19': 0, '2.20': 2 };

interface Parsed {
  main: boolean;
  minor: number;
  patch: number;
}

function parse(v: KedaVersion): Parsed {
  if (v === 'main') return { main: true, minor: Number.MAX_SAFE_INTEGER, patch: 0 };
  const m = /^v?2\.(\d+)(?:\.(\d+))?$/.exec(v.trim());
  if (!m)
    throw usageError(`KEDA version "${v}" is not one cma-demo models`, `use one of ${KEDA_VERSION_LINES.join(', ')} (or an exact release such as 2.18.1)`);
  const minor = Number(m[1]);
  const patch = m[2] === undefined ? (LINE_PATCH[`2.${minor}`] ?? 0) : Number(m[2]);
  return { main: false, minor, patch };
}

const atLeast = (p: Parsed, minor: number, patch = 0): boolean => p.main || p.minor > minor || (p.minor === minor && p.patch >= patch);

/**
 * Normalizes a --keda-version value: a line (2.18, 2.19, 2.20), main, or an exact release (2.18.1, v2.20.0).
 * Releases before 2.18 are refused (not modelled: the Kafka scaler and the scaling loop differ in ways we have
 * not checked); releases after the newest tag we read (2.21+) are modelled as main.
 */
export function parseKedaVersion(input: string, field = '--keda-version'): KedaVersion {
  const s = String(input).trim().toLowerCase();
  if (s === 'main') return 'main';
  const m = /^v?2\.(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) {
    throw usageError(
      `${field} must be one of ${KEDA_VERSION_LINES.join(', ')} (or an exact release such as 2.18.1), got "${input}"`,
      `e.g. ${field} 2.18 (the KEDA of the current CMA release)`,
    );
  }
  const minor = Number(m[1]);
  if (minor < 18) {
    throw usageError(`${field} ${input}: KEDA before 2.18 is not modelled`, `use ${field} 2.18 or later (CMA 2.18.1 ships KEDA 2.18)`);
  }
  if (minor > 20) return 'main';
  return m[2] === undefined ? `2.${minor}` : `2.${minor}.${Number(m[2])}`;
}

/**
 * The release a cluster runs, from an operator image tag or CSV version ("2.18.1-2", "v2.20.2", "2.18.1"):
 * the KEDA release underneath, or null when it cannot be read. CMA's version numbers follow KEDA's.
 */
export function kedaVersionOfRelease(tag: string): KedaVersion | null {
  const m = /v?(2\.\d+\.\d+)/.exec(tag);
  if (!m) return null;
  try {
    return parseKedaVersion(m[1]!);
  } catch {
    return null;
  }
}

/** How a KEDA release acts where the releases we model differ. Each switch names where we read it. */
export interface KedaBehaviour {
  /** The model, as given. */
  version: KedaVersion;
  /**
   * A negative total lag (a commit past the log end) is sent to the HPA as 0. From v2.20.2 (#7880, #7889:
   * quantityFromFloat64 in pkg/scalers/scaler.go turns negative values into 0). Up to v2.20.1 GenerateMetricInMili
   * passes the negative milli-quantity on.
   */
  negativeMetricAsZero: boolean;
  /**
   * A partition without a commit under offsetResetPolicy earliest counts logEnd − logStart (the records a consumer
   * starting from the beginning can still read). On main from PR #7937 (getLagForPartition reads the oldest offset
   * of uncommitted partitions, falling back to the log end when that read fails); every release up to v2.20.2
   * counts the absolute log-end offset, records deleted by retention included (#7936).
   */
  earliestCountsFromLogStart: boolean;
  /**
   * Trigger metadata goes through the typed config parser (v2.20.0, #7528, kafkaMetadata.Validate): values are
   * trimmed, an empty value means "not set" (default), integers are read as JSON numbers (no sign, no leading
   * zeros, no fraction), partitionLimitation entries are trimmed and checked even without a topic, and an
   * inverted range ("3-1") yields an empty list, so no partition is active and every read fails. Up to v2.19
   * (parseKafkaMetadata with strconv and kedautil.ParseInt32List): values are used as written, "" is a parse error
   * for numbers, partitionLimitation is only read when a topic is set, and "3-1" alone means "no limitation".
   */
  typedTriggerConfig: boolean;
  /** The poll loop applies `fallback` too, so a ScaledObject at 0 can scale out on errors (v2.19.0, #7239). */
  fallbackInPollLoop: boolean;
  /**
   * The admission webhook refuses bad replica bounds (v2.20.0, #5954: verifyReplicaCount returns its error). Up to
   * v2.19 the webhook only logs it and the operator refuses to reconcile the ScaledObject (Ready=False,
   * ScaledObjectCheckFailed): either way no HPA is created.
   */
  webhookRefusesReplicaBounds: boolean;
  /** The CRD carries minimums (pollingInterval ≥ 1, counts ≥ 0, max ≥ 1) and min ≤ max (v2.20.0, #7533). */
  crdValidation: boolean;
  /** ScaledObject names longer than 63 characters are refused (v2.20.0, #6998). */
  nameLengthLimit: boolean;
  /** The optional `fullMetadata` trigger field exists (main, #7453). Earlier releases ignore the key. */
  fullMetadataField: boolean;
}

export function kedaBehaviour(version: KedaVersion): KedaBehaviour {
  const p = parse(version);
  return {
    version,
    negativeMetricAsZero: atLeast(p, 20, 2),
    earliestCountsFromLogStart: p.main,
    typedTriggerConfig: atLeast(p, 20),
    fallbackInPollLoop: atLeast(p, 19),
    webhookRefusesReplicaBounds: atLeast(p, 20),
    crdValidation: atLeast(p, 20),
    nameLengthLimit: atLeast(p, 20),
    fullMetadataField: p.main,
  };
}
