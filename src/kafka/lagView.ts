/**
 * `cma-demo lag` rendering, pure: the JSON document, warnings for the known KEDA traps, the text table, and
 * a Prometheus exposition with kafka_exporter's metric names and labels (plus cma_demo_keda_* for what KEDA sees).
 */
import type { Warning } from '../errors.js';
import { computeKedaView, type KedaView, type PartitionOffsets, type PersistentMemory } from '../scaling/kedaLag.js';
import { kedaBehaviour } from '../scaling/kedaVersion.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';

export interface LagInput {
  group: string;
  /** The topic asked for; undefined = every topic the group has commits for. */
  topic?: string;
  settings: ScaledObjectSettings;
  /** lastStableOffset: READ_COMMITTED end (below logEndOffset while a transaction is open), when read. */
  offsets: Array<PartitionOffsets & { logStartOffset?: number; lastStableOffset?: number }>;
  /** Members of the group (kafka_consumergroup_members), when known. */
  members?: number | null;
  groupState?: string | null;
}

export interface LagPartitionRow {
  topic: string;
  partition: number;
  committedOffset: number | null;
  /** Log-start offset: records below it were deleted (null when unknown). */
  logStartOffset: number | null;
  logEndOffset: number;
  /** e − c, null without a commit (as kafka-consumer-groups). */
  lag: number | null;
  /** KEDA's lag for the partition: what the metric sums (0 when excluded as persistent or not counted). */
  kedaLag: number;
  /** KEDA's lag with persistent lag included: what activation sums when excludePersistentLag is on. */
  persistentIncludedLag: number;
  /** False when partitionLimitation leaves the partition out (KEDA does not read it). */
  counted: boolean;
}

export interface LagDocument {
  group: string;
  settings: ScaledObjectSettings;
  /** The KEDA release modelled (settings.kedaVersion). */
  versions: { kedaModel: string };
  partitions: LagPartitionRow[];
  /** KEDA's total over the counted partitions, before the cap. */
  totalLag: number;
  /** persistentIncludedLag: the total activation compares with activationLagThreshold. */
  keda: { metric: number; active: boolean; desiredReplicas: number; persistentIncludedLag: number };
  warnings: Warning[];
}

export interface LagResult {
  doc: LagDocument;
  view: KedaView;
}

/** One sample: KEDA's view (memory carried in and out), the document and its warnings. */
export function analyzeLag(input: LagInput, memory?: PersistentMemory): LagResult {
  // Without a topic the trigger reads every topic the group committed to, and KEDA ignores partitionLimitation.
  const view = computeKedaView(input.offsets, input.settings, memory, { allTopics: !input.topic });
  const doc: LagDocument = {
    group: input.group,
    settings: input.settings,
    versions: { kedaModel: view.kedaVersion },
    partitions: view.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      committedOffset: p.committedOffset,
      logStartOffset: p.logStartOffset ?? null,
      logEndOffset: p.logEndOffset,
      lag: p.lag,
      kedaLag: p.kedaLag,
      persistentIncludedLag: p.kedaLagWithPersistent,
      counted: p.counted,
    })),
    totalLag: view.totalLag,
    keda: { metric: view.metric, active: view.active, desiredReplicas: view.desiredReplicas, persistentIncludedLag: view.totalLagWithPersistent },
    warnings: lagWarnings(input, view),
  };
  return { doc, view };
}

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/** Warnings for the traps of docs/design.md §8.3 and §8.4 that this sample shows. */
export function lagWarnings(input: LagInput, view: KedaView): Warning[] {
  const s = input.settings;
  const w: Warning[] = [];
  const P = view.partitionCount;
  const T = s.lagThreshold;
  const where = input.topic ? `topic ${input.topic}` : 'its topics';
  const b = kedaBehaviour(view.kedaVersion);
  const countedKeys = new Set(view.partitions.filter((p) => p.counted).map((p) => `${p.topic}/${p.partition}`));
  const counted = input.offsets.filter((p) => countedKeys.has(`${p.topic}/${p.partition}`));
  const uncommitted = counted.filter((p) => p.committedOffset === null || p.committedOffset === -1);
  const names = (ps: Array<{ topic: string; partition: number }>): string => ps.map((p) => `${p.topic}/${p.partition}`).join(', ');

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
    } else if (!b.earliestCountsFromLogStart) {
      const deleted = uncommitted.reduce((a, p) => a + Math.max(0, p.logStartOffset ?? 0), 0);
      if (deleted > 0) {
        w.push({
          code: 'EARLIEST_COUNTS_DELETED',
          message: `under offsetResetPolicy earliest KEDA ${view.kedaVersion} counts a partition without a commit from offset 0, including ${deleted} records already removed by retention (kedacore/keda#7936; KEDA main counts from the log start, #7937)`,
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
    const metricNote = view.negativeSentAsZero
      ? `; the total is negative, and KEDA ${view.kedaVersion} sends it as 0`
      : view.metric < 0
        ? `; the total is negative, and KEDA ${view.kedaVersion} passes ${view.metric} on to the HPA (2.20.2 and later send 0)`
        : '';
    w.push({
      code: 'NEGATIVE_LAG',
      message: `${plural(negative.length, 'partition')} ${negative.length === 1 ? 'shows' : 'show'} a committed offset beyond the log end (${names(negative)}): the commit was read after the end offset, or the topic was recreated${metricNote}`,
    });
  }
  const below = counted.filter(
    (p) => p.committedOffset !== null && p.committedOffset >= 0 && p.logStartOffset !== undefined && p.committedOffset < p.logStartOffset,
  );
  if (below.length) {
    const gone = below.reduce((a, p) => a + (p.logStartOffset! - p.committedOffset!), 0);
    w.push({
      code: 'COMMIT_BELOW_LOG_START',
      message:
        `${plural(below.length, 'partition')} ${below.length === 1 ? 'has' : 'have'} a commit below the log start (${below.map((p) => `${p.topic}/${p.partition} commit ${p.committedOffset} < start ${p.logStartOffset}`).join(', ')}): ` +
        `${gone} records were deleted under the commit. KEDA counts them as lag (log end − commit), but the consumer cannot process them: ` +
        `it jumps to auto.offset.reset (earliest: the log start), and the lag drops by ${gone} at once`,
    });
  }
  const open = counted.filter((p) => p.lastStableOffset !== undefined && p.lastStableOffset < p.logEndOffset);
  if (open.length) {
    w.push({
      code: 'OPEN_TRANSACTION',
      message:
        `${plural(open.length, 'partition')} ${open.length === 1 ? 'has' : 'have'} an open transaction (last stable offset below the high watermark: ${open.map((p) => `${p.topic}/${p.partition} ${p.lastStableOffset} < ${p.logEndOffset}`).join(', ')}): ` +
        `read_committed consumers cannot read past the last stable offset until the transaction ends, while KEDA counts up to the high watermark`,
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
  const state =
    input.groupState === 'Dead'
      ? ', no such group on the broker (state Dead)'
      : input.groupState
        ? `, state ${input.groupState}${input.members !== undefined && input.members !== null ? `, ${plural(input.members, 'member')}` : ''}`
        : '';
  lines.push(`group ${input.group}${input.topic ? `, topic ${input.topic}` : ', all topics with commits'}${state}${opts.time ? `  (${opts.time})` : ''}`);
  lines.push(
    `settings (KEDA ${v.kedaVersion}): lagThreshold ${s.lagThreshold}, activationLagThreshold ${s.activationLagThreshold}, offsetResetPolicy ${s.offsetResetPolicy}, ` +
      `min ${s.minReplicaCount}, max ${s.maxReplicaCount}` +
      (s.partitionLimitation ? `, partitionLimitation ${s.partitionLimitation}${input.topic ? '' : ' (ignored without a topic)'}` : '') +
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
  const rows: string[][] = [['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-START', 'LOG-END', 'LAG', 'KEDA-LAG']];
  for (const p of v.partitions) {
    rows.push([
      p.topic,
      String(p.partition),
      p.committedOffset === null ? '-' : String(p.committedOffset),
      p.logStartOffset === undefined ? '-' : String(p.logStartOffset),
      String(p.logEndOffset),
      p.lag === null ? '-' : String(p.lag),
      !p.counted ? '- (not in partitionLimitation)' : String(p.kedaLag) + (p.persistent ? ` (persistent ${p.kedaLagWithPersistent})` : ''),
    ]);
  }
  if (v.partitions.length) lines.push(table(rows));
  else lines.push('(no partitions)');
  lines.push('');
  const P = v.partitionCount;
  const capped = v.negativeSentAsZero
    ? ` (total ${v.totalLag}: negative, sent as 0 by KEDA ${v.kedaVersion})`
    : v.metric !== v.totalLag
      ? ` (total ${v.totalLag}, capped/rounded by KEDA)`
      : '';
  const left = v.partitions.length - P;
  lines.push(`total lag ${v.totalLag} over ${plural(P, 'partition')}${left ? ` (${left} left out by partitionLimitation)` : ''}`);
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
  // A group that does not exist (describeGroups answers state Dead) has no members gauge: kafka_exporter lists only
  // the groups the broker knows.
  if (input.members !== undefined && input.members !== null && input.groupState !== 'Dead')
    F.members.series.push({ labels: { consumergroup: g }, value: input.members });
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
    for (const p of parts) if (p.counted) F.kplag.series.push({ labels: { consumergroup: g, partition: String(p.partition), topic }, value: p.kedaLag });
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
