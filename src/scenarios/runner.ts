/**
 * The scenario runner: establishes the preconditions, takes the first sample before any load, drives the load
 * phases through produce(), samples the timeline, evaluates the expectations, restores what the case patched,
 * and returns the case's report. It knows only the Target interface (design.md, "One seam").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CmaError, ExitCode, envError } from '../errors.js';
import type { KafkaAdmin } from '../kafka/client.js';
import { openAdmin } from '../kafka/kafkajs.js';
import { readPartitionOffsets } from '../kafka/lag.js';
import { produce } from '../kafka/producer.js';
import { computeKedaView } from '../scaling/kedaLag.js';
import { predictTimeline, type PlanInput } from '../scaling/plan.js';
import type { CaseSpec, Target } from '../targets/target.js';
import { computeAudit } from './audit.js';
import { evaluateExpectations, onlyFinalChecksPending, type ExpectationResult, type RunEvents, type TimelinePoint } from './expectations.js';
import type { ResolvedCase } from './fast.js';
import type { CaseReport } from './report.js';

export interface LiveState {
  name: string;
  t: number;
  point: TimelinePoint;
  timeline: TimelinePoint[];
  results: ExpectationResult[];
  events: RunEvents;
  phase: string;
}

export interface RunCaseOptions {
  target: Target;
  signal: AbortSignal;
  sampleIntervalMs?: number;
  log: (s: string) => void;
  warn: (code: string, message: string) => void;
  onSample?: (s: LiveState) => void;
  /** Where diagnostics go when a case fails (cluster target). */
  reportDir?: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The `plan` prediction for a case (virtual time, same rules, no Kafka). Pure. */
export function predictionFor(rc: ResolvedCase): CaseReport['prediction'] {
  const d = rc.def;
  const paused = d.annotations['autoscaling.keda.sh/paused-replicas'];
  const input: PlanInput = {
    settings: rc.settings,
    partitions: d.partitions,
    load: d.load.flatMap((l) => [...(l.after > 0 ? [{ pauseS: l.after }] : []), { records: l.records, rate: l.throughput > 0 ? l.throughput : 1_000_000, ...(l.partitions ? { partitions: l.partitions } : {}) }]),
    consumerRate: d.consumer.processMs > 0 ? 1000 / d.consumer.processMs : 100_000,
    podStartDelayS: d.consumer.startupDelaySeconds,
    committedOffsets: d.preconditions.group !== 'never-committed',
    hpaSyncSeconds: d.hpa.syncSeconds,
    tolerance: d.hpa.tolerance,
    defaultDownscaleWindowSeconds: d.hpa.downscaleWindowSeconds,
    firstHpaSyncS: d.hpa.syncSeconds / 3,
    startReplicas: d.preconditions.replicas,
    pausedReplicas: paused !== undefined ? Number(paused) : null,
    ...(d.consumer.stallPartitions.length ? { stalledPartitions: d.consumer.stallPartitions } : {}),
    ...(d.consumer.offsetReset ? { consumerOffsetReset: d.consumer.offsetReset } : {}),
    maxDurationS: d.timeout,
  };
  try {
    const tl = predictTimeline(input);
    return {
      timeline: tl.map((p) => ({ t: p.t, replicas: p.replicas, desiredReplicas: p.desiredReplicas, lag: p.lag })),
      peak: tl.reduce((m, p) => Math.max(m, p.replicas), 0),
      note: `plan: fluid model, ${round1(input.consumerRate)} records/s a replica, pod start ${input.podStartDelayS} s, exclusive window boundaries; time 0 = the first load phase`,
    };
  } catch (err) {
    return { timeline: [], peak: null, note: `no prediction: ${(err as Error).message}` };
  }
}

/** A report for a case that did not run (skipped, or refused before the target was touched). */
export function notRunReport(rc: ResolvedCase, verdict: 'skipped' | 'error', reason: string): CaseReport {
  return {
    name: rc.def.name,
    file: rc.def.file,
    description: rc.def.description,
    verdict,
    reason,
    settings: rc.settings,
    expectations: [],
    audit: null,
    timeline: [],
    effective: effectiveOf(rc, 0),
    events: { loadStart: null, loadEnd: null, end: null },
    prediction: null,
    diagnostics: [],
    durationSeconds: 0,
  };
}

function effectiveOf(rc: ResolvedCase, sampleIntervalMs: number): CaseReport['effective'] {
  const d = rc.def;
  return {
    topic: d.topic,
    group: d.group,
    partitions: d.partitions,
    consumer: { processMs: d.consumer.processMs, startupDelaySeconds: d.consumer.startupDelaySeconds, offsetReset: d.consumer.offsetReset ?? rc.settings.offsetResetPolicy, stallPartitions: d.consumer.stallPartitions },
    preconditions: d.preconditions,
    load: d.load,
    annotations: d.annotations,
    hpa: d.hpa,
    timeout: d.timeout,
    sampleIntervalMs,
    scaled: rc.scaled,
  };
}

/** Why a target cannot run the case, or null. */
export function skipReason(rc: ResolvedCase, target: Target): string | null {
  if (!rc.def.targets.includes(target.kind)) return `runs on the ${rc.def.targets.join('/')} target only (this is ${target.kind})`;
  for (const f of rc.def.requires) {
    const s = target.supports(f);
    if (!s.ok) return s.reason;
  }
  return null;
}

async function establishPreconditions(admin: KafkaAdmin, rc: ResolvedCase, log: (s: string) => void): Promise<void> {
  const d = rc.def;
  const topics = await admin.listTopics();
  if (d.preconditions.topic === 'fresh' && topics.includes(d.topic)) {
    log(`${d.name}: deleting topic ${d.topic} (precondition topic: fresh)`);
    await admin.deleteTopics([d.topic]);
    const t0 = Date.now();
    while ((await admin.listTopics()).includes(d.topic)) {
      if (Date.now() - t0 > 30_000) throw envError(`topic ${d.topic} is still being deleted after 30 s`, 'pass --run-id to use fresh names, or wait and retry');
      await sleep(300);
    }
  }
  let created = false;
  for (let attempt = 0; ; attempt++) {
    try {
      created = (await admin.ensureTopic(d.topic, d.partitions)).created;
      break;
    } catch (err) {
      if (attempt >= 10) throw err;
      await sleep(500); // a topic marked for deletion cannot be re-created at once
    }
  }
  const parts = await admin.partitions(d.topic);
  if (parts.length !== d.partitions) {
    throw envError(`topic ${d.topic} has ${parts.length} partitions, the case needs ${d.partitions}`, 'use preconditions.topic: fresh, or --run-id for new names');
  }
  if (created) log(`${d.name}: created topic ${d.topic} (${d.partitions} partitions)`);
  const group = d.preconditions.group;
  if (group === 'never-committed') {
    const c = await admin.committedOffsets(d.group, [d.topic]);
    if (c.some((x) => x.offset !== null)) {
      log(`${d.name}: deleting group ${d.group} (precondition group: never-committed)`);
      await admin.deleteGroups([d.group]);
    }
    const after = await admin.committedOffsets(d.group, [d.topic]);
    if (after.some((x) => x.offset !== null)) throw envError(`group ${d.group} still has committed offsets`, 'stop its consumers, or pass --run-id for a new group name');
  } else if (group === 'committed-at-end') {
    const ends = await admin.endOffsets(d.topic);
    await admin.commitOffsets(d.group, d.topic, ends.map((e) => ({ partition: e.partition, offset: e.high })));
    log(`${d.name}: committed group ${d.group} at the log end of ${d.topic}`);
  }
}

/** Runs one case on the target; never throws for a case's own failure (verdict error/fail instead). */
export async function runCase(rc: ResolvedCase, opts: RunCaseOptions): Promise<CaseReport & { exitCode: number }> {
  const d = rc.def;
  const { target, signal, log } = opts;
  const interval = opts.sampleIntervalMs ?? 1000;
  const skip = skipReason(rc, target);
  if (skip) return { ...notRunReport(rc, 'skipped', skip), exitCode: 0 };

  const report: CaseReport = { ...notRunReport(rc, 'error', ''), effective: effectiveOf(rc, interval), prediction: predictionFor(rc) };
  const timeline: TimelinePoint[] = [];
  const events: RunEvents = { loadStart: null, loadEnd: null };
  const acked: Array<[number, number]> = [];
  let produceRate = 0;
  let admin: KafkaAdmin | null = null;
  let auditDir: string | undefined;
  const loadAbort = new AbortController();
  const onAbort = () => loadAbort.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let t0 = 0;
  const now = () => (Date.now() - t0) / 1000;
  let exitCode: number = ExitCode.OK;
  let loadError: unknown = null;
  let loadDone: Promise<void> = Promise.resolve();
  const started = Date.now();
  try {
    const conn = await target.connection();
    admin = await openAdmin(conn);
    await establishPreconditions(admin, rc, log);
    if (d.audit && target.kind === 'local') auditDir = fs.mkdtempSync(path.join(os.tmpdir(), `cma-audit-${d.name.replace(/\W/g, '-')}-`));
    const spec: CaseSpec = {
      name: d.name,
      ...(d.runId ? { runId: d.runId } : {}),
      topic: d.topic,
      group: d.group,
      partitions: d.partitions,
      settings: rc.settings,
      consumer: { processMs: d.consumer.processMs, startupDelayMs: d.consumer.startupDelaySeconds * 1000, offsetReset: d.consumer.offsetReset ?? rc.settings.offsetResetPolicy },
      startReplicas: d.preconditions.replicas,
      annotations: d.annotations,
      hpa: d.hpa,
      stallPartitions: d.consumer.stallPartitions,
      ...(auditDir ? { auditDir } : {}),
    };
    log(`${d.name}: preparing the ${target.kind} target (start replicas ${spec.startReplicas})`);
    await target.prepare(spec);
    if (signal.aborted) throw new CmaError('interrupted', { exitCode: ExitCode.INTERRUPTED });

    const readLag = async (): Promise<number | null> => {
      try {
        const parts = await readPartitionOffsets(admin!, d.group, d.topic);
        return computeKedaView(parts, rc.settings).totalLagWithPersistent;
      } catch {
        return null;
      }
    };
    const takeSample = async (): Promise<TimelinePoint> => {
      const [s, lag] = await Promise.all([target.sample(), readLag()]);
      const p: TimelinePoint = { t: round1(now()), replicas: s.replicas, readyReplicas: s.readyReplicas, desiredReplicas: s.desiredReplicas, active: s.active, totalLag: lag, metric: s.metric, produceRate: Math.round(produceRate) };
      timeline.push(p);
      return p;
    };

    t0 = Date.now();
    await takeSample(); // the first sample, before any load
    let seq = 0;
    const lastReady = () => timeline[timeline.length - 1]?.readyReplicas ?? 0;
    loadDone = (async () => {
      if (d.load.length === 0) {
        events.loadStart = 0;
        events.loadEnd = 0;
        return;
      }
      for (const [i, ph] of d.load.entries()) {
        if (ph.after > 0) await sleep(ph.after * 1000, loadAbort.signal);
        if (ph.when === 'consumers-ready') {
          while (!loadAbort.signal.aborted && lastReady() < 1) await sleep(200, loadAbort.signal);
        }
        if (loadAbort.signal.aborted) return;
        const start = seq;
        log(`${d.name}: load ${i}: ${ph.records} records at ${ph.throughput === -1 ? 'unlimited' : ph.throughput + '/s'}`);
        const summary = await produce({
          connection: conn,
          topic: d.topic,
          numRecords: ph.records,
          throughput: ph.throughput,
          recordSize: ph.recordSize,
          ...(ph.partitions ? { partitions: ph.partitions } : {}),
          sequenceStart: start,
          signal: loadAbort.signal,
          reportIntervalMs: 1000,
          onStart: () => {
            if (events.loadStart === null) events.loadStart = round1(now());
          },
          onReport: (r) => (produceRate = r.recordsPerSec),
        });
        produceRate = 0;
        seq += ph.records;
        for (const r of summary.ackedSequences ?? []) acked.push([r[0], r[1]]);
        if (summary.interrupted) return;
      }
      events.loadEnd = round1(now());
    })().catch((err) => {
      loadError = err;
      loadAbort.abort();
    });

    // Sample until every time-bound expectation is decided (or one failed), the load has ended, or timeout.
    let results: ExpectationResult[] = [];
    for (;;) {
      await sleep(Math.max(0, interval - ((Date.now() - t0) % interval)), signal);
      if (signal.aborted) break;
      const p = await takeSample();
      results = evaluateExpectations(d.expectations, timeline, events, null, false);
      opts.onSample?.({ name: d.name, t: p.t, point: p, timeline, results, events, phase: events.loadStart === null ? 'before load' : events.loadEnd === null ? 'load' : 'after load' });
      if (loadError) break;
      if (results.some((r) => r.status === 'fail')) break;
      if (events.loadEnd !== null && onlyFinalChecksPending(results)) {
        // no-loss needs the backlog processed: wait for the lag to drain (bounded by the timeout)
        const needsDrain = d.expectations.some((e) => e.kind === 'no-loss');
        if (!needsDrain || (p.totalLag !== null && p.totalLag <= 0) || p.t >= d.timeout) break;
      }
      if (p.t >= d.timeout) break;
    }
    loadAbort.abort();
    await loadDone;
    if (loadError) throw loadError;
    if (signal.aborted) exitCode = ExitCode.INTERRUPTED;
  } catch (err) {
    loadAbort.abort();
    await loadDone;
    if (signal.aborted || (err instanceof CmaError && err.exitCode === ExitCode.INTERRUPTED)) exitCode = ExitCode.INTERRUPTED;
    else {
      exitCode = err instanceof CmaError ? err.exitCode : ExitCode.ENV;
      report.reason = err instanceof CmaError ? `${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}` : `unexpected error: ${(err as Error).message}`;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    try {
      await target.restore();
    } catch (err) {
      opts.warn('RESTORE_FAILED', `${d.name}: restoring the target failed: ${(err as Error).message}`);
    }
    await admin?.close().catch(() => {});
  }

  // Audit (after restore: every consumer flushed and exited)
  let audit: CaseReport['audit'] = null;
  if (d.audit && target.audit) {
    try {
      const a = await target.audit();
      if (a) audit = computeAudit(acked, a.seqs, a.scaleDowns);
    } catch (err) {
      opts.warn('AUDIT_FAILED', `${d.name}: reading the audit failed: ${(err as Error).message}`);
    }
  }
  if (auditDir) fs.rmSync(auditDir, { recursive: true, force: true });

  const final = evaluateExpectations(d.expectations, timeline, events, audit, true);
  report.expectations = final.map(({ kind, text, ok, observed }) => ({ kind, text, ok, observed }));
  report.timeline = timeline;
  report.audit = audit;
  report.events = { ...events, end: timeline.length ? timeline[timeline.length - 1]!.t : null };
  report.durationSeconds = round1((Date.now() - started) / 1000);
  // The prediction starts at the first load phase; shift it onto the observed clock.
  if (report.prediction && events.loadStart !== null) {
    const shift = events.loadStart - (d.load[0]?.after ?? 0);
    report.prediction.timeline = report.prediction.timeline.map((p) => ({ ...p, t: round1(p.t + shift) }));
  }
  if (exitCode === ExitCode.INTERRUPTED) {
    report.verdict = 'error';
    report.reason = 'interrupted (SIGINT): the load was stopped and the target restored';
  } else if (exitCode !== ExitCode.OK) {
    report.verdict = 'error';
  } else if (final.every((r) => r.ok === true)) {
    report.verdict = 'pass';
    report.reason = null;
  } else {
    report.verdict = 'fail';
    const f = final.find((r) => r.ok !== true)!;
    report.reason = `${f.text}: ${f.observed}`;
    exitCode = ExitCode.FAILED;
  }
  if ((report.verdict === 'fail' || report.verdict === 'error') && opts.reportDir && target.kind === 'cluster') {
    try {
      report.diagnostics = await target.diagnostics(path.join(opts.reportDir, 'diagnostics', d.name.replace(/\//g, '_')));
    } catch (err) {
      opts.warn('DIAGNOSTICS_FAILED', `${d.name}: collecting diagnostics failed: ${(err as Error).message}`);
    }
  }
  return { ...report, exitCode };
}
