/** cma-demo status: the doctor of the cluster side. Light metadata: options and help; the implementation (../status.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { DEMO_DEFAULTS } from '../../demoDefaults.js';
import type { Bind } from '../action.js';

export function registerStatus(program: Command, bind: Bind): void {
  program
    .command('status')
    .description('check the cluster side (doctor): tools, login, permissions, operators, KEDA, Kafka, consumer, ScaledObject, HPA')
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes').default('auto'))
    .addOption(new Option('--kafka-cluster <name>', `Kafka cluster [default: the last setup's, else ${DEMO_DEFAULTS.kafkaCluster}]`))
    .addOption(new Option('--kafka-user <name>', `KafkaUser [default: the last setup's, else ${DEMO_DEFAULTS.kafkaUser}]`))
    .addOption(new Option('--topic <name>', `topic [default: the last setup's, else ${DEMO_DEFAULTS.topic}]`))
    .addOption(new Option('--audit-topic <name>', `audit topic [default: the last setup's, else ${DEMO_DEFAULTS.auditTopic}]`))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'))
    .addHelpText(
      'after',
      `
One line a check (ok / MISSING / …) with a hint under each red line; reads only, changes nothing.
Exit: 0 everything in place · 3 something is missing or the cluster cannot be reached.

Examples:
  $ cma-demo status                                      # the last setup's cluster and namespace
  $ cma-demo status -n my-demo --context prod
  $ cma-demo -o json status | jq '.checks[] | select(.state != "ok")'`,
    )
    .action(bind(async () => (await import('../status.js')).statusAction));
}
