/** cma-demo run: scripted scaling cases with a verdict and reports. Light metadata: options and help; the implementation (../run.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions } from '../../options.js';
import type { Bind } from '../action.js';

export function registerRun(program: Command, bind: Bind): void {
  const cmd = program
    .command('run')
    .argument('[cases...]', 'case names (see --list), scenario file paths, or all')
    .description('run scripted scaling cases with a verdict and reports (JSON, JUnit, HTML chart)')
    .option('--list', 'list the cases of the catalogue (name and one line each)')
    .addOption(new Option('--fast [factor]', 'divide durations, record counts and lagThreshold by F (default 5); rates, activation and partitions stay'))
    .addOption(new Option('--run-id <id>', 'suffix topic, group and ScaledObject names (parallel CI runs)').env('CMA_DEMO_RUN_ID'))
    .option('--junit <file>', 'write JUnit XML (one testcase per case)')
    .option('--report-dir <dir>', 'write report.json and report.html (chart of lag, replicas, desired replicas, activity, plan prediction)')
    .option('--keep-broker', 'local target: keep a broker this run started')
    .addOption(new Option('--sample-interval <ms>', 'timeline sampling interval').default('1000').hideHelp())
    .addOption(new Option('--fault-no-commit', 'fault injection: consumers never commit').hideHelp())
    .addOption(new Option('--fault-drop-every <n>', 'fault injection: consumers leave every n-th record out of the audit').hideHelp())
    .addOption(
      new Option(
        '--fault-sigkill-after-audits <n>',
        'fault injection: the first consumer SIGKILLs itself after its n-th audit write, before committing',
      ).hideHelp(),
    );
  // Kafka connection options, as produce/lag/consume: on the local target they name a Kafka to run against instead of
  // the local broker (or its SASL listener with --security-protocol SASL_PLAINTEXT); on the cluster target they
  // replace the discovered external listener for the producer and the lag monitor.
  addKafkaOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Exit: 0 when no case failed or errored (skipped allowed); otherwise 130 (interrupted), then 3 (environment), then 1 (a case failed).
Ctrl-C stops the load, restores what was patched, writes the partial report and exits 130.

Examples:
  $ cma-demo run --list
  $ cma-demo run case2 --target local --fast --report-dir out/ --junit out/junit.xml
  $ cma-demo run all --target local --junit out.xml                 # the CI step
  $ cma-demo run ./my-case.yaml --run-id "$CI_JOB_ID" -o json
  $ cma-demo run case1 --target local --security-protocol SASL_PLAINTEXT   # the local broker's SCRAM listener`,
  );
  cmd.action(bind(async () => (await import('../run.js')).runAction));
}
