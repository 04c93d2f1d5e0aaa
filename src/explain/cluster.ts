/**
 * `explain` on a cluster, pure: reads what the cluster shows (the ScaledObject's conditions and annotations, the HPA's
 * status and conditions, the scale target's replicas, KEDA's real external metric, recent events) from the objects
 * ClusterTarget fetched (src/targets/cluster.ts), puts it beside the computed chain and flags what disagrees. The
 * metric comparison is the one `lag` uses (kafka/clusterView.ts).
 */
import type { Warning } from '../errors.js';
import { compareWithCluster } from '../kafka/clusterView.js';
import type { Chain } from './chain.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** What ClusterTarget.explainSnapshot() read. */
export interface ClusterFacts {
  scaledObject: Obj;
  hpa: Obj | null;
  deployment: Obj | null;
  /** KEDA's metric from the external metrics API (null: not readable). */
  metric: number | null;
  /** The HPA's status value of the External metric: AverageValue per pod (or Value), null when unset. */
  hpaMetric: number | null;
  events: Obj[];
}

export interface Condition {
  type: string;
  status: string;
  reason: string | null;
  message: string | null;
}

export interface ClusterEvent {
  time: string | null;
  type: string | null;
  object: string;
  reason: string | null;
  message: string;
  count: number;
}

export interface Mismatch {
  field: 'metric' | 'active' | 'desiredReplicas';
  computed: number | boolean;
  cluster: number | boolean;
  /** True when the difference is not accounted for by a condition the cluster shows. */
  mismatch: boolean;
  text: string;
}

export interface ClusterSide {
  scaledObject: { name: string; conditions: Condition[]; lastActiveTime: string | null; annotations: Record<string, string> };
  hpa: {
    name: string | null;
    currentReplicas: number | null;
    desiredReplicas: number | null;
    minReplicas: number | null;
    maxReplicas: number | null;
    lastScaleTime: string | null;
    conditions: Condition[];
  } | null;
  deployment: { name: string | null; specReplicas: number | null; statusReplicas: number | null; readyReplicas: number | null } | null;
  /** KEDA's metric: from the external metrics API, else the HPA's status value × its current replicas. */
  metric: number | null;
  metricSource: 'external-metrics-api' | 'hpa-status' | null;
  active: boolean | null;
  fallback: boolean | null;
  events: ClusterEvent[];
  mismatches: Mismatch[];
}

const num = (v: unknown): number | null => (v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
const conditionsOf = (o: Obj | null): Condition[] =>
  ((o?.status?.conditions ?? []) as Obj[]).map((c) => ({
    type: String(c.type),
    status: String(c.status),
    reason: c.reason ? String(c.reason) : null,
    message: c.message ? String(c.message) : null,
  }));
const boolOf = (cs: Condition[], type: string): boolean | null => {
  const c = cs.find((x) => x.type === type);
  return c ? (c.status === 'True' ? true : c.status === 'False' ? false : null) : null;
};

/**
 * The pause annotations of a ScaledObject. As KEDA reads them (pkg/scaling/executor GetPausedReplicaCount, and the
 * controller's check of autoscaling.keda.sh/paused): a paused-replicas count wins; paused: "true" holds the current count.
 */
export function pausedOf(so: Obj): { replicas: number | null } | null {
  const a = (so.metadata?.annotations ?? {}) as Record<string, string>;
  const pr = a['autoscaling.keda.sh/paused-replicas'];
  if (pr !== undefined && Number.isInteger(Number(pr)) && Number(pr) >= 0) return { replicas: Number(pr) };
  if (String(a['autoscaling.keda.sh/paused'] ?? '').toLowerCase() === 'true') return { replicas: null };
  return null;
}

/** spec and status replicas of the scale target (the HPA's current replicas when the Deployment has no status). */
export function replicasOf(facts: ClusterFacts): { spec: number; status: number } {
  const spec = num(facts.deployment?.spec?.replicas) ?? num(facts.hpa?.status?.currentReplicas) ?? 0;
  const status = num(facts.deployment?.status?.replicas) ?? num(facts.hpa?.status?.currentReplicas) ?? spec;
  return { spec, status };
}

const timeOf = (e: Obj): string | null => (e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? null) as string | null;

/** The most recent events about the ScaledObject, its HPA and the scale target, newest last. */
export function recentEvents(events: Obj[], names: string[], limit = 10): ClusterEvent[] {
  const wanted = new Set(names.filter(Boolean));
  return events
    .filter((e) => wanted.has(String(e.involvedObject?.name ?? e.regarding?.name ?? '')))
    .map((e) => ({
      time: timeOf(e),
      type: e.type ? String(e.type) : null,
      object: `${e.involvedObject?.kind ?? e.regarding?.kind ?? '?'}/${e.involvedObject?.name ?? e.regarding?.name ?? '?'}`,
      reason: e.reason ? String(e.reason) : null,
      message: String(e.message ?? e.note ?? '').trim(),
      count: num(e.count) ?? 1,
    }))
    .sort((a, b) => String(a.time ?? '').localeCompare(String(b.time ?? '')))
    .slice(-limit);
}

/** HPA conditions that account for a desired count other than the computed one. */
const LIMITING_REASONS = new Set([
  'ScaleUpStabilized',
  'ScaleDownStabilized',
  'ScaleUpLimit',
  'ScaleDownLimit',
  'TooManyReplicas',
  'TooFewReplicas',
  'DesiredWithinRange',
  'BackoffBoth',
  'BackoffDownscale',
  'BackoffUpscale',
]);

/** The cluster's side of the chain and the mismatches, plus the warnings they raise. */
export function compareChainWithCluster(chain: Chain, facts: ClusterFacts, lagThreshold: number): { cluster: ClusterSide; warnings: Warning[] } {
  const so = facts.scaledObject;
  const soConditions = conditionsOf(so);
  const hpaConditions = conditionsOf(facts.hpa);
  const active = boolOf(soConditions, 'Active');
  const fallback = boolOf(soConditions, 'Fallback');
  const hpaCurrent = num(facts.hpa?.status?.currentReplicas);
  const hpaDesired = num(facts.hpa?.status?.desiredReplicas);
  let metric = facts.metric;
  let metricSource: ClusterSide['metricSource'] = metric !== null ? 'external-metrics-api' : null;
  if (metric === null && facts.hpaMetric !== null) {
    // The HPA shows AverageValue = ceil(M·1000 / S) milli per pod: times S gives M back (to a milli).
    metric = Math.round(facts.hpaMetric * Math.max(1, hpaCurrent ?? 1));
    metricSource = 'hpa-status';
  }
  const deploymentReplicas = num(facts.deployment?.spec?.replicas);
  const cmp = compareWithCluster(
    { metric: chain.keda.metric, active: chain.keda.active, desiredReplicas: chain.replicas.next },
    { metric, active, fallback, hpa: { currentReplicas: hpaCurrent, desiredReplicas: hpaDesired }, deploymentReplicas },
    lagThreshold,
  );
  const warnings = cmp.warnings.filter((w) => !(w.code === 'KEDA_METRIC_UNAVAILABLE' && metric !== null));
  const mismatches: Mismatch[] = [];
  if (metric !== null) {
    const off = cmp.cluster.mismatch === true;
    mismatches.push({
      field: 'metric',
      computed: chain.keda.metric,
      cluster: metric,
      mismatch: off,
      text: off
        ? `computed metric ${chain.keda.metric}, the cluster shows ${metric} (${metricSource === 'hpa-status' ? "the HPA's status value × its current replicas" : "KEDA's external metric"}): a lasting difference means other settings, offsets or group than the ScaledObject's`
        : `computed metric ${chain.keda.metric} agrees with the cluster's ${metric} (within lagThreshold ${lagThreshold})`,
    });
  }
  if (active !== null) {
    const off = active !== chain.keda.active;
    mismatches.push({
      field: 'active',
      computed: chain.keda.active,
      cluster: active,
      mismatch: off,
      text: off
        ? `computed ${chain.keda.active ? 'active' : 'not active'}, the ScaledObject's Active condition is ${active ? 'True' : 'False'}`
        : `activity agrees with the ScaledObject's Active condition (${active ? 'True' : 'False'})`,
    });
    if (off) warnings.push({ code: 'ACTIVE_MISMATCH', message: mismatches[mismatches.length - 1]!.text + ' (KEDA updates it once every pollingInterval)' });
  }
  if (hpaDesired !== null && chain.hpa.runs) {
    const differs = hpaDesired !== chain.replicas.next;
    const limiting = hpaConditions.find(
      (c) => c.reason !== null && LIMITING_REASONS.has(c.reason) && (c.type === 'AbleToScale' || (c.type === 'ScalingLimited' && c.status === 'True')),
    );
    const off = differs && !limiting;
    mismatches.push({
      field: 'desiredReplicas',
      computed: chain.replicas.next,
      cluster: hpaDesired,
      mismatch: off,
      text: !differs
        ? `the HPA's desiredReplicas ${hpaDesired} agrees with the computed next count`
        : limiting
          ? `the HPA wants ${hpaDesired}, the computed next count is ${chain.replicas.next}: the HPA's ${limiting.type} ${limiting.reason} accounts for it (its windows and recent scale events, which explain assumes quiet)`
          : `the HPA wants ${hpaDesired}, the computed next count is ${chain.replicas.next}, and no HPA condition accounts for it`,
    });
    if (off) warnings.push({ code: 'DESIRED_MISMATCH', message: mismatches[mismatches.length - 1]!.text });
  }
  const hpaName = facts.hpa?.metadata?.name ? String(facts.hpa.metadata.name) : null;
  const depName = facts.deployment?.metadata?.name ? String(facts.deployment.metadata.name) : null;
  return {
    cluster: {
      scaledObject: {
        name: String(so.metadata?.name ?? ''),
        conditions: soConditions,
        lastActiveTime: so.status?.lastActiveTime ? String(so.status.lastActiveTime) : null,
        annotations: Object.fromEntries(
          Object.entries((so.metadata?.annotations ?? {}) as Record<string, string>).filter(([k]) => k.startsWith('autoscaling.keda.sh/')),
        ),
      },
      hpa: facts.hpa
        ? {
            name: hpaName,
            currentReplicas: hpaCurrent,
            desiredReplicas: hpaDesired,
            minReplicas: num(facts.hpa.spec?.minReplicas),
            maxReplicas: num(facts.hpa.spec?.maxReplicas),
            lastScaleTime: facts.hpa.status?.lastScaleTime ? String(facts.hpa.status.lastScaleTime) : null,
            conditions: hpaConditions,
          }
        : null,
      deployment: facts.deployment
        ? {
            name: depName,
            specReplicas: deploymentReplicas,
            statusReplicas: num(facts.deployment.status?.replicas),
            readyReplicas: num(facts.deployment.status?.readyReplicas),
          }
        : null,
      metric,
      metricSource,
      active,
      fallback,
      events: recentEvents(facts.events, [String(so.metadata?.name ?? ''), hpaName ?? '', depName ?? '']),
      mismatches,
    },
    warnings,
  };
}
