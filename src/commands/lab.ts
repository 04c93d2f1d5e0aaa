/** cma-demo lab up|status|down|logs: a local control plane with the real KEDA operator, its metrics adapter and the HPA controller. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { CmaError, ExitCode } from '../errors.js';
import { catchInterrupts } from '../util/interrupt.js';
import { parseDuration, parseInteger } from '../util/numbers.js';

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('a local Kubernetes control plane with the real KEDA (up|status|down|logs)')
    .addHelpText(
      'after',
      `
The lab runs etcd, kube-apiserver (with the aggregation layer), kube-controller-manager (deployment, replicaset,
HPA, garbage-collector, namespace and serviceaccount controllers) and the real KEDA operator + metrics adapter on
free loopback ports, each built once from the Go module proxy and cached in $CMA_DEMO_CACHE (first use: about
17–20 min on 2 cores; needs Go ≥ 1.24 and openssl). A pod runner written in cma-demo stands in for the kubelet:
it binds pods to its Node and runs cma-demo containers as local processes. Kafka is the local broker (local up).
State (pids, ports, logs, certificates, a kubeconfig with a token) lives in $CMA_DEMO_STATE/lab.

Examples:
  $ cma-demo lab up                           # build on first use, start, print export KUBECONFIG=…
  $ cma-demo lab status -o json               # each component's health (exit 3 when the lab is not healthy)
  $ cma-demo lab logs kafka-consumer-7d9-x2 -n keda-cma-kafka   # a pod's output
  $ cma-demo lab logs keda-operator           # a component's log
  $ cma-demo lab down                         # stop everything, remove the data`,
    );

  lab
    .command('up')
    .description('build (first use) and start the lab, or reuse the running one')
    .addOption(new Option('--hpa-sync-period <seconds>', 'kube-controller-manager --horizontal-pod-autoscaler-sync-period').default('15'))
    .action(async (flags: { hpaSyncPeriod: string }, cmd: Command) => {
      const out = outputFor(cmd);
      const sync = parseDuration(flags.hpaSyncPeriod, '--hpa-sync-period', { unit: 's', min: 1, max: 600, integer: true })!;
      const { labUp } = await import('../lab/lab.js');
      const ac = catchInterrupts({ signals: ['SIGINT', 'SIGTERM'], onFirst: () => out.info('lab: interrupted, stopping what was started… (Ctrl-C again to exit at once)') });
      const t0 = Date.now();
      try {
        const s = await labUp({ hpaSyncPeriodSeconds: sync, log: (m) => out.info(`lab: ${m}`), signal: ac.signal });
        out.info(`lab: ${s.reused ? 'already running' : `up in ${((Date.now() - t0) / 1000).toFixed(1)} s`}`);
        if (out.machine) out.document({ running: true, reused: s.reused, server: s.server, kubeconfig: s.kubeconfig, versions: s.versions, hpaSyncPeriodSeconds: s.hpaSyncPeriodSeconds, warnings: out.warnings });
        else {
          out.text(
            [
              `lab: Kubernetes ${s.versions.kube} + KEDA ${s.versions.keda} at ${s.server} (HPA sync period ${s.hpaSyncPeriodSeconds} s)`,
              `export KUBECONFIG=${s.kubeconfig}`,
            ].join('\n'),
          );
        }
      } finally {
        ac.dispose();
      }
      if (ac.signal.aborted) throw new CmaError('interrupted; nothing of the lab is left running', { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
    });

  lab
    .command('status')
    .description("each component's health (exit 3 when the lab is not running or not healthy)")
    .action(async (_o, cmd: Command) => {
      const out = outputFor(cmd);
      const { labStatus } = await import('../lab/lab.js');
      const st = await labStatus();
      if (out.machine) out.document({ ...st, warnings: out.warnings });
      else if (st.components.length) {
        const rows = st.components.map((c) => `  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.healthy ? 'healthy' : c.detail}`);
        out.text(
          [
            `lab: ${st.running ? 'running' : 'NOT healthy'} at ${st.server} (Kubernetes ${st.versions?.kube}, KEDA ${st.versions?.keda}, HPA sync ${st.hpaSyncPeriodSeconds} s)`,
            ...rows,
            `  APIService v1beta1.external.metrics.k8s.io ${st.apiService ? 'Available' : 'not Available'}`,
            `export KUBECONFIG=${st.kubeconfig}`,
          ].join('\n'),
        );
      }
      if (!st.components.length) throw new CmaError('no lab is running', { exitCode: ExitCode.ENV, code: 'LAB_NOT_RUNNING', hint: 'start one with `cma-demo lab up`' });
      if (!st.running) {
        const bad = st.components.filter((c) => !c.healthy).map((c) => `${c.name} (${c.detail}; log ${c.logFile})`);
        throw new CmaError(`the lab is not healthy: ${bad.join(', ')}`, { exitCode: ExitCode.ENV, code: 'LAB_UNHEALTHY', hint: 'restart it with `cma-demo lab down && cma-demo lab up`' });
      }
    });

  lab
    .command('down')
    .description('stop every process of the lab and remove its data')
    .action(async (_o, cmd: Command) => {
      const out = outputFor(cmd);
      const { labDown } = await import('../lab/lab.js');
      const stopped = await labDown({ log: (m) => out.info(`lab: ${m}`) });
      if (!stopped) out.info('lab: none was running');
      if (out.machine) out.document({ stopped, warnings: out.warnings });
    });

  lab
    .command('logs')
    .description("print a pod's output (or a component's log: etcd, kube-apiserver, kube-controller-manager, keda-operator, keda-adapter, pod-runner)")
    .argument('<name>', 'pod name, or component name')
    .option('--tail <lines>', 'only the last N lines')
    .action(async (name: string, flags: { tail?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const { labLogFile } = await import('../lab/lab.js');
      const file = labLogFile(name, g.namespace ?? 'keda-cma-kafka');
      let text = fs.readFileSync(file, 'utf8');
      if (flags.tail !== undefined) {
        const n = parseInteger(flags.tail, '--tail', { example: '50' })!;
        text = text.split('\n').slice(-(n + 1)).join('\n');
      }
      process.stdout.write(text);
    });

  lab
    .command('pod-runner', { hidden: true })
    .description('the pod runner process (started by lab up)')
    .action(async () => {
      const { runPodRunnerDaemon } = await import('../lab/podRunnerMain.js');
      await runPodRunnerDaemon();
    });
}
