/**
 * `cma-demo lag` rendering, pure: the JSON document, warnings for the known KEDA traps, the text table, and
 * a Prometheus exposition with kafka_exporter's metric names and labels (plus cma_demo_keda_* for what KEDA sees).
 */
import type { Warning } from '../errors.js';
import { computeKedaView, type KedaView, type PartitionOffsets, type PersistentMemory } from '../scaling/kedaLag.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';

export interface LagInput {
  group: string;
  /** The topic asked for; undefined = every topic the group has commits for. */
  topic?: string;
  settings: ScaledObjectSettings;
  offsets: Array<PartitionOffsets & { logStartOffset?: number }>;
  /** Members of the group (kafka_consumergroup_members), when known. */
  members?: number | null;
  groupState?: string | null;
}

export interface LagDocument {
  group: string;
  settings: ScaledObjectSettings;
  partitions: Array<{ topic: string; partition: number; committedOffset: number | null; logEndOffset: number; lag: number | null; kedaLag: number }>;
  totalLag: number;
  keda: { metric: number; active: boolean; desiredReplicas: number };
  warnings: Warning[];
}

export interface LagResult {
  doc: LagDocument;
  view: KedaView;
}

/** One sample: KEDA's view (memory carried in and out), the document and its warnings. */
export function analyzeLag(input: LagInput, memory?: PersistentMemory): LagResult {
  const view = computeKedaView(input.offsets, input.settings, memory);
  const doc: LagDocument = {
    group: input.group,
    settings: input.settings,
    partitions: view.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      committedOffset: p.committedOffset,
      logEndOffset: p.logEndOffset,
      lag: p.lag,
      kedaLag: p.kedaLag,
    })),
    totalLag: view.totalLag,
    keda: { metric: view.metric, active: view.active, desiredReplicas: view.desiredReplicas },
    warnings: lagWarnings(input, view),
  };
  return { doc, view };
}

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/** Warnings for the traps of keda-kafka-semantics.md §4 and §6 that this sample shows. */
export function lagWarnings(input: LagInput, view: KedaView): Warning[] {
  const s = input.settings;
  const w: Warning[] = [];
  const P = view.partitionCount;
  const T = s.lagThreshold;
  const where = input.topic ? `topic ${input.topic}` : 'its topics';
  const uncommitted = input.offsets.filter((p) => p.committedOffset === null || p.committedOffset < 0);

  if (!input.topic && P === 0) {
    w.push({
      code: 'NO_COMMITTED_TOPICS',
      message: `group ${input.group} has committed offsets on no topic: a trigger without a topic then has nothing to measure and KEDA never scales up from 0; set the trigger's topic (and --topic here)`,
    });
  }
  if (P > 0 && uncommitted.length > 0 && !s.scaleToZeroOnInvalidOffset) {
    if (s.offsetResetPolicy === 'latest') {
      if (uncommitted.length === P && P <= s.activationLagThreshold) {
        w.push({
          code: 'NEVER_COMMITTED_CANNOT_ACTIVATE',
          message:
            `group ${input.group} has never committed on ${where}: under offsetResetPolicy latest each of the ${P} partitions counts 1, so the lag stays ${P}, ` +
            `and ${P} > activationLagThreshold ${s.activationLagThreshold} is false: KEDA can never activate, so no consumer ever starts to commit. ` +
            `Pre-commit the group's offsets (run a consumer once, or reset the group to earliest), set activationLagThreshold below ${P}, ` +
            `or use offsetResetPolicy earliest with a consumer that starts at the beginning`,
        });
      } else {
        w.push({
          code: 'UNCOMMITTED_COUNTS_ONE',
          message: `${plural(uncommitted.length, 'partition')} of ${where} ${uncommitted.length === 1 ? 'has' : 'have'} no committed offset: under offsetResetPolicy latest KEDA counts 1 for each, whatever they hold`,
        });
      }
    } else {
      const deleted = uncommitted.reduce((a, p) => a + Math.max(0, p.logStartOffset ?? 0), 0);
      if (deleted > 0) {
        w.push({
          code: 'EARLIEST_COUNTS_DELETED',
          message: `under offsetResetPolicy earliest KEDA counts a partition without a commit from offset 0, including ${deleted} records already removed by retention (kedacore/keda#7936)`,
        });
      }
    }
  }
  if (s.scaleToZeroOnInvalidOffset && uncommitted.some((p) => p.logEndOffset > (p.logStartOffset ?? 0))) {
    w.push({
      code: 'INVALID_OFFSET_COUNTS_ZERO',
      message: `scaleToZeroOnInvalidOffset: partitions without a commit count 0, so records waiting on them never activate the workload`,
    });
  }
  const capApplies = !s.allowIdleConsumers || s.limitToPartitionsWithLag || s.ensureEvenDistributionOfPartitions;
  const upper = s.limitToPartitionsWithLag ? view.partitionsWithLag : P;
  if (capApplies && view.metric < view.totalLag && !s.ensureEvenDistributionOfPartitions) {
    w.push({
      code: 'METRIC_CAPPED',
      message:
        `total lag ${view.totalLag} is reported as ${view.metric} = ${upper} × lagThreshold ${T}: ` +
        `KEDA caps the metric at the ${s.limitToPartitionsWithLag ? 'partitions with lag' : 'partition count'} unless allowIdleConsumers is set`,
    });
  }
  if (capApplies && view.metric > upper * T && view.metric < (upper + 1) * T) {
    w.push({
      code: 'CAP_INTEGER_GAP',
      message: `metric ${view.metric} lies between ${upper} × ${T} and ${upper + 1} × ${T}: KEDA's integer-division test (${view.metric} / ${T} = ${Math.trunc(view.metric / T)}, not > ${upper}) does not cap it, so the HPA asks for ${upper + 1} replicas, one more than ${upper} partitions`,
    });
  }
  if (!s.allowIdleConsumers && P > 0 && s.maxReplicaCount > P + 1) {
    w.push({
      code: 'MAX_ABOVE_PARTITIONS',
      message: `maxReplicaCount ${s.maxReplicaCount} is above the ${P} partitions: without allowIdleConsumers the metric is capped at ${P} × ${T}, so replicas stay ≤ ${P} (${P + 1} in the integer-division gap)`,
    });
  }
  const negative = view.partitions.filter((p) => p.lag !== null && p.lag < 0);
  if (negative.length) {
    w.push({
      code: 'NEGATIVE_LAG',
      message: `${plural(negative.length, 'partition')} show a committed offset beyond the log end (${negative.map((p) => `${p.topic}/${p.partition}`).join(', ')}): the commit was read after the end offset, or the topic was recreated`,
    });
  }
  const persistent = view.partitions.filter((p) => p.persistent);
  if (persistent.length && view.active) {
    w.push({
      code: 'PERSISTENT_LAG_KEEPS_ACTIVE',
      message: `${plural(persistent.length, 'partition')} with persistent lag (commit unchanged since the previous sample) ${persistent.length === 1 ? 'is' : 'are'} left out of the metric, but activation still counts ${persistent.length === 1 ? 'it' : 'them'}: KEDA stays active and never scales to 0 (kedacore/keda#5675)`,
    });
  }
  return w;
}

// ---------------------------------------------------------------------------------------------------------
// Text

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The human view: settings assumed, per-partition table, totals, what KEDA sees. */
export function renderLagText(input: LagInput, r: LagResult, opts: { time?: string; warnings?: boolean } = {}): string {
  const s = input.settings;
  const v = r.view;
  const lines: string[] = [];
  const state = input.groupState === 'Dead' ? ', no such group on the broker (state Dead)' : input.groupState ? `, state ${input.groupState}${input.members !== undefined && input.members !== null ? `, ${plural(input.members, 'member')}` : ''}` : '';
  lines.push(`group ${input.group}${input.topic ? `, topic ${input.topic}` : ', all topics with commits'}${state}${opts.time ? `  (${opts.time})` : ''}`);
  lines.push(
    `settings: lagThreshold ${s.lagThreshold}, activationLagThreshold ${s.activationLagThreshold}, offsetResetPolicy ${s.offsetResetPolicy}, ` +
      `min ${s.minReplicaCount}, max ${s.maxReplicaCount}` +
      [
        s.scaleToZeroOnInvalidOffset && 'scaleToZeroOnInvalidOffset',
        s.excludePersistentLag && 'excludePersistentLag',
        s.allowIdleConsumers && 'allowIdleConsumers',
        s.limitToPartitionsWithLag && 'limitToPartitionsWithLag',
        s.ensureEvenDistributionOfPartitions && 'ensureEvenDistributionOfPartitions',
      ]
        .filter(Boolean)
        .map((x) => `, ${x}`)
        .join(''),
  );
  lines.push('');
  const rows: string[][] = [['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'KEDA-LAG']];
  for (const p of v.partitions) {
    rows.push([
      p.topic,
      String(p.partition),
      p.committedOffset === null ? '-' : String(p.committedOffset),
      String(p.logEndOffset),
      p.lag === null ? '-' : String(p.lag),
      String(p.kedaLag) + (p.persistent ? ` (persistent ${p.kedaLagWithPersistent})` : ''),
    ]);
  }
  if (v.partitions.length) lines.push(table(rows));
  else lines.push('(no partitions)');
  lines.push('');
  const P = v.partitionCount;
  const capped = v.metric !== v.totalLag ? ` (total ${v.totalLag}, capped/rounded by KEDA)` : '';
  lines.push(`total lag ${v.totalLag} over ${plural(P, 'partition')}`);
  lines.push(
    `KEDA sees: metric ${v.metric}${capped}; active ${v.active ? 'yes' : 'no'} (${v.totalLagWithPersistent} ${v.active ? '>' : '≤'} ${s.activationLagThreshold}); ` +
      `desired replicas ${v.desiredReplicas} (the HPA's raw proposal, before tolerance, stabilization and policies)`,
  );
  if (opts.warnings) for (const w of r.doc.warnings) lines.push(`warning: ${w.message} [${w.code}]`);
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Prometheus exposition (kafka_exporter names and labels; labels sorted; ints without a decimal point)

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  series: Array<{ labels: Labels; value: number }>;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
function series(name: string, labels: Labels, value: number): string {
  const keys = Object.keys(labels).sort();
  const l = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}` : '';
  const v = Number.isInteger(value) ? String(value) : String(value);
  return `${name}${l} ${v}`;
}

/**
 * kafka_exporter (Strimzi: --offset.show-all) semantics: partitions without a commit report current_offset
 * and lag -1; lag_sum leaves the -1s out; a topic where no partition has a commit gets no consumergroup series.
 */
export function renderLagProm(input: LagInput, r: LagResult): string {
  const g = input.group;
  const fam = (name: string, help: string): Family => ({ name, help, series: [] });
  const F = {
    members: fam('kafka_consumergroup_members', 'Amount of members in a consumer group'),
    cur: fam('kafka_consumergroup_current_offset', 'Current Offset of a ConsumerGroup at Topic/Partition'),
    curSum: fam('kafka_consumergroup_current_offset_sum', 'Current Offset of a ConsumerGroup at Topic for all partitions'),
    lag: fam('kafka_consumergroup_lag', 'Current Approximate Lag of a ConsumerGroup at Topic/Partition'),
    lagSum: fam('kafka_consumergroup_lag_sum', 'Current Approximate Lag of a ConsumerGroup at Topic for all partitions'),
    tparts: fam('kafka_topic_partitions', 'Number of partitions for this Topic'),
    tcur: fam('kafka_topic_partition_current_offset', 'Current Offset of a Broker at Topic/Partition'),
    told: fam('kafka_topic_partition_oldest_offset', 'Oldest Offset of a Broker at Topic/Partition'),
    kmetric: fam('cma_demo_keda_metric', 'What KEDA reports to the HPA for this trigger (total lag after its cap)'),
    ktotal: fam('cma_demo_keda_total_lag', "Sum of KEDA's per-partition lag before the cap"),
    kactive: fam('cma_demo_keda_active', '1 when KEDA would treat the trigger as active (lag > activationLagThreshold)'),
    kdesired: fam('cma_demo_keda_desired_replicas', "The HPA's raw replica proposal before tolerance, stabilization and policies"),
    kplag: fam('cma_demo_keda_partition_lag', "KEDA's lag of a partition (after offsetResetPolicy and excludePersistentLag)"),
  };
  if (input.members !== undefined && input.members !== null) F.members.series.push({ labels: { consumergroup: g }, value: input.members });
  const byTopic = new Map<string, typeof r.view.partitions>();
  for (const p of r.view.partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push(p);
    byTopic.set(p.topic, list);
  }
  const comments: string[] = [];
  const starts = new Map(input.offsets.map((o) => [`${o.topic}/${o.partition}`, o.logStartOffset]));
  for (const [topic, parts] of [...byTopic.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    F.tparts.series.push({ labels: { topic }, value: parts.length });
    for (const p of parts) {
      F.tcur.series.push({ labels: { partition: String(p.partition), topic }, value: p.logEndOffset });
      const low = starts.get(`${topic}/${p.partition}`);
      if (low !== undefined) F.told.series.push({ labels: { partition: String(p.partition), topic }, value: low });
    }
    if (parts.some((p) => p.committedOffset !== null)) {
      let curSum = 0;
      let lagSum = 0;
      for (const p of parts) {
        const labels = { consumergroup: g, partition: String(p.partition), topic };
        const c = p.committedOffset ?? -1;
        const l = p.lag ?? -1;
        F.cur.series.push({ labels, value: c });
        F.lag.series.push({ labels, value: l });
        curSum += c;
        if (p.lag !== null) lagSum += p.lag;
      }
      F.curSum.series.push({ labels: { consumergroup: g, topic }, value: curSum });
      F.lagSum.series.push({ labels: { consumergroup: g, topic }, value: lagSum });
    } else {
      comments.push(`# cma-demo: group ${g} has no commit on topic ${topic}; kafka_exporter emits no consumergroup series for it`);
    }
    for (const p of parts) F.kplag.series.push({ labels: { consumergroup: g, partition: String(p.partition), topic }, value: p.kedaLag });
  }
  const kl: Labels = input.topic ? { consumergroup: g, topic: input.topic } : { consumergroup: g };
  F.kmetric.series.push({ labels: kl, value: r.view.metric });
  F.ktotal.series.push({ labels: kl, value: r.view.totalLag });
  F.kactive.series.push({ labels: kl, value: r.view.active ? 1 : 0 });
  F.kdesired.series.push({ labels: kl, value: r.view.desiredReplicas });

  const lines: string[] = [...comments];
  for (const f of Object.values(F).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (f.series.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const s of f.series) lines.push(series(f.name, s.labels, s.value));
  }
  return lines.join('\n') + '\n';
}
