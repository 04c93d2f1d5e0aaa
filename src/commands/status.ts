/** cma-demo status: the doctor of the cluster side. Exit 3 when something is missing. Thin. */
import { Command, Option } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { ExitCode } from '../errors.js';
import { validateNamespace } from '../manifests/params.js';
import { binFor, detectPlatform, kubeFromGlobals } from '../cluster/connect.js';
import { renderChecks, runDoctor } from '../cluster/doctor.js';
import { DEFAULT_NAMESPACE } from '../cluster/setupParams.js';
import { readLastTarget } from '../state/lastTarget.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('check the cluster side (doctor): tools, login, permissions, operators, KEDA, Kafka, consumer, ScaledObject, HPA')
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes').default('auto'))
    .addOption(new Option('--kafka-cluster <name>', 'Kafka cluster [default: the last setup\'s, else demo-cluster]'))
    .addOption(new Option('--kafka-user <name>', 'KafkaUser [default: admin]'))
    .addOption(new Option('--topic <name>', 'topic [default: the last setup\'s, else test-in]'))
    .addOption(new Option('--audit-topic <name>', 'audit topic [default: the last setup\'s, else test-out]'))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'))
    .action(async (flags: { platform: string; kafkaCluster?: string; kafkaUser?: string; topic?: string; auditTopic?: string }, c: Command) => {
      const g = globalsOf<{ kubectl?: string }>(c);
      const out = outputFor(c);
      const last = readLastTarget();
      const namespace = validateNamespace(g.namespace ?? last?.namespace ?? DEFAULT_NAMESPACE);
      const kube0 = kubeFromGlobals(g);
      let platform: 'openshift' | 'kubernetes';
      try {
        platform = flags.platform !== 'auto' ? (flags.platform as 'openshift' | 'kubernetes') : await detectPlatform(kube0);
      } catch {
        platform = last?.platform ?? 'kubernetes';
      }
      const kube = kube0.withBin(binFor(platform, g));
      out.info(`target: cluster ${(await kube.serverUrl()) ?? '?'}, namespace ${namespace}, platform ${platform}`);
      const topic = flags.topic ?? last?.topic ?? 'test-in';
      const checks = await runDoctor(kube, platform, {
        namespace,
        kedaNamespace: 'openshift-keda',
        cluster: flags.kafkaCluster ?? last?.kafkaCluster ?? 'demo-cluster',
        user: flags.kafkaUser ?? last?.kafkaUser ?? 'admin',
        topics: [topic, flags.auditTopic ?? last?.auditTopic ?? 'test-out'],
        app: 'kafka-consumer',
        scaledObject: 'kafka-consumer-scaledobject',
        credentialSecret: 'keda-kafka-credential',
      });
      const ok = checks.every((x) => x.state !== 'missing');
      if (out.format !== 'text') out.document({ namespace, platform, ok, checks, warnings: out.warnings });
      else out.text(renderChecks(checks, out.color));
      if (!ok) process.exitCode = ExitCode.ENV;
    });
}
