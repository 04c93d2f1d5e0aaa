/**
 * `lag` on a cluster, pure: puts what cma-demo computed from the offsets (metric, active, desiredReplicas) next to
 * what the cluster shows (KEDA's real external metric, the ScaledObject's Active condition, the HPA's current and
 * desired replicas, the Deployment's replicas) and flags a metric mismatch. No I/O: the observation is read by
 * ClusterTarget (src/targets/cluster.ts) and passed in.
 */
import type { Warning } from '../errors.js';

/** What the cluster showed at (about) the moment of a sample. null = could not be read / not set yet. */
export interface ClusterObservation {
  /** KEDA's real metric from the external metrics API (the total the HPA divides by replicas). */
  metric: number | null;
  /** The ScaledObject's Active condition. */
  active: boolean | null;
  /** The ScaledObject's Fallback condition. */
  fallback?: boolean | null;
  hpa: { currentReplicas: number | null; desiredReplicas: number | null };
  /** The Deployment's spec.replicas. */
  deploymentReplicas: number | null;
}

export interface ClusterDocument {
  metric: number | null;
  hpa: { currentReplicas: number | null; desiredReplicas: number | null };
  deploymentReplicas: number | null;
  active: boolean | null;
  /** |computed − real| > lagThreshold; null when KEDA's metric could not be read. */
  mismatch: boolean | null;
}

export interface ComputedView {
  metric: number;
  active: boolean;
  desiredReplicas: number;
}

/** The cluster object of the lag document and the warnings of this sample. */
export function compareWithCluster(computed: ComputedView, obs: ClusterObservation, lagThreshold: number): { cluster: ClusterDocument; warnings: Warning[] } {
  const warnings: Warning[] = [];
  let mismatch: boolean | null = null;
  if (obs.metric === null) {
    warnings.push({
      code: 'KEDA_METRIC_UNAVAILABLE',
      message: "KEDA's external metric could not be read (no HPA yet, or the external metrics API did not answer); only the computed view is shown",
    });
  } else {
    const diff = Math.abs(computed.metric - obs.metric);
    mismatch = diff > lagThreshold;
    if (mismatch) {
      warnings.push({
        code: 'METRIC_MISMATCH',
        message:
          `computed metric ${computed.metric} and KEDA's real metric ${obs.metric} differ by ${diff} (> lagThreshold ${lagThreshold}); ` +
          'KEDA reads the offsets at its own moment (pollingInterval, and the HPA every 15 s), so a difference while lag moves is expected — ' +
          "a lasting one means different settings, offsets or group than the ScaledObject's (check --group/--topic and the lag settings)",
      });
    }
  }
  if (obs.fallback === true) {
    warnings.push({
      code: 'KEDA_FALLBACK',
      message: "the ScaledObject's Fallback condition is True: KEDA failed to read the metric and scales to the fallback replicas",
    });
  }
  return {
    cluster: { metric: obs.metric, hpa: { ...obs.hpa }, deploymentReplicas: obs.deploymentReplicas, active: obs.active, mismatch },
    warnings,
  };
}

const s = (v: number | null): string => (v === null ? '-' : String(v));
const yn = (v: boolean | null): string => (v === null ? '-' : v ? 'yes' : 'no');

/** Text lines appended to the lag table: computed and real side by side. */
export function renderClusterText(computed: ComputedView, c: ClusterDocument): string {
  const rows = [
    ['', 'METRIC', 'ACTIVE', 'DESIRED', 'CURRENT'],
    ['computed', String(computed.metric), yn(computed.active), String(computed.desiredReplicas), '-'],
    ['cluster (KEDA/HPA)', s(c.metric), yn(c.active), s(c.hpa.desiredReplicas), s(c.hpa.currentReplicas)],
  ];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  '));
  lines.push(
    `deployment replicas ${s(c.deploymentReplicas)}; metric ${c.mismatch === null ? "not compared (KEDA's metric unread)" : c.mismatch ? 'MISMATCH' : 'agrees (within lagThreshold)'}`,
  );
  return lines.join('\n') + '\n';
}
