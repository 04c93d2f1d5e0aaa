/** cma-demo setup: operators, KEDA, Kafka, credentials, the consumer and the ScaledObject. Light metadata: options and help; the implementation (../setup.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions, addSettingsOptions } from '../../options.js';
import { DEMO_DEFAULTS } from '../../demoDefaults.js';
import type { Bind } from '../action.js';

export function registerSetup(program: Command, bind: Bind): void {
  const cmd = program
    .command('setup')
    .description('install operators, KEDA, Kafka, the consumer and the ScaledObject on OpenShift or Kubernetes')
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes (auto: from the API groups)').default('auto'))
    .addOption(new Option('--dry-run [mode]', 'print the manifests (client) or validate them on the cluster (server); applies nothing'))
    .addOption(new Option('--only <steps>', 'run only these steps (comma list: namespace,operators,keda,kafka,credentials,consumer,scaledobject)'))
    .addOption(new Option('--skip <steps>', 'skip these steps'))
    .addOption(new Option('--strimzi-api <v>', 'v1|v1beta2 [default: what the cluster serves; offline: v1beta2 on openshift, v1 on kubernetes]'))
    .addOption(new Option('--kafka-operator <op>', 'OpenShift: amq-streams (Streams for Apache Kafka) or strimzi (community)').default(undefined))
    .addOption(new Option('--catalog-source <name>', 'OLM CatalogSource [default: redhat-operators; strimzi: community-operators]'))
    .addOption(new Option('--catalog-namespace <ns>', 'namespace of the CatalogSource [default: openshift-marketplace]'))
    .addOption(new Option('--channel <name>', 'Kafka operator channel [default: the package default, else stable]'))
    .addOption(new Option('--cma-channel <name>', 'Custom Metrics Autoscaler channel [default: stable]'))
    .addOption(new Option('--starting-csv <csv>', 'pin the Kafka operator CSV (not recommended: pins rot)'))
    .addOption(new Option('--keda-version <v>', `KEDA release installed on Kubernetes, also the release the settings checks model [default: 2.20.2]`))
    .addOption(new Option('--strimzi-version <v>', `Strimzi release on Kubernetes [default: 1.2.0]`))
    .addOption(new Option('--keda-manifest <url>', 'KEDA release manifest URL (overrides --keda-version)'))
    .addOption(new Option('--strimzi-manifest <url>', 'Strimzi release manifest URL (overrides --strimzi-version)'))
    .addOption(new Option('--kafka-cluster <name>', `Kafka cluster name; an existing one is reused [default: ${DEMO_DEFAULTS.kafkaCluster}]`))
    .addOption(new Option('--kafka-user <name>', `SCRAM-SHA-512 KafkaUser [default: ${DEMO_DEFAULTS.kafkaUser}]`))
    .addOption(new Option('--brokers <n>', 'brokers in the KafkaNodePool [default: 1]'))
    .addOption(new Option('--partitions <n>', 'partitions of the topics [default: 10]'))
    .addOption(new Option('--topic-replicas <n>', 'replicas of the topics [default: --brokers]'))
    .addOption(new Option('--topic <name>', `topic the consumer reads [default: ${DEMO_DEFAULTS.topic}]`))
    .addOption(new Option('--audit-topic <name>', `topic the consumer writes its audit to [default: ${DEMO_DEFAULTS.auditTopic}]`))
    .addOption(new Option('--group <id>', `consumer group [default: ${DEMO_DEFAULTS.group}]`))
    .addOption(new Option('--external-listener <type>', 'route (OpenShift) | nodeport | loadbalancer | none'))
    .addOption(new Option('--image <ref>', 'consumer image (Kubernetes; OpenShift builds it)'))
    .addOption(new Option('--rebuild', 'OpenShift: rebuild the consumer image even when the source hash matches'))
    .addOption(new Option('--build-image', 'Kubernetes: build the consumer image (cma-demo image build), push it when --image names a registry, deploy it'))
    .addOption(new Option('--image-base <image>', 'with --build-image: the Node 20+ base image (default UBI 9 nodejs-20-minimal)'))
    .addOption(new Option('--process-ms <ms>', 'simulated work per record in the consumer [default: 10]'))
    .addOption(new Option('--no-precommit', 'do not pre-commit the group at log end for partitions with no commit'))
    .addOption(new Option('--timeout <s>', 'timeout of each wait in seconds [default: 600]'))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'));
  cmd.addOption(
    new Option(
      '--kafka <mode>',
      'strimzi (install Kafka with Strimzi) | existing (MSK, Confluent, an existing Strimzi: the connection flags below) | local (cma-demo local up)',
    ).default('strimzi'),
  );
  addKafkaOptions(cmd);
  addSettingsOptions(cmd, { kedaVersion: false });
  cmd.addHelpText(
    'after',
    `
Examples:
  $ cma-demo setup --dry-run --platform openshift        # print the manifests, touch nothing
  $ cma-demo setup --dry-run=server                      # validate them against the cluster
  $ cma-demo setup                                       # install everything (idempotent; a rerun resumes)
  $ cma-demo setup --only kafka,credentials -n my-demo   # just some steps
  $ cma-demo setup --kafka local                         # on \`cma-demo lab\`: the local broker, the lab's KEDA
  $ CMA_DEMO_KAFKA_PASSWORD=… cma-demo setup --kafka existing --bootstrap-server b-1.msk:9096 \\
      --security-protocol SASL_SSL --sasl-mechanism scram-sha-512 --username demo --image quay.io/me/cma-demo:0.1`,
  );
  cmd.action(bind(async () => (await import('../setup.js')).setupAction));
}
