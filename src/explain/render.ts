/** Text views of `explain`, `check` and `recommend`, pure (the commands print them). */
import type { ScaledObjectSettings } from '../scaling/settings.js';
import type { ExplainDocument, StepWithCluster } from './document.js';
import type { CheckDocument } from './check.js';
import type { RecommendDocument } from './recommend.js';

function table(rows: string[][], indent = ''): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

export function settingsLine(s: ScaledObjectSettings): string {
  const sw = [
    s.scaleToZeroOnInvalidOffset && 'scaleToZeroOnInvalidOffset',
    s.excludePersistentLag && 'excludePersistentLag',
    s.allowIdleConsumers && 'allowIdleConsumers',
    s.limitToPartitionsWithLag && 'limitToPartitionsWithLag',
    s.ensureEvenDistributionOfPartitions && 'ensureEvenDistributionOfPartitions',
  ].filter(Boolean);
  return (
    `settings: lagThreshold ${s.lagThreshold}, activationLagThreshold ${s.activationLagThreshold}, offsetResetPolicy ${s.offsetResetPolicy}, ` +
    `minReplicaCount ${s.minReplicaCount}, maxReplicaCount ${s.maxReplicaCount}${s.idleReplicaCount !== null ? `, idleReplicaCount ${s.idleReplicaCount}` : ''}, ` +
    `pollingInterval ${s.pollingInterval} s, cooldownPeriod ${s.cooldownPeriod} s${sw.length ? `, ${sw.join(', ')}` : ''}`
  );
}

const LABEL: Record<string, string> = {
  total: '2. total',
  cap: '   cap',
  metric: '   metric',
  activation: '3. activation',
  keda: '4. KEDA',
  'hpa-proposal': '   HPA proposal',
  'hpa-tolerance': '   tolerance',
  'hpa-min-max': '   min/max',
  'hpa-scale-up': '   scale-up',
  'hpa-scale-down': '   scale-down',
  fallback: '   fallback',
  replicas: '5. replicas',
};

const show = (v: number | boolean | null | undefined): string =>
  v === null || v === undefined ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);

function stepLine(st: StepWithCluster, changed: Set<string>): string {
  const mark = changed.has(st.id) ? '*' : ' ';
  const cl = st.cluster ? `  [cluster: ${show(st.cluster.value)}${st.cluster.mismatch ? ' MISMATCH' : ''}]` : '';
  const setting = st.setting ? `  (${st.setting})` : '';
  const text = st.applies ? st.text : `(${st.text})`;
  return `${mark}${(LABEL[st.id] ?? st.id).padEnd(16)}${show(st.value).padStart(6)}  ${text}${setting}${cl}`;
}

/** The chain as text: partitions table, numbered steps, the cluster's side, the verdict last. */
export function renderExplainText(doc: ExplainDocument): string {
  const lines: string[] = [];
  const src = doc.source;
  const from =
    src.kind === 'file'
      ? `file ${src.file}`
      : src.kind === 'cluster'
        ? `cluster, namespace ${src.namespace}`
        : src.kind === 'local-run'
          ? `the case ${src.run?.case} running on the local target, pid ${src.run?.pid}`
          : 'settings flags';
  lines.push(
    `explain: ScaledObject ${src.name} (${from}), group ${doc.group}, ${doc.topic ? `topic ${doc.topic}` : 'every topic with commits'}` +
      `${doc.reads === 2 ? `, 2 reads${doc.intervalS !== null ? ` ${doc.intervalS} s apart` : ''}` : ''}${doc.time ? `  (${doc.time})` : ''}`,
  );
  lines.push(settingsLine(doc.settings));
  lines.push('');
  const changed = new Set(doc.changed ?? []);
  lines.push('1. per partition');
  if (doc.partitions.length) {
    const rows = [['', 'TOPIC', 'PARTITION', 'COMMITTED', 'LOG-START', 'LOG-END', 'LAG', 'RULE']];
    for (const p of doc.partitions) {
      rows.push([
        changed.has(`partition ${p.topic}/${p.partition}`) ? '*' : ' ',
        p.topic,
        String(p.partition),
        p.committedOffset === null ? '-' : String(p.committedOffset),
        p.logStartOffset === null ? '-' : String(p.logStartOffset),
        String(p.logEndOffset),
        String(p.lag) + (p.lagWithPersistent !== p.lag ? ` (${p.lagWithPersistent})` : ''),
        p.text,
      ]);
    }
    lines.push(...table(rows, ''));
  } else lines.push('   (no partitions)');
  for (const st of doc.steps) lines.push(stepLine(st, changed));
  const c = doc.cluster;
  if (c) {
    lines.push('');
    lines.push('cluster:');
    const conds = (cs: Array<{ type: string; status: string; reason: string | null; message: string | null }>) =>
      cs.length ? cs.map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason}${x.message ? `: ${x.message}` : ''})` : ''}`).join('; ') : '-';
    lines.push(
      `  ScaledObject ${c.scaledObject.name}: ${conds(c.scaledObject.conditions)}${c.scaledObject.lastActiveTime ? `; lastActiveTime ${c.scaledObject.lastActiveTime}` : ''}`,
    );
    if (c.hpa) {
      lines.push(
        `  HPA ${c.hpa.name}: current ${show(c.hpa.currentReplicas)}, desired ${show(c.hpa.desiredReplicas)}, range [${show(c.hpa.minReplicas)}, ${show(c.hpa.maxReplicas)}]; ${conds(c.hpa.conditions)}`,
      );
    } else lines.push('  HPA: none (KEDA creates it once the ScaledObject is Ready; paused objects have none)');
    if (c.deployment)
      lines.push(
        `  Deployment ${c.deployment.name}: spec ${show(c.deployment.specReplicas)}, status ${show(c.deployment.statusReplicas)}, ready ${show(c.deployment.readyReplicas)}`,
      );
    lines.push(
      `  metric: ${c.metric === null ? "KEDA's metric unread" : `${c.metric} (${c.metricSource === 'hpa-status' ? "from the HPA's status" : 'external metrics API'})`}`,
    );
    for (const m of c.mismatches) lines.push(`  ${m.mismatch ? 'MISMATCH' : 'ok'} ${m.field}: ${m.text}`);
    if (c.events.length) {
      lines.push('  recent events:');
      for (const e of c.events)
        lines.push(`    ${e.time ?? '-'}  ${e.type ?? ''} ${e.object} ${e.reason ?? ''}: ${e.message}${e.count > 1 ? ` (×${e.count})` : ''}`);
    }
  }
  const e = doc.emulator;
  if (e) {
    lines.push('');
    lines.push(
      `emulator (the running case): metric ${show(e.metric)}, active ${show(e.active)}, HPA desired ${show(e.desiredReplicas)}; replicas ${doc.replicas.current}` +
        (e.lastError ? `; last scaler error: ${e.lastError}` : ''),
    );
  }
  lines.push('');
  // One line: what decided, the responsible setting named in it, and the fix.
  lines.push(`${changed.has('verdict') ? '*' : ''}verdict: ${doc.verdict.text}${doc.verdict.fix ? ` — fix: ${doc.verdict.fix}` : ''}`);
  return lines.join('\n') + '\n';
}

export function renderCheckText(doc: CheckDocument): string {
  const lines: string[] = [];
  lines.push(`check: ${doc.target}`);
  if (doc.findings.length === 0) lines.push('no findings');
  for (const f of doc.findings) {
    lines.push(`${f.level.toUpperCase().padEnd(7)} ${f.code}  ${f.field}`);
    lines.push(`        ${f.message}`);
    lines.push(`        fix: ${f.fix}`);
  }
  const n = (l: string) => doc.findings.filter((f) => f.level === l).length;
  lines.push('');
  lines.push(`${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} note(s)${doc.skipped.length ? `; not checked: ${doc.skipped.join('; ')}` : ''}`);
  return lines.join('\n') + '\n';
}

export function renderRecommendText(doc: RecommendDocument): string {
  const lines: string[] = [];
  const g = doc.goal;
  lines.push(
    `recommend: drain within ${g.drainWithinS} s of the load's end; load ${doc.loadText}; ${g.consumerRate} records/s per replica${g.maxReplicas !== null ? `; at most ${g.maxReplicas} replicas` : ''}`,
  );
  lines.push(
    `searched ${doc.searched} combinations of partitions, maxReplicaCount, lagThreshold and scale-up policy with plan's model; ${doc.meeting} distinct predictions meet the goal`,
  );
  lines.push('');
  if (doc.candidates.length === 0) {
    lines.push('no combination meets the goal.');
  } else {
    const rows = [['#', 'PARTITIONS', 'MAX', 'LAG-THRESHOLD', 'SCALE-UP', 'PEAK', 'DRAINED', 'AFTER LOAD', 'REPLICA-S', 'STEPS']];
    doc.candidates.forEach((c, i) => {
      rows.push([
        String(i + 1),
        String(c.partitions),
        String(c.maxReplicaCount),
        String(c.lagThreshold),
        c.scaleUp.name,
        String(c.peak),
        c.drainedS === null ? '-' : `${c.drainedS} s`,
        c.drainDelayS === null ? '-' : `${c.drainDelayS} s`,
        String(c.replicaSeconds),
        c.steps.map((s) => `${s.replicas}@${s.t}`).join(' '),
      ]);
    });
    lines.push(...table(rows));
  }
  if (doc.closest) lines.push(`closest miss: ${doc.closest}`);
  lines.push('');
  lines.push('-o yaml prints the best one as a ScaledObject; replay it with: cma-demo plan --scaledobject FILE --partitions N ' + doc.replayFlags);
  return lines.join('\n') + '\n';
}
