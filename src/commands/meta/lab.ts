/** cma-demo lab up|status|down|logs: light metadata (options, help); the implementation (../lab.ts) loads when a subcommand runs. */
import { type Command, Option } from 'commander';
import type { Bind } from '../action.js';

export function registerLab(program: Command, bind: Bind): void {
  const lab = program
    .command('lab')
    .description('a local Kubernetes control plane with the real KEDA (up|status|down|logs)')
    .addHelpText(
      'after',
      `
The lab runs etcd, kube-apiserver (with the aggregation layer), kube-controller-manager (deployment, replicaset,
HPA, garbage-collector, namespace and serviceaccount controllers) and the real KEDA operator + metrics adapter on
free loopback ports, each built once from the Go module proxy and cached in $CMA_DEMO_CACHE (first use: about
11–16 min on 2 cores; needs Go ≥ 1.24 and openssl). A pod runner written in cma-demo stands in for the kubelet:
it binds pods to its Node and runs cma-demo containers as local processes, or with --pods containers as real
podman containers of the pod's image (host network, pull policy Never). Kafka is the local broker (local up).
State (pids, ports, logs, certificates, a kubeconfig with a token) lives in $CMA_DEMO_STATE/lab.

Examples:
  $ cma-demo lab up                           # build on first use, start, print export KUBECONFIG=…
  $ cma-demo lab up --pods containers         # pods as podman containers of their image
  $ cma-demo lab status -o json               # each component's health (exit 3 when the lab is not healthy)
  $ cma-demo lab logs kafka-consumer-7d9-x2 -n keda-cma-kafka   # a pod's output
  $ cma-demo lab logs keda-operator           # a component's log
  $ cma-demo lab down                         # stop everything, remove the data`,
    );

  lab
    .command('up')
    .description('build (first use) and start the lab, or reuse the running one')
    .addOption(new Option('--hpa-sync-period <seconds>', 'kube-controller-manager --horizontal-pod-autoscaler-sync-period').default('15'))
    .addOption(
      new Option('--pods <mode>', "run pods as local processes, or as podman containers of the pod's image (build it first: cma-demo image build)")
        .choices(['processes', 'containers'])
        .default('processes'),
    )
    .action(bind(async () => (await import('../lab.js')).labUpAction));

  lab
    .command('status')
    .description("each component's health (exit 3 when the lab is not running or not healthy)")
    .action(bind(async () => (await import('../lab.js')).labStatusAction));

  lab
    .command('down')
    .description('stop every process of the lab and remove its data')
    .action(bind(async () => (await import('../lab.js')).labDownAction));

  lab
    .command('logs')
    .description("print a pod's output (or a component's log: etcd, kube-apiserver, kube-controller-manager, keda-operator, keda-adapter, pod-runner)")
    .argument('<name>', 'pod name, or component name')
    .option('--tail <lines>', 'only the last N lines')
    .action(bind(async () => (await import('../lab.js')).labLogsAction));

  lab
    .command('pod-runner', { hidden: true })
    .description('the pod runner process (started by lab up)')
    .action(bind(async () => (await import('../lab.js')).labPodRunnerAction));
}
