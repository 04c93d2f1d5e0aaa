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
import { produce, type ProduceSummary } from '../kafka/producer.js';
import { computeKedaView } from '../scaling/kedaLag.js';
import { predictTimeline, type PlanInput } from '../scaling/plan.js';
import type { CaseSpec, Target } from '../targets/target.js';
import { computeAudit } from '../kafka/audit.js';
import { expectationDeadlines } from './deadlines.js';
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

/** A fresh (or reused) topic with the case's partition count. */
async function prepareTopic(admin: KafkaAdmin, d: CaseDef, topic: string, existing: string[], log: (s: string) => void): Promise<void> {
  if (d.preconditions.topic === 'fresh' && existing.includes(topic)) {
    log(`${d.name}: deleting topic ${topic} (precondition topic: fresh)`);
    await admin.deleteTopics([topic]);
    const t0 = Date.now();
    while ((await admin.listTopics()).includes(topic)) {
      if (Date.now() - t0 > 30_000) throw envError(`topic ${topic} is still being deleted after 30 s`, 'pass --run-id to use fresh names, or wait and retry');
      await sleep(300);
    }
  }
  // A topic marked for deletion cannot be re-created at once: try again for about 5 s, unless the broker is
  // unreachable or refuses us (the admin has already waited for those).
  const { created } = await retry(() => admin.ensureTopic(topic, d.partitions), {
    attempts: 11,
    backoff: { initialMs: 500, factor: 1 },
    retriable: (err) => !(err instanceof CmaError && (err.exitCode === ExitCode.USAGE || NOT_RETRIED.includes(err.code))),
  });
  const parts = await admin.partitions(topic);
  if (parts.length !== d.partitions) {
    throw envError(
      `topic ${topic} has ${parts.length} partitions, the case needs ${d.partitions}`,
      'use preconditions.topic: fresh, or --run-id for new names',
    );
  }
  if (created) log(`${d.name}: created topic ${topic} (${d.partitions} partitions)`);
}

/**
 * preconditions.deletedRecords: records written and then deleted below the log end (DeleteRecords), as retention
 * removes them: the log start moves up to the log end. They carry no sequence numbers (not part of the audit).
 */
async function writeDeletedRecords(admin: KafkaAdmin, conn: KafkaConnection, d: CaseDef, log: (s: string) => void): Promise<void> {
  const n = d.preconditions.deletedRecords;
  if (!n) return;
  if (!admin.deleteRecords) throw envError('this Kafka client cannot delete records', 'run the case with the KafkaJS client');
  await produce({ connection: conn, topic: d.topic, numRecords: n, throughput: -1, recordSize: 100 });
  await admin.deleteRecords(d.topic, await admin.partitions(d.topic));
  const ends = await admin.endOffsets(d.topic);
  log(`${d.name}: wrote ${n} records to ${d.topic} and deleted them (log start = log end: ${ends.map((e) => `${e.partition}:${e.low}`).join(' ')})`);
}

async function establishPreconditions(admin: KafkaAdmin, conn: KafkaConnection, rc: ResolvedCase, log: (s: string) => void): Promise<void> {
  const d = rc.def;
  const existing = await admin.listTopics();
  for (const topic of [d.topic, ...d.extraTopics.map((x) => x.topic)]) await prepareTopic(admin, d, topic, existing, log);
  await writeDeletedRecords(admin, conn, d, log);
  const group = d.preconditions.group;
  const allTopics = [d.topic, ...d.extraTopics.map((x) => x.topic)];
  if (group === 'never-committed') {
    const c = await admin.committedOffsets(d.group, allTopics);
    if (c.some((x) => x.offset !== null)) {
      log(`${d.name}: deleting group ${d.group} (precondition group: never-committed)`);
      await admin.deleteGroups([d.group]);
    }
    const after = await admin.committedOffsets(d.group, allTopics);
    if (after.some((x) => x.offset !== null)) {
      throw envError(`group ${d.group} still has committed offsets`, 'stop its consumers, or pass --run-id for a new group name');
    }
  } else if (group === 'committed-at-end') {
    // The topics the consumers read; an extra topic they do not read stays without commits (KEDA then does not
    // discover it when the trigger has no topic).
    for (const topic of [d.topic, ...d.consumedTopics]) {
      const ends = await admin.endOffsets(topic);
      await admin.commitOffsets(
        d.group,
        topic,
        ends.map((e) => ({ partition: e.partition, offset: e.high })),
      );
      log(`${d.name}: committed group ${d.group} at the log end of ${topic}`);
    }
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
  /** The broker outage of the case (if any), in the background beside the load; never rejects. */
  outageDone: Promise<void>;
  /** The lag read in flight (readLag), null when none. */
  lagRead: Promise<number | null> | null;
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
    outageDone: Promise.resolve(),
    lagRead: null,
  };
}

/** Seconds since the first sample. */
const elapsed = (run: CaseRun): number => (Date.now() - run.t0) / 1000;

/** Phase 1: the admin connection and the case's topic and group preconditions. Returns the connection for the load. */
async function prepareKafka(run: CaseRun): Promise<KafkaConnection> {
  const conn = await run.opts.target.connection();
  run.admin = await openAdmin(conn);
  await establishPreconditions(run.admin, conn, run.rc, run.opts.log);
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
    ...(d.consumedTopics.length ? { consumerTopics: d.consumedTopics } : {}),
    ...(d.triggerTopic ? {} : { allTopics: true }),
    kafkaReadTimeoutMs: d.kafkaReadTimeoutSeconds * 1000,
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

/**
 * Total lag as KEDA computes it from the group's offsets (on every topic the group committed to when the trigger
 * has no topic); null when unreadable. While the broker does not answer (a paused broker) a sample does not wait
 * for it: the read in flight is left to finish, no second one is started, and the sample has no lag.
 */
async function readLag(run: CaseRun): Promise<number | null> {
  run.lagRead ??= (async () => {
    const parts = await readPartitionOffsets(run.admin!, run.def.group, run.def.triggerTopic ? run.def.topic : undefined);
    return computeKedaView(parts, run.rc.settings, undefined, { allTopics: !run.def.triggerTopic }).totalLagWithPersistent;
  })()
    .catch(() => null)
    .finally(() => (run.lagRead = null));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(500, run.intervalMs * 0.8))));
  return Promise.race([run.lagRead, late]).finally(() => clearTimeout(timer));
}

/** One timeline point: the target's replicas and the lag, read together. */
async function takeSample(run: CaseRun): Promise<TimelinePoint> {
  // The point's time is when the target answered (the replicas the expectations judge), not when the lag read
  // ended, which may be later while the broker does not answer.
  const [{ s, t }, lag] = await Promise.all([run.opts.target.sample().then((s) => ({ s, t: elapsed(run) })), readLag(run)]);
  const p: TimelinePoint = {
    t: round1(t),
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

/**
 * Sends a load phase. Right after the case's outage the client can still meet what the pause left behind
 * (requests answered late or not at all, e.g. KafkaJS failing on an empty metadata answer): a phase that fails
 * then with a Kafka error is sent again, at most twice. Records of the failed attempt may be delivered twice
 * (at-least-once: the audit allows duplicates); only the attempt that succeeds counts as acknowledged.
 */
async function sendAfterOutage(run: CaseRun, phase: number, send: () => Promise<ProduceSummary>): Promise<ProduceSummary> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const afterOutage = run.events.outageEnd != null;
      if (!afterOutage || attempt >= 3 || run.loadAbort.signal.aborted || !(err instanceof CmaError) || err.exitCode !== ExitCode.ENV) throw err;
      run.opts.log(`${run.def.name}: load ${phase}: ${err.message} (after the outage); sending the phase again`);
      await sleep(1000, run.loadAbort.signal);
    }
  }
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
    // A producer cannot connect to a paused broker (the connect deadline ends it): a phase due during the
    // case's outage starts when the broker resumes, as a producer application would retry until then.
    while (!loadAbort.signal.aborted && events.outageStart != null && events.outageEnd == null) await sleep(100, loadAbort.signal);
    if (loadAbort.signal.aborted) return;
    const topic = ph.topic ?? d.topic;
    const tx = ph.transactional ? `, transactional${ph.abortEvery ? `, every ${ph.abortEvery}. aborted` : ''}` : '';
    run.opts.log(
      `${d.name}: load ${i}: ${ph.records} records at ${ph.throughput === -1 ? 'unlimited' : ph.throughput + '/s'}${topic !== d.topic ? ` to ${topic}` : ''}${tx}`,
    );
    // Records on a topic the consumers do not read are not theirs to process: no sequence numbers, no audit.
    const audited = topic === d.topic || d.consumedTopics.includes(topic);
    const send = () =>
      produce({
        connection: conn,
        topic,
        ...(ph.transactional ? { transactional: true, ...(ph.abortEvery ? { abortEvery: ph.abortEvery } : {}) } : {}),
        numRecords: ph.records,
        throughput: ph.throughput,
        recordSize: ph.recordSize,
        ...(ph.partitions ? { partitions: ph.partitions } : {}),
        ...(audited ? { sequenceStart: seq } : {}),
        signal: loadAbort.signal,
        reportIntervalMs: 1000,
        onStart: () => {
          if (events.loadStart === null) events.loadStart = round1(elapsed(run));
        },
        onReport: (r) => (run.produceRate = r.recordsPerSec),
      });
    const summary = await sendAfterOutage(run, i, send);
    run.produceRate = 0;
    if (audited) seq += ph.records;
    for (const r of summary.ackedSequences ?? []) run.acked.push([r[0], r[1]]);
    if (summary.interrupted) return;
  }
  events.loadEnd = round1(elapsed(run));
}

/**
 * The case's broker outage: `outage.after` seconds after the load started the target pauses the broker, and
 * resumes it `outage.for` seconds later (also when the load is stopped first). Events outageStart/outageEnd.
 */
async function driveOutage(run: CaseRun): Promise<void> {
  const { def: d, events, loadAbort, opts } = run;
  const o = d.outage;
  if (!o || !opts.target.pauseBroker || !opts.target.resumeBroker) return;
  while (events.loadStart === null && !loadAbort.signal.aborted) await sleep(100, loadAbort.signal);
  if (loadAbort.signal.aborted) return;
  await sleep(Math.max(0, (events.loadStart! + o.after - elapsed(run)) * 1000), loadAbort.signal);
  if (loadAbort.signal.aborted) return;
  await opts.target.pauseBroker();
  events.outageStart = round1(elapsed(run));
  opts.log(`${d.name}: broker paused at t=${events.outageStart} s for ${o.for} s`);
  try {
    await sleep(o.for * 1000, loadAbort.signal);
  } finally {
    await opts.target.resumeBroker();
    events.outageEnd = round1(elapsed(run));
    opts.log(`${d.name}: broker resumed at t=${events.outageEnd} s`);
  }
}

/** Phase 3a: the first sample (before any load), then the load (and the outage) in the background; a load error stops it. */
async function startLoad(run: CaseRun, conn: KafkaConnection): Promise<void> {
  run.t0 = Date.now();
  if (run.def.outage) Object.assign(run.events, { outageStart: null, outageEnd: null });
  await takeSample(run);
  run.loadDone = driveLoad(run, conn).catch((err) => {
    run.loadError = err;
    run.loadAbort.abort();
  });
  run.outageDone = driveOutage(run).catch((err) => {
    run.loadError ??= err;
    run.loadAbort.abort();
  });
}

const phaseOf = (events: RunEvents): string => (events.loadStart === null ? 'before load' : events.loadEnd === null ? 'load' : 'after load');

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

/** Stops the load (and resumes a paused broker) and waits until the producer has stopped. */
async function stopLoad(run: CaseRun): Promise<void> {
  run.loadAbort.abort();
  await run.outageDone;
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
  report.deadlines = expectationDeadlines(d.expectations, final, events);
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
