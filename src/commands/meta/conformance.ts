/** cma-demo conformance: the emulator against the real KEDA. Light metadata: options and help; the implementation (../conformance.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import type { Bind } from '../action.js';

export function registerConformance(program: Command, bind: Bind): void {
  const cmd = program
    .command('conformance')
    .argument('<cases...>', 'case names (see run --list), scenario file paths, or all')
    .description('run each case on the local target (emulator) and on a cluster (the real KEDA + HPA, the lab by default) and compare the timelines')
    .addOption(new Option('--fast [factor]', 'divide durations, record counts and lagThreshold by F (default 5), as run does'))
    .addOption(new Option('--run-id <id>', 'suffix topic, group and ScaledObject names (parallel CI runs)').env('CMA_DEMO_RUN_ID'))
    .option('--report-dir <dir>', 'write conformance.json and conformance.html (the two runs and plan overlaid, one chart a case)')
    .option('--keep-broker', 'local target: keep a broker this command started')
    .addOption(new Option('--sample-interval <ms>', 'timeline sampling interval').default('1000').hideHelp())
    .addOption(
      new Option('--against <target>', 'what the second run uses: cluster (default) or local (tests the command without a cluster)')
        .choices(['cluster', 'local'])
        .hideHelp(),
    )
    .addHelpText(
      'after',
      `
Each case runs twice, one run after the other: first on the local target (local broker, consumer processes, the
KEDA + HPA emulator), then on the cluster of the last setup (-n/--context/--kubeconfig as for run; the lab after
\`cma-demo lab up && cma-demo setup --kafka local\`). \`plan\`'s prediction for the same settings and load is
computed beside them. Compared, in seconds after each run's load started: activation, the time each replica
count was reached, the peak (must be equal), each step down, the lag's drain and the return to 0 (or
minReplicaCount). Tolerance: one pollingInterval plus one HPA sync period (the lab's, from its state; the
emulator's for the local run). --target does not apply: both targets run.

Exit: 0 every case agrees within tolerance (skipped allowed) · 1 a case disagrees · 2 usage · 3 environment
(cluster, Kafka) · 130 interrupted.

Examples:
  $ cma-demo lab up --hpa-sync-period 3 && cma-demo setup --kafka local
  $ cma-demo conformance case1 case2 --fast                  # table per case
  $ cma-demo conformance case1 case2 --fast -o json          # both timelines, plan, comparisons, verdict
  $ cma-demo conformance case3 --fast --report-dir out/      # conformance.json + conformance.html`,
    );
  cmd.action(bind(async () => (await import('../conformance.js')).conformanceAction));
}
