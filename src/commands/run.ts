/** cma-demo run: scripted scaling cases with a verdict and reports (JSON, JUnit, HTML chart). Thin: parse, call, render. */
import type { Command } from 'commander';
import { globalsOf, type GlobalOptions } from '../options.js';
import { parseSaslMechanism, parseSecurityProtocol, resolveConnection, type ConnectionFlags } from '../kafka/connection.js';
import { VERSION } from '../version.js';
import { outputFor } from '../output.js';
import { combineExitCodes, ExitCode, usageError } from '../errors.js';
import { applyProfile, parseFast, type ResolvedCase } from '../scenarios/fast.js';
import { checkReportPaths, writeReportFiles, type ReportPaths } from '../scenarios/reportFiles.js';
import { usableCacheDir, usableStateDir } from '../paths.js';
import { expandCases, listCatalogue, loadScenarioFile, resolveScenarioArgs } from '../scenarios/loader.js';
import { renderText, runPassed, type CaseReport, type RunReport } from '../scenarios/report.js';
import { notRunReport, runCase } from '../scenarios/runner.js';
import { LocalTarget } from '../targets/local.js';
import { createClusterTarget } from '../targets/cluster.js';
import type { Target } from '../targets/target.js';
import { LiveView } from '../ui/live.js';
import { catchInterrupts } from '../util/interrupt.js';
import { parseDuration, parseInteger } from '../util/numbers.js';
import { chooseTargetKind, resolveClusterTarget } from '../state/resolveTarget.js';

interface RunFlags extends ConnectionFlags {
  list?: boolean;
  fast?: string | boolean;
  runId?: string;
  junit?: string;
  reportDir?: string;
  keepBroker?: boolean;
  sampleInterval: string;
  faultNoCommit?: boolean;
  faultDropEvery?: string;
  faultSigkillAfterAudits?: string;
}

const reportPaths = (flags: RunFlags): ReportPaths => ({
  ...(flags.reportDir ? { reportDir: flags.reportDir } : {}),
  ...(flags.junit ? { junit: flags.junit } : {}),
});

async function makeTarget(
  kind: 'local' | 'cluster',
  flags: RunFlags,
  g: GlobalOptions,
  log: (s: string) => void,
  warn: (c: string, m: string) => void,
): Promise<Target> {
  if (kind === 'local') {
    const faults = {
      noCommit: Boolean(flags.faultNoCommit),
      ...(flags.faultDropEvery ? { dropEvery: parseInteger(flags.faultDropEvery, '--fault-drop-every', { min: 1 })! } : {}),
      ...(flags.faultSigkillAfterAudits
        ? { sigkillAfterAudits: parseInteger(flags.faultSigkillAfterAudits, '--fault-sigkill-after-audits', { min: 1 })! }
        : {}),
    };
    return new LocalTarget({ keepBroker: Boolean(flags.keepBroker), log, warn, faults, kafka: connectionFlagsOf(flags) }); // its cma-run-* temp dir is removed when it closes
  }
  // Connection options replace the discovered external listener for the producer and the lag monitor.
  const kafka = flags.bootstrapServer || flags.commandConfig ? () => resolveConnection(connectionFlagsOf(flags)) : undefined;
  // The cluster target: oc/kubectl + the real KEDA, through the same interface. Namespace, context and names
  // follow the one precedence of state/resolveTarget.ts (flags > env > last setup > DEMO_DEFAULTS).
  return createClusterTarget({ ...resolveClusterTarget(g), log, warn, ...(kafka ? { kafka } : {}) });
}

/** The Kafka connection options of run (commander fills them from their CMA_DEMO_* twins too). */
function connectionFlagsOf(flags: RunFlags): ConnectionFlags {
  const out: ConnectionFlags = {};
  for (const k of ['bootstrapServer', 'securityProtocol', 'saslMechanism', 'username', 'passwordFile', 'caFile', 'commandConfig'] as const) {
    if (flags[k]) out[k] = flags[k];
  }
  return out;
}

/**
 * Connection options are checked before any work: a protocol or mechanism that does not exist exits 2; on the
 * cluster target, options without a Kafka to apply them to exit 2 rather than being ignored (the discovered listener
 * brings its own protocol and credentials).
 */
function checkConnectionFlags(flags: RunFlags, kind: 'local' | 'cluster'): void {
  if (flags.securityProtocol) parseSecurityProtocol(flags.securityProtocol, '--security-protocol (or CMA_DEMO_SECURITY_PROTOCOL)');
  if (flags.saslMechanism) parseSaslMechanism(flags.saslMechanism, '--sasl-mechanism (or CMA_DEMO_SASL_MECHANISM)');
  if (kind !== 'cluster' || flags.bootstrapServer || flags.commandConfig) return;
  const given = (['securityProtocol', 'saslMechanism', 'username', 'passwordFile', 'caFile'] as const).filter((k) => flags[k]);
  if (given.length) {
    const names = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
    throw usageError(
      `${names.join(', ')} (or the CMA_DEMO_* twin) given with --target cluster but no --bootstrap-server: the cluster's external listener is discovered with its own protocol and credentials`,
      'add --bootstrap-server (or --command-config with bootstrap.servers) to use another listener, or drop the option',
      'CONNECTION_WITHOUT_KAFKA',
    );
  }
}

/** Runs the cases; the exit code combines theirs: 130, then 3, then 1. */
export async function runAction(cases: string[], flags: RunFlags, c: Command): Promise<number | void> {
  const out = outputFor(c);
  const g = globalsOf(c);

  if (flags.list) {
    const entries = listCatalogue();
    if (out.machine)
      out.document({
        cases: entries.map((e) => ({ name: e.name, summary: e.summary, targets: e.targets, variants: e.variants, file: e.file })),
        warnings: out.warnings,
      });
    else {
      const w = Math.max(...entries.map((e) => e.name.length));
      for (const e of entries) {
        const where = e.targets.includes('local') ? (e.targets.includes('cluster') ? '' : ' [local only]') : ' [cluster only]';
        const variants = e.variants.length ? ` [variants: ${e.variants.join(', ')}]` : '';
        out.text(`${e.name.padEnd(w)}  ${e.summary}${where}${variants}`);
      }
    }
    return;
  }
  if (!cases.length) throw usageError('name the cases to run', 'e.g. cma-demo run case1, cma-demo run all, or cma-demo run --list');
  if (flags.runId !== undefined && !/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(flags.runId)) {
    throw usageError(
      `--run-id "${flags.runId}" is not usable in Kafka and Kubernetes names`,
      'use lower-case letters, digits and dashes, at most 32 characters',
    );
  }
  const profile = parseFast(flags.fast);
  const sampleIntervalMs = parseDuration(flags.sampleInterval, '--sample-interval', { unit: 'ms', min: 1, integer: true })!;

  // Everything is validated before the target is touched.
  const files = resolveScenarioArgs(cases);
  const resolved: ResolvedCase[] = [];
  for (const f of files) for (const d of expandCases(loadScenarioFile(f), f, flags.runId)) resolved.push(applyProfile(d, profile));
  const choice = chooseTargetKind(g);
  const targetKind = choice.kind;
  checkConnectionFlags(flags, targetKind);
  // Every folder the run writes to is checked before anything is produced: exit 3 naming the path and its flag/variable.
  checkReportPaths(reportPaths(flags));
  if (targetKind === 'local') {
    usableStateDir();
    usableCacheDir();
  }

  out.info(
    `run: target ${targetKind}${g.target ? '' : ` (${choice.reason})`}, ${resolved.length} case(s), ${profile.fast ? `--fast F = ${profile.factor}` : 'real time'}${flags.runId ? `, run id ${flags.runId}` : ''}`,
  );
  const log = (s: string) => out.info(s);
  const warn = (code: string, m: string) => out.warn(code, m);
  const target = await makeTarget(targetKind, flags, g, log, warn);

  const abort = catchInterrupts({
    onFirst: () => out.info('run: interrupted: stopping the load, restoring the target, writing the partial report (Ctrl-C again to stop at once)'),
    onSecond: () => {
      for (const pid of (target as Partial<LocalTarget>).consumerPids?.() ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  });
  const live = new LiveView(out.stderr, out.stderrIsTTY, out.color);
  const reports: CaseReport[] = [];
  const codes: number[] = [];
  const startedAt = new Date().toISOString();
  let versions: Record<string, string> = { 'cma-demo': VERSION };
  try {
    for (const rc of resolved) {
      if (abort.signal.aborted) {
        reports.push(notRunReport(rc, 'skipped', 'not run: interrupted'));
        continue;
      }
      out.info(`run: ${rc.def.name}: ${rc.def.description.split('\n')[0]!.slice(0, 160)}`);
      const r = await runCase(rc, {
        target,
        signal: abort.signal,
        sampleIntervalMs,
        log,
        warn,
        onSample: (s) => live.update(s),
        ...(flags.reportDir ? { reportDir: flags.reportDir } : {}),
      });
      live.done();
      const { exitCode, ...rep } = r;
      reports.push(rep);
      codes.push(exitCode);
      out.info(`run: ${rc.def.name}: ${rep.verdict.toUpperCase()}${rep.reason ? ` — ${rep.reason}` : ''}`);
    }
    try {
      versions = { ...versions, ...(await target.versions()) };
    } catch {
      /* versions are best effort */
    }
  } finally {
    try {
      await target.close();
    } catch (err) {
      out.warn('TARGET_CLOSE', `closing the ${targetKind} target failed: ${(err as Error).message}`);
      codes.push(ExitCode.ENV);
    }
    abort.dispose();
  }
  if (abort.signal.aborted) codes.push(ExitCode.INTERRUPTED);

  const report: RunReport = {
    target: targetKind,
    profile,
    versions,
    passed: runPassed(reports) && !abort.signal.aborted,
    cases: reports,
    warnings: out.warnings,
    startedAt,
    interrupted: abort.signal.aborted,
    runId: flags.runId ?? null,
  };
  // The verdict first: a report that cannot be written must not hide it.
  if (out.machine) out.document(report);
  else out.text(renderText(report));
  const written = writeReportFiles(report, reportPaths(flags));
  if (written.written.length) out.info(`run: wrote ${written.written.join(', ')}`);
  if (written.error) throw written.error;
  return combineExitCodes(codes);
}
