/**
 * The `explain` document, pure: the chain (chain.ts), the verdict (verdict.ts) and, on a cluster, the cluster's side
 * with its mismatches (cluster.ts), in the shape `-o json|yaml` prints (README: "The explain document"). With
 * --watch, `changedSteps` marks what moved since the previous sample.
 */
import type { Warning } from '../errors.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';
import { explainChain, type Chain, type ChainStep, type ExplainInput, type PartitionStep, type StepId } from './chain.js';
import { compareChainWithCluster, type ClusterFacts, type ClusterSide } from './cluster.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface ExplainSource {
  /**
   * file: --scaledobject; cluster: the ScaledObject on the cluster; flags: the settings flags (seed defaults);
   * local-run: a case running on the local target (its settings; the emulator's replicas and decision beside).
   */
  kind: 'file' | 'cluster' | 'flags' | 'local-run';
  name: string;
  run?: { case: string; pid: number; startedAt: string };
  file?: string;
  namespace?: string;
}

export interface StepWithCluster extends ChainStep {
  /** What the cluster shows for the same step, and whether it disagrees (cluster only). */
  cluster?: { value: number | boolean | null; mismatch: boolean | null };
}

export interface ExplainDocument {
  time?: string;
  source: ExplainSource;
  group: string;
  topic: string | null;
  settings: ScaledObjectSettings;
  /** The KEDA release the lag maths and validation follow (as every command states it). */
  versions: { kedaModel: string };
  reads: number;
  intervalS: number | null;
  partitions: PartitionStep[];
  steps: StepWithCluster[];
  keda: Chain['keda'] & { metricName: string };
  hpa: Chain['hpa'];
  replicas: Chain['replicas'];
  stuck: Chain['stuck'];
  cluster?: ClusterSide;
  /** local-run: the emulator's latest decision, beside the chain's (mismatch: the chain's target differs). */
  emulator?: EmulatorSide;
  verdict: Verdict;
  /** --watch: the steps whose value changed since the previous sample, and the verdict when it changed. */
  changed?: string[];
  warnings: Warning[];
}

export interface EmulatorSide {
  metric: number | null;
  active: boolean | null;
  desiredReplicas: number | null;
  lastError: string | null;
}

export interface Explained {
  doc: ExplainDocument;
  chain: Chain;
}

/** Builds the document for one read (plus the earlier read and the cluster's objects when given). */
export function explain(input: ExplainInput, ctx: { source: ExplainSource; cluster?: ClusterFacts | null; emulator?: EmulatorSide | null }): Explained {
  const chain = explainChain(input);
  const verdict = verdictOf(chain, input.settings, { paused: input.paused ?? null, fallbackActive: input.fallbackActive });
  const warnings: Warning[] = [];
  let cluster: ClusterSide | undefined;
  let steps: StepWithCluster[] = chain.steps;
  if (ctx.cluster) {
    const cmp = compareChainWithCluster(chain, ctx.cluster, input.settings.lagThreshold);
    cluster = cmp.cluster;
    warnings.push(...cmp.warnings);
    const mm = (f: string) => cluster!.mismatches.find((m) => m.field === f);
    steps = chain.steps.map((st) => {
      if (st.id === 'metric' && cluster!.metric !== null) return { ...st, cluster: { value: cluster!.metric, mismatch: mm('metric')?.mismatch ?? null } };
      if (st.id === 'activation' && cluster!.active !== null) return { ...st, cluster: { value: cluster!.active, mismatch: mm('active')?.mismatch ?? null } };
      if (st.id === 'replicas' && cluster!.hpa?.desiredReplicas != null)
        return { ...st, cluster: { value: cluster!.hpa.desiredReplicas, mismatch: mm('desiredReplicas')?.mismatch ?? null } };
      if (st.id === 'fallback' && cluster!.fallback !== null) return { ...st, cluster: { value: cluster!.fallback, mismatch: null } };
      return st;
    });
  }
  const doc: ExplainDocument = {
    source: ctx.source,
    group: chain.group,
    topic: chain.topic,
    settings: input.settings,
    versions: { kedaModel: input.settings.kedaVersion },
    reads: chain.reads,
    intervalS: chain.intervalS,
    partitions: chain.partitions,
    steps,
    keda: { ...chain.keda, metricName: chain.metricName },
    hpa: chain.hpa,
    replicas: chain.replicas,
    stuck: chain.stuck,
    ...(cluster ? { cluster } : {}),
    ...(ctx.emulator ? { emulator: ctx.emulator } : {}),
    verdict,
    warnings,
  };
  return { doc, chain };
}

/** The steps (and partitions, and the verdict) whose value changed between two samples. */
export function changedSteps(prev: ExplainDocument | null, cur: ExplainDocument): string[] {
  if (!prev) return [];
  const out: string[] = [];
  const before = new Map<StepId, ChainStep>(prev.steps.map((s) => [s.id, s]));
  for (const s of cur.steps) if (before.get(s.id)?.value !== s.value) out.push(s.id);
  const pb = new Map(prev.partitions.map((p) => [`${p.topic}/${p.partition}`, p]));
  for (const p of cur.partitions) {
    const b = pb.get(`${p.topic}/${p.partition}`);
    if (!b || b.lag !== p.lag || b.rule !== p.rule || b.committedOffset !== p.committedOffset) out.push(`partition ${p.topic}/${p.partition}`);
  }
  if (prev.verdict.kind !== cur.verdict.kind || prev.verdict.replicas !== cur.verdict.replicas) out.push('verdict');
  return out;
}
