/** cma-demo lab up|status|down|logs (actions; options and help in meta/lab.ts): a local control plane with the real KEDA operator, its metrics adapter and the HPA controller. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { CmaError, ExitCode } from '../errors.js';
import { catchInterrupts } from '../util/interrupt.js';
import { parseDuration, parseInteger } from '../util/numbers.js';

/** Build (first use) and start the lab; exit 130 when interrupted (nothing left running). */
export async function labUpAction(flags: { hpaSyncPeriod: string; pods: 'processes' | 'containers' }, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const sync = parseDuration(flags.hpaSyncPeriod, '--hpa-sync-period', { unit: 's', min: 1, max: 600, integer: true })!;
  const { labUp } = await import('../lab/lab.js');
  const ac = catchInterrupts({
    signals: ['SIGINT', 'SIGTERM'],
    onFirst: () => out.info('lab: interrupted, stopping what was started… (Ctrl-C again to exit at once)'),
  });
  const t0 = Date.now();
  try {
    const s = await labUp({ hpaSyncPeriodSeconds: sync, pods: flags.pods, log: (m) => out.info(`lab: ${m}`), signal: ac.signal });
    out.info(`lab: ${s.reused ? 'already running' : `up in ${((Date.now() - t0) / 1000).toFixed(1)} s`}`);
    if (out.machine)
      out.document({
        running: true,
        reused: s.reused,
        server: s.server,
        kubeconfig: s.kubeconfig,
        versions: s.versions,
        hpaSyncPeriodSeconds: s.hpaSyncPeriodSeconds,
        pods: s.pods,
        warnings: out.warnings,
      });
    else {
      out.text(
        [
          `lab: Kubernetes ${s.versions.kube} + KEDA ${s.versions.keda} at ${s.server} (HPA sync period ${s.hpaSyncPeriodSeconds} s, pods as ${s.pods === 'containers' ? 'podman containers' : 'local processes'})`,
          `export KUBECONFIG=${s.kubeconfig}`,
        ].join('\n'),
      );
    }
  } finally {
    ac.dispose();
  }
  if (ac.signal.aborted) throw new CmaError('interrupted; nothing of the lab is left running', { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
}

/** Each component's health; exit 3 when the lab is not running or not healthy. */
export async function labStatusAction(_o: unknown, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const { labStatus } = await import('../lab/lab.js');
  const st = await labStatus();
  if (out.machine) out.document({ ...st, warnings: out.warnings });
  else if (st.components.length) {
    const rows = st.components.map((c) => `  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.healthy ? 'healthy' : c.detail}`);
    out.text(
      [
        `lab: ${st.running ? 'running' : 'NOT healthy'} at ${st.server} (Kubernetes ${st.versions?.kube}, KEDA ${st.versions?.keda}, HPA sync ${st.hpaSyncPeriodSeconds} s, pods as ${st.pods})`,
        ...rows,
        `  APIService v1beta1.external.metrics.k8s.io ${st.apiService ? 'Available' : 'not Available'}`,
        `export KUBECONFIG=${st.kubeconfig}`,
      ].join('\n'),
    );
  }
  if (!st.components.length)
    throw new CmaError('no lab is running', { exitCode: ExitCode.ENV, code: 'LAB_NOT_RUNNING', hint: 'start one with `cma-demo lab up`' });
  if (!st.running) {
    const bad = st.components.filter((c) => !c.healthy).map((c) => `${c.name} (${c.detail}; log ${c.logFile})`);
    throw new CmaError(`the lab is not healthy: ${bad.join(', ')}`, {
      exitCode: ExitCode.ENV,
      code: 'LAB_UNHEALTHY',
      hint: 'restart it with `cma-demo lab down && cma-demo lab up`',
    });
  }
}

/** Stop every process of the lab and remove its data. */
export async function labDownAction(_o: unknown, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const { labDown } = await import('../lab/lab.js');
  const stopped = await labDown({ log: (m) => out.info(`lab: ${m}`) });
  if (!stopped) out.info('lab: none was running');
  if (out.machine) out.document({ stopped, warnings: out.warnings });
}

/** A pod's output or a component's log. */
export async function labLogsAction(name: string, flags: { tail?: string }, cmd: Command): Promise<void> {
  const g = globalsOf(cmd);
  const { labLogFile } = await import('../lab/lab.js');
  const file = labLogFile(name, g.namespace ?? DEMO_DEFAULTS.namespace);
  let text = fs.readFileSync(file, 'utf8');
  if (flags.tail !== undefined) {
    const n = parseInteger(flags.tail, '--tail', { example: '50' })!;
    text = text
      .split('\n')
      .slice(-(n + 1))
      .join('\n');
  }
  process.stdout.write(text);
}

/** The pod runner process (started by lab up). */
export async function labPodRunnerAction(): Promise<void> {
  const { runPodRunnerDaemon } = await import('../lab/podRunnerMain.js');
  await runPodRunnerDaemon();
}
