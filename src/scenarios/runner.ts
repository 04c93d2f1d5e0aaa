/**
 * The scenario runner: establishes the preconditions, takes the first sample before any load, drives the load
 * phases through produce(), samples the timeline, evaluates the expectations, restores what the case patched,
 * and returns the case's report. It knows only the Target interface (docs/design.md §1; the phases: §6).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CmaError, ExitCode, envError } from '../errors.js';
import type { KafkaAdmin, KafkaConnection } from '../kafka/client.js';
import { openAdmin } from '../kafka/kafkajs.js';
import { readPartitionOffsets } from '../kafka/lag.js';
import { produce } from '../kafka/producer.js';
import { computeKedaView } from '../scaling/kedaLag.js';
import { predictTimeline, type PlanInput } from '../scaling/plan.js';
import type { CaseSpec, Target } from '../targets/target.js';
import { computeAudit } from '../kafka/audit.js';
import { evaluateExpectations, onlyFinalChecksPending, type ExpectationResult, type RunEvents, type TimelinePoint } from './expectations.js';
import type { ResolvedCase } from './fast.js';
import type { CaseDef } from './model.js';
import type { CaseReport } from './report.js';
import { retry } from '../util/retry.js';
import { sleep } from '../util/sleep.js';

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
  /**
   * Conformance compares whole timelines, not verdicts: keep sampling after the expectations are decided (or one
   * failed) until the shape is complete — the load ended and either the replicas are at or below `replicas` with
   * the lag drained (≤ 0), or neither the replicas nor the lag changed for `quietSeconds`. The timeout still ends it.
   */
  settle?: { replicas: number; quietSeconds: number };
}

const DEFAULT_SAMPLE_INTERVAL_MS = 1000;
const round1 = (v: number) => Math.round(v * 10) / 10;

/** The `plan` prediction for a case (virtual time, same rules, no Kafka). Pure. */
export function predictionFor(rc: ResolvedCase): CaseReport['prediction'] {
  const d = rc.def;
  const paused = d.annotations['autoscaling.keda.sh/paused-replicas'];
  const input: PlanInput = {
    settings: rc.settings,
    partitions: d.partitions,
    load: d.load.flatMap((l) => [
      ...(l.after > 0 ? [{ pauseS: l.after }] : []),
      { records: l.records, rate: l.throughput > 0 ? l.throughput : 1_000_000, ...(l.partitions ? { partitions: l.partitions } : {}) },
    ]),
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
      note:
        `plan: fluid model, ${round1(input.consumerRate)} records/s a replica, pod start ${input.podStartDelayS} s, ` +
        'exclusive window boundaries; time 0 = the first load phase',
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
    consumer: {
      processMs: d.consumer.processMs,
      startupDelaySeconds: d.consumer.startupDelaySeconds,
      offsetReset: d.consumer.offsetReset ?? rc.settings.offsetResetPolicy,
      stallPartitions: d.consumer.stallPartitions,
    },
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

/** Errors the admin has already waited out (or that no wait fixes): ensureTopic is not tried again for them. */
const NOT_RETRIED = ['KAFKA_UNREACHABLE', 'KAFKA_AUTH', 'KAFKA_SASL', 'KAFKA_TLS', 'KAFKA_PROTOCOL'];

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
  // A topic marked for deletion cannot be re-created at once: try again for about 5 s, unless the broker is
  // unreachable or refuses us (the admin has already waited for those).
  const { created } = await retry(() => admin.ensureTopic(d.topic, d.partitions), {
    attempts: 11,
    backoff: { initialMs: 500, factor: 1 },
    retriable: (err) => !(err instanceof CmaError && (err.exitCode === ExitCode.USAGE || NOT_RETRIED.includes(err.code))),
  });
  const parts = await admin.partitions(d.topic);
  if (parts.length !== d.partitions) {
    throw envError(
      `topic ${d.topic} has ${parts.length} partitions, the case needs ${d.partitions}`,
      'use preconditions.topic: fresh, or --run-id for new names',
    );
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
    if (after.some((x) => x.offset !== null)) {
      throw envError(`group ${d.group} still has committed offsets`, 'stop its consumers, or pass --run-id for a new group name');
    }
  } else if (group === 'committed-at-end') {
    const ends = await admin.endOffsets(d.topic);
    await admin.commitOffsets(d.group, d.topic, ends.map((e) => ({ partition: e.partition, offset: e.high })));
    log(`${d.name}: committed group ${d.group} at the log end of ${d.topic}`);
  }
}

/**
 * One run of a case: what its phases share. The phases below read and write it in this order:
 * prepare Kafka → start the target → load + sampling (until decided, drained or timed out) → stop the load →
 * clean up (restore the target, close the admin) → audit → verdict and report → diagnostics.
 */
interface CaseRun {
  readonly rc: ResolvedCase;
  readonly def: CaseDef;
  readonly opts: RunCaseOptions;
  readonly intervalMs: number;
  /** Wall clock when the case started (for durationSeconds). */
  readonly started: number;
  /** Time 0 of the timeline: set just before the first sample. */
  t0: number;
  readonly timeline: TimelinePoint[];
  readonly events: RunEvents;
  /** Sequence ranges the broker acknowledged, for the audit. */
  readonly acked: Array<[number, number]>;
  /** The producer's last reported rate, records/s (0 between phases). */
  produceRate: number;
  admin: KafkaAdmin | null;
  /** Where local consumers write their audit (local target, audit on). */
  auditDir: string | undefined;
  /** Stops the load: on interrupt, on a load error, or when sampling ends. */
  readonly loadAbort: AbortController;
  /** The background load; resolves once every phase ended or the load was stopped (never rejects). */
  loadDone: Promise<void>;
  loadError: unknown;
}

function newRun(rc: ResolvedCase, opts: RunCaseOptions): CaseRun {
  return {
    rc,
    def: rc.def,
    opts,
    intervalMs: opts.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS,
    started: Date.now(),
    t0: 0,
    timeline: [],
    events: { loadStart: null, loadEnd: null },
    acked: [],
    produceRate: 0,
    admin: null,
    auditDir: undefined,
    loadAbort: new AbortController(),
    loadDone: Promise.resolve(),
    loadError: null,
  };
}

/** Seconds since the first sample. */
const elapsed = (run: CaseRun): number => (Date.now() - run.t0) / 1000;

/** Phase 1: the admin connection and the case's topic and group preconditions. Returns the connection for the load. */
async function prepareKafka(run: CaseRun): Promise<KafkaConnection> {
  const conn = await run.opts.target.connection();
  run.admin = await openAdmin(conn);
  await establishPreconditions(run.admin, run.rc, run.opts.log);
  return conn;
}

/** The target's view of the case. */
function caseSpec(run: CaseRun): CaseSpec {
  const { def: d, rc } = run;
  return {
    name: d.name,
    ...(d.runId ? { runId: d.runId } : {}),
    topic: d.topic,
    group: d.group,
    partitions: d.partitions,
    settings: rc.settings,
    consumer: {
      processMs: d.consumer.processMs,
      startupDelayMs: d.consumer.startupDelaySeconds * 1000,
      offsetReset: d.consumer.offsetReset ?? rc.settings.offsetResetPolicy,
    },
    startReplicas: d.preconditions.replicas,
    annotations: d.annotations,
    hpa: d.hpa,
    stallPartitions: d.consumer.stallPartitions,
    ...(run.auditDir ? { auditDir: run.auditDir } : {}),
  };
}

/** Phase 2: the target prepared for the case (ScaledObject applied or emulated, start replicas running). */
async function startTarget(run: CaseRun): Promise<void> {
  const { def: d, opts } = run;
  if (d.audit && opts.target.kind === 'local') {
    run.auditDir = fs.mkdtempSync(path.join(os.tmpdir(), `cma-audit-${d.name.replace(/\W/g, '-')}-`));
  }
  const spec = caseSpec(run);
  opts.log(`${d.name}: preparing the ${opts.target.kind} target (start replicas ${spec.startReplicas})`);
  await opts.target.prepare(spec);
  if (opts.signal.aborted) throw new CmaError('interrupted', { exitCode: ExitCode.INTERRUPTED });
}

/** Total lag as KEDA computes it from the group's offsets; null when unreadable. */
async function readLag(run: CaseRun): Promise<number | null> {
  try {
    const parts = await readPartitionOffsets(run.admin!, run.def.group, run.def.topic);
    return computeKedaView(parts, run.rc.settings).totalLagWithPersistent;
  } catch {
    return null;
  }
}

/** One timeline point: the target's replicas and the lag, read together. */
async function takeSample(run: CaseRun): Promise<TimelinePoint> {
  const [s, lag] = await Promise.all([run.opts.target.sample(), readLag(run)]);
  const p: TimelinePoint = {
    t: round1(elapsed(run)),
    replicas: s.replicas,
    readyReplicas: s.readyReplicas,
    desiredReplicas: s.desiredReplicas,
    active: s.active,
    totalLag: lag,
    metric: s.metric,
    produceRate: Math.round(run.produceRate),
  };
  run.timeline.push(p);
  return p;
}

/** The load phases one after the other, until the last ends or loadAbort stops them. */
async function driveLoad(run: CaseRun, conn: KafkaConnection): Promise<void> {
  const { def: d, events, loadAbort } = run;
  if (d.load.length === 0) {
    events.loadStart = 0;
    events.loadEnd = 0;
    return;
  }
  const lastReady = () => run.timeline[run.timeline.length - 1]?.readyReplicas ?? 0;
  let seq = 0;
  for (const [i, ph] of d.load.entries()) {
    if (ph.after > 0) await sleep(ph.after * 1000, loadAbort.signal);
    if (ph.when === 'consumers-ready') {
      while (!loadAbort.signal.aborted && lastReady() < 1) await sleep(200, loadAbort.signal);
    }
    if (loadAbort.signal.aborted) return;
    run.opts.log(`${d.name}: load ${i}: ${ph.records} records at ${ph.throughput === -1 ? 'unlimited' : ph.throughput + '/s'}`);
    const summary = await produce({
      connection: conn,
      topic: d.topic,
      numRecords: ph.records,
      throughput: ph.throughput,
      recordSize: ph.recordSize,
      ...(ph.partitions ? { partitions: ph.partitions } : {}),
      sequenceStart: seq,
      signal: loadAbort.signal,
      reportIntervalMs: 1000,
      onStart: () => {
        if (events.loadStart === null) events.loadStart = round1(elapsed(run));
      },
      onReport: (r) => (run.produceRate = r.recordsPerSec),
    });
    run.produceRate = 0;
    seq += ph.records;
    for (const r of summary.ackedSequences ?? []) run.acked.push([r[0], r[1]]);
    if (summary.interrupted) return;
  }
  events.loadEnd = round1(elapsed(run));
}

/** Phase 3a: the first sample (before any load), then the load in the background; a load error stops it. */
async function startLoad(run: CaseRun, conn: KafkaConnection): Promise<void> {
  run.t0 = Date.now();
  await takeSample(run);
  run.loadDone = driveLoad(run, conn).catch((err) => {
    run.loadError = err;
    run.loadAbort.abort();
  });
}

const phaseOf = (events: RunEvents): string =>
  events.loadStart === null ? 'before load' : events.loadEnd === null ? 'load' : 'after load';

/**
 * Phase 3b: samples on the interval grid until every time-bound expectation is decided (or one failed), the load
 * has ended (and, for no-loss, the lag drained), the load failed, the run was interrupted, or the timeout passed.
 */
async function sampleUntilDecided(run: CaseRun): Promise<void> {
  const { def: d, opts, intervalMs, timeline, events } = run;
  let lastChange = 0;
  for (;;) {
    await sleep(Math.max(0, intervalMs - ((Date.now() - run.t0) % intervalMs)), opts.signal);
    if (opts.signal.aborted) return;
    const before = timeline[timeline.length - 1];
    const p = await takeSample(run);
    if (!before || before.replicas !== p.replicas || before.totalLag !== p.totalLag) lastChange = p.t;
    const results = evaluateExpectations(d.expectations, timeline, events, null, false);
    opts.onSample?.({ name: d.name, t: p.t, point: p, timeline, results, events, phase: phaseOf(events) });
    if (run.loadError) return;
    if (p.t >= d.timeout) return;
    const decided = results.some((r) => r.status === 'fail') || (events.loadEnd !== null && onlyFinalChecksPending(results) && drained(d, p));
    if (decided && settled(run, p, lastChange)) return;
  }
}

/** Whether the timeline has its whole shape (RunCaseOptions.settle); always true without that option. */
function settled(run: CaseRun, p: TimelinePoint, lastChange: number): boolean {
  const s = run.opts.settle;
  if (!s) return true;
  if (run.events.loadEnd === null) return false;
  const backAndDrained = p.replicas <= s.replicas && p.totalLag !== null && p.totalLag <= 0;
  return backAndDrained || p.t - lastChange >= s.quietSeconds;
}

/** Phase 4 (drain): no-loss needs the backlog processed, so it waits for the lag to reach 0 (bounded by the timeout). */
function drained(d: CaseDef, p: TimelinePoint): boolean {
  const needsDrain = d.expectations.some((e) => e.kind === 'no-loss');
  return !needsDrain || (p.totalLag !== null && p.totalLag <= 0) || p.t >= d.timeout;
}

/** Stops the load and waits until the producer has stopped. */
async function stopLoad(run: CaseRun): Promise<void> {
  run.loadAbort.abort();
  await run.loadDone;
}

/** The exit code of a case that threw before its verdict; sets the report's reason unless interrupted. */
function exitCodeOfError(run: CaseRun, err: unknown, report: CaseReport): number {
  if (run.opts.signal.aborted || (err instanceof CmaError && err.exitCode === ExitCode.INTERRUPTED)) return ExitCode.INTERRUPTED;
  report.reason = err instanceof CmaError ? `${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}` : `unexpected error: ${(err as Error).message}`;
  return err instanceof CmaError ? err.exitCode : ExitCode.ENV;
}

/** Phase 5 (cleanup, always): restore what the case patched and close the admin connection. */
async function cleanUp(run: CaseRun): Promise<void> {
  try {
    await run.opts.target.restore();
  } catch (err) {
    run.opts.warn('RESTORE_FAILED', `${run.def.name}: restoring the target failed: ${(err as Error).message}`);
  }
  await run.admin?.close().catch(() => {});
}

/** The audit, read after restore (every consumer flushed and exited); removes the local audit directory. */
async function readAudit(run: CaseRun): Promise<CaseReport['audit']> {
  const { def: d, opts } = run;
  let audit: CaseReport['audit'] = null;
  if (d.audit && opts.target.audit) {
    try {
      const a = await opts.target.audit();
      if (a) audit = computeAudit(run.acked, a.seqs, a.scaleDowns);
    } catch (err) {
      opts.warn('AUDIT_FAILED', `${d.name}: reading the audit failed: ${(err as Error).message}`);
    }
  }
  if (run.auditDir) fs.rmSync(run.auditDir, { recursive: true, force: true });
  return audit;
}

/** Phase 6: the final expectations, the timeline and the verdict into the report. Returns the case's exit code. */
function completeReport(run: CaseRun, report: CaseReport, audit: CaseReport['audit'], exitCode: number): number {
  const { def: d, timeline, events } = run;
  if (exitCode === ExitCode.INTERRUPTED) events.interrupted = true;
  const final = evaluateExpectations(d.expectations, timeline, events, audit, true);
  report.expectations = final.map(({ kind, text, ok, observed }) => ({ kind, text, ok, observed }));
  report.timeline = timeline;
  report.audit = audit;
  report.events = { ...events, end: timeline.length ? timeline[timeline.length - 1]!.t : null };
  report.durationSeconds = round1((Date.now() - run.started) / 1000);
  // The prediction starts at the first load phase; shift it onto the observed clock.
  if (report.prediction && events.loadStart !== null) {
    const shift = events.loadStart - (d.load[0]?.after ?? 0);
    report.prediction.timeline = report.prediction.timeline.map((p) => ({ ...p, t: round1(p.t + shift) }));
  }
  if (exitCode === ExitCode.INTERRUPTED) {
    report.verdict = 'error';
    report.reason = 'interrupted (SIGINT): the load was stopped and the target restored';
    return exitCode;
  }
  if (exitCode !== ExitCode.OK) {
    report.verdict = 'error';
    return exitCode;
  }
  if (final.every((r) => r.ok === true)) {
    report.verdict = 'pass';
    report.reason = null;
    return ExitCode.OK;
  }
  report.verdict = 'fail';
  const f = final.find((r) => r.ok !== true)!;
  report.reason = `${f.text}: ${f.observed}`;
  return ExitCode.FAILED;
}

/** Diagnostics of a failed or errored case on the cluster target, when a report directory is given. */
async function collectDiagnostics(run: CaseRun, report: CaseReport): Promise<void> {
  const { def: d, opts } = run;
  if ((report.verdict !== 'fail' && report.verdict !== 'error') || !opts.reportDir || opts.target.kind !== 'cluster') return;
  try {
    report.diagnostics = await opts.target.diagnostics(path.join(opts.reportDir, 'diagnostics', d.name.replace(/\//g, '_')));
  } catch (err) {
    opts.warn('DIAGNOSTICS_FAILED', `${d.name}: collecting diagnostics failed: ${(err as Error).message}`);
  }
}

/** Runs one case on the target; never throws for a case's own failure (verdict error/fail instead). */
export async function runCase(rc: ResolvedCase, opts: RunCaseOptions): Promise<CaseReport & { exitCode: number }> {
  const skip = skipReason(rc, opts.target);
  if (skip) return { ...notRunReport(rc, 'skipped', skip), exitCode: 0 };

  const report: CaseReport = {
    ...notRunReport(rc, 'error', ''),
    effective: effectiveOf(rc, opts.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS),
    prediction: predictionFor(rc),
  };
  const run = newRun(rc, opts);
  const onAbort = () => run.loadAbort.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  let exitCode: number = ExitCode.OK;
  try {
    const conn = await prepareKafka(run);
    await startTarget(run);
    await startLoad(run, conn);
    await sampleUntilDecided(run);
    await stopLoad(run);
    if (run.loadError) throw run.loadError;
    if (opts.signal.aborted) exitCode = ExitCode.INTERRUPTED;
  } catch (err) {
    await stopLoad(run);
    exitCode = exitCodeOfError(run, err, report);
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await cleanUp(run);
  }
  const audit = await readAudit(run);
  exitCode = completeReport(run, report, audit, exitCode);
  await collectDiagnostics(run, report);
  return { ...report, exitCode };
}
