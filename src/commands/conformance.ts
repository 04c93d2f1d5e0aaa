/**
 * cma-demo conformance: each case on the local target (the emulator decides) and then on a cluster (the real KEDA
 * and HPA decide; the lab by default), one after the other, with `plan`'s prediction beside them; the timelines'
 * landmarks compared within one pollingInterval plus one HPA sync. Thin: parse, run (scenarios/runner.ts),
 * compare (scenarios/conformance.ts), render (scenarios/conformanceReport.ts). Options and help: meta/conformance.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { combineExitCodes, envError, ExitCode, usageError } from '../errors.js';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { applyProfile, parseFast, type ResolvedCase } from '../scenarios/fast.js';
import { expandCases, loadScenarioFile, resolveScenarioArgs } from '../scenarios/loader.js';
import { notRunReport, predictionFor, runCase } from '../scenarios/runner.js';
import type { CaseReport } from '../scenarios/report.js';
import { quietSeconds } from '../scenarios/conformance.js';
import {
  conformanceCase,
  overallVerdict,
  renderConformanceHtml,
  renderConformanceText,
  type ConformanceCase,
  type ConformanceReport,
  type SyncSource,
} from '../scenarios/conformanceReport.js';
import { createClusterTarget } from '../targets/cluster.js';
import { LocalTarget } from '../targets/local.js';
import type { Target } from '../targets/target.js';
import { resolveClusterTarget, type ResolvedClusterTarget } from '../state/resolveTarget.js';
import { LiveView } from '../ui/live.js';
import { catchInterrupts } from '../util/interrupt.js';
import { parseDuration } from '../util/numbers.js';
import { VERSION } from '../version.js';

interface ConformanceFlags {
  fast?: string | boolean;
  runId?: string;
  reportDir?: string;
  keepBroker?: boolean;
  sampleInterval: string;
  against?: string;
}

/**
 * kube-controller-manager's default --horizontal-pod-autoscaler-sync-period (kubernetes
 * pkg/controller/podautoscaler/config/v1alpha1/defaults.go, RecommendedDefaultHPAControllerConfiguration: 15 s),
 * assumed for a cluster that is not the lab.
 */
const KUBE_DEFAULT_HPA_SYNC_SECONDS = 15;

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * The cluster side's HPA sync period: the lab's when the target's API server is the lab's (ClusterTarget.versions()
 * says so, from the lab state), else kube-controller-manager's default.
 */
async function clusterSync(target: Target): Promise<{ seconds: number; source: SyncSource; versions: Record<string, string> }> {
  const versions = await target.versions().catch(() => ({}) as Record<string, string>);
  const lab = Number(versions.hpaSyncPeriodSeconds);
  return Number.isFinite(lab) && lab > 0 ? { seconds: lab, source: 'lab', versions } : { seconds: KUBE_DEFAULT_HPA_SYNC_SECONDS, source: 'default', versions };
}

/** Runs the cases on both sides and compares them; exit 0 agree, 1 a case disagrees, 3/130 as run. */
export async function conformanceAction(cases: string[], flags: ConformanceFlags, c: Command): Promise<number> {
  const out = outputFor(c);
  const g = globalsOf(c);
  if (!cases.length) throw usageError('name the cases to compare', 'e.g. cma-demo conformance case1 case2 --fast');
  if (flags.runId !== undefined && !/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(flags.runId)) {
    throw usageError(
      `--run-id "${flags.runId}" is not usable in Kafka and Kubernetes names`,
      'use lower-case letters, digits and dashes, at most 32 characters',
    );
  }
  const against = (flags.against ?? 'cluster') as 'cluster' | 'local';
  const profile = parseFast(flags.fast);
  const sampleIntervalMs = parseDuration(flags.sampleInterval, '--sample-interval', { unit: 'ms', min: 1, integer: true })!;

  // Everything is validated before a target is touched.
  const resolved: ResolvedCase[] = [];
  for (const f of resolveScenarioArgs(cases)) for (const d of expandCases(loadScenarioFile(f), f, flags.runId)) resolved.push(applyProfile(d, profile));

  let coords: ResolvedClusterTarget | null = null;
  if (against === 'cluster') {
    coords = resolveClusterTarget(g);
    if (!coords.lastSetup && !coords.kubeconfig && !coords.context) {
      throw envError(
        'no cluster to compare against: no setup is recorded, and neither --kubeconfig nor --context (nor KUBECONFIG) names one',
        'start the lab and set it up: cma-demo lab up && cma-demo setup --kafka local; or pass --kubeconfig/--context of a cluster set up with cma-demo setup',
        'NO_CLUSTER',
      );
    }
  }
  const where = coords
    ? `the cluster${coords.context ? ` (context ${coords.context})` : ''}, namespace ${coords.namespace}`
    : 'the local target again (--against local)';
  out.info(
    `conformance: target local, then ${where}; ${resolved.length} case(s), ${profile.fast ? `--fast F = ${profile.factor}` : 'real time'}${flags.runId ? `, run id ${flags.runId}` : ''}`,
  );
  if (g.target) out.info(`conformance: --target ${g.target} does not apply: every case runs on both targets`);

  const log = (s: string) => out.info(s);
  const warn = (code: string, m: string) => out.warn(code, m);
  const newLocal = (): LocalTarget =>
    new LocalTarget({
      keepBroker: Boolean(flags.keepBroker),
      log,
      warn,
      faults: { noCommit: false },
    });
  const local = newLocal();
  const targets: Target[] = [local];
  const abort = catchInterrupts({
    onFirst: () => out.info('conformance: interrupted: stopping the load, restoring the targets, writing the partial report (Ctrl-C again to stop at once)'),
    onSecond: () => {
      for (const t of targets) {
        for (const pid of (t as Partial<LocalTarget>).consumerPids?.() ?? []) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    },
  });
  const live = new LiveView(out.stderr, out.stderrIsTTY, out.color);
  const codes: number[] = [];
  const results: ConformanceCase[] = [];
  const startedAt = new Date().toISOString();
  const versions: ConformanceReport['versions'] = { local: { 'cma-demo': VERSION }, cluster: {} };
  const otherLabel = against === 'cluster' ? 'cluster' : 'local (again)';
  try {
    // The second local target reuses the broker the first one started (or found); it is closed before the first.
    const other: Target = against === 'cluster' ? await createClusterTarget({ ...coords!, log, warn }) : newLocal();
    targets.push(other);
    let sync: { seconds: number; source: SyncSource } | null = null;
    if (against === 'cluster') {
      const cs = await clusterSync(other);
      sync = { seconds: cs.seconds, source: cs.source };
      out.info(
        cs.source === 'lab'
          ? `conformance: the cluster is the cma-demo lab (KEDA ${cs.versions.keda ?? '?'}, HPA sync period ${cs.seconds} s)`
          : `conformance: the cluster is not the cma-demo lab: its HPA sync period is taken as the upstream default, ${cs.seconds} s`,
      );
    }
    for (const rc of resolved) {
      const d = rc.def;
      const emulatorSync = d.hpa.syncSeconds;
      const otherSync = sync ?? { seconds: emulatorSync, source: 'emulator' as const };
      if (sync && sync.seconds !== emulatorSync) {
        warn(
          'HPA_SYNC_DIFFERS',
          `${d.name}: the cluster's HPA sync period is ${sync.seconds} s (${sync.source === 'lab' ? "the lab's" : 'assumed, the upstream default'}), the emulator's ${emulatorSync} s${profile.fast ? ` (15 s / F ${profile.factor})` : ''}: the tolerance uses the longer, and the step times may differ by up to the difference; start the lab with --hpa-sync-period ${emulatorSync} to match`,
        );
      }
      // Both runs sample until the timeline has its whole shape, whenever their expectations are decided.
      const floor = rc.settings.idleReplicaCount ?? rc.settings.minReplicaCount;
      const settle = { replicas: floor, quietSeconds: quietSeconds(rc.settings, Math.max(emulatorSync, otherSync.seconds), d.hpa.downscaleWindowSeconds) };
      const runOn = async (target: Target, label: string): Promise<CaseReport> => {
        if (abort.signal.aborted) return notRunReport(rc, 'skipped', 'not run: interrupted');
        out.info(`conformance: ${d.name} on ${label}`);
        const r = await runCase(rc, {
          target,
          signal: abort.signal,
          sampleIntervalMs,
          log,
          warn,
          settle,
          onSample: (s) => live.update(s),
          ...(flags.reportDir ? { reportDir: path.join(flags.reportDir, label.replace(/\W+/g, '-')) } : {}),
        });
        live.done();
        const { exitCode, ...rep } = r;
        // A case's own expectations are not the question here (its runs may fail them alike); errors are.
        if (exitCode !== ExitCode.OK && exitCode !== ExitCode.FAILED) codes.push(exitCode);
        if (rep.verdict === 'fail')
          warn('CASE_FAILED', `${d.name} on ${label}: the case's own expectations failed (${rep.reason}); its timeline is compared all the same`);
        out.info(`conformance: ${d.name} on ${label}: ${rep.verdict.toUpperCase()}${rep.reason ? ` — ${rep.reason}` : ''}`);
        return rep;
      };
      const localRep = await runOn(local, 'local');
      const otherRep = await runOn(other, otherLabel);
      const cc = conformanceCase({
        baseline: d.preconditions.replicas,
        floor,
        prediction: predictionFor(rc),
        load: d.load,
        local: { report: localRep, label: 'local', target: 'local', hpaSyncSeconds: emulatorSync, hpaSyncSource: 'emulator' },
        cluster: { report: otherRep, label: otherLabel, target: other.kind, hpaSyncSeconds: otherSync.seconds, hpaSyncSource: otherSync.source },
      });
      results.push(cc);
      out.info(`conformance: ${d.name}: ${cc.verdict.toUpperCase()}${cc.reason && cc.verdict !== 'agree' ? ` — ${cc.reason}` : ''}`);
    }
    for (const [i, t] of targets.entries()) {
      if (abort.signal.aborted) break;
      try {
        Object.assign(i === 0 ? versions.local : versions.cluster, await t.versions());
      } catch {
        /* versions are best effort */
      }
    }
  } finally {
    for (const t of [...targets].reverse()) {
      try {
        await t.close();
      } catch (err) {
        out.warn('TARGET_CLOSE', `closing the ${t.kind} target failed: ${(err as Error).message}`);
        codes.push(ExitCode.ENV);
      }
    }
    abort.dispose();
  }
  const interrupted = abort.signal.aborted;
  if (interrupted) codes.push(ExitCode.INTERRUPTED);
  if (results.some((r) => r.verdict === 'disagree')) codes.push(ExitCode.FAILED);
  if (results.length && results.every((r) => r.verdict === 'skipped')) out.warn('NOTHING_COMPARED', 'every case was skipped on one side: nothing was compared');

  const verdict = overallVerdict(results, interrupted);
  const report: ConformanceReport = {
    command: 'conformance',
    against,
    profile,
    versions,
    agreed: verdict === 'agree',
    verdict,
    cases: results,
    warnings: out.warnings,
    startedAt,
    runId: flags.runId ?? null,
    interrupted,
  };
  if (flags.reportDir) {
    writeFile(path.join(flags.reportDir, 'conformance.json'), JSON.stringify(report, null, 2) + '\n');
    writeFile(path.join(flags.reportDir, 'conformance.html'), renderConformanceHtml(report));
    out.info(`conformance: wrote ${path.join(flags.reportDir, 'conformance.json')} and conformance.html`);
  }
  if (out.machine) out.document(report);
  else out.text(renderConformanceText(report));
  return combineExitCodes(codes);
}
