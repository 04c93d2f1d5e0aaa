/** cma-demo check: a lint of a ScaledObject before `oc apply`, a CI gate. Light metadata: options and help; the implementation (../check.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions } from '../../options.js';
import type { Bind } from '../action.js';

export function registerCheck(program: Command, bind: Bind): void {
  const cmd = program
    .command('check')
    .argument('[name]', "the ScaledObject on the cluster (-n NAMESPACE) [default: the last setup's]")
    .description("lint a ScaledObject before it is applied: KEDA's validation, the live Kafka, the consumer, credentials, behaviour pitfalls")
    .addOption(new Option('--scaledobject <file>', 'the YAML file holding the ScaledObject (and optionally its TriggerAuthentication and Deployment)'))
    .addOption(new Option('--deployment <file>', 'the consumer Deployment (its auto.offset.reset is compared with offsetResetPolicy)'))
    .addOption(new Option('--group <group>', "consumer group [default: the trigger's consumerGroup]"))
    .addOption(new Option('--topic <topic>', "topic [default: the trigger's topic]"))
    .addOption(new Option('--no-kafka', 'skip the checks against the live Kafka'))
    .addOption(new Option('--keda-version <v>', 'the KEDA release whose validation applies: 2.18|2.19|2.20|main [default: 2.18]'));
  addKafkaOptions(cmd);
  cmd.addHelpText(
    'after',
    `
What it checks:
  the object      what KEDA refuses (KEDA_REFUSES, one finding a violation), scaleTargetRef.kind spelled other than
                  Deployment (SCALE_TARGET_KIND), unsafeSsl, no topic
  the live Kafka  the topic exists (TOPIC_MISSING), partitions against maxReplicaCount, the integer-division gap
                  included (PARTITIONS_BELOW_MAX), the group's commits (NEVER_COMMITTED_CANNOT_ACTIVATE: the
                  never-activates trap; NEVER_COMMITTED, NO_COMMITTED_TOPICS, NEVER_COMMITTED_COUNTS_ZERO)
  the consumer    its auto.offset.reset against offsetResetPolicy (OFFSET_RESET_MISMATCH) when the Deployment is known
  credentials     on a cluster: the TriggerAuthentication, its Secret's keys (AUTH_*), a SASL handshake with them
                  (HANDSHAKE_FAILED)
  behaviour       a scale-up window with excludePersistentLag, cooldownPeriod below pollingInterval, a scale-down
                  window longer than cooldownPeriod
Each finding has a code, a level (error, warning, info), the field and the fix; -o json lists them all.

Exit: 0 no error-level finding · 1 an error-level finding · 2 bad input (no file, no ScaledObject, invalid YAML)
· 3 Kafka or the cluster cannot be reached.

Examples:
  $ cma-demo check --scaledobject ScaledObject.yaml --bootstrap-server kafka:9092
  $ cma-demo check --scaledobject ScaledObject.yaml --no-kafka -o json     # the object alone, in CI
  $ cma-demo check -n keda-cma-kafka kafka-consumer-scaledobject            # applied: + Secret keys, handshake`,
  );
  cmd.action(bind(async () => (await import('../check.js')).checkAction));
}
