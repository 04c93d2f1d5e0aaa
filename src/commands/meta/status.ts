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
    .action(bind(async () => (await import('../status.js')).statusAction));
}
