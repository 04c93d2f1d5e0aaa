/** The Must-show lines of `setup --dry-run` (client side: no cluster, no kubeconfig). */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';

const noCluster = { KUBECONFIG: '/nonexistent/kubeconfig', CMA_DEMO_STATE: '/nonexistent/state' };
const kindsOf = (stdout: string): string[] => (YAML.parse(stdout).items as Array<{ kind: string }>).map((o) => o.kind);

describe('setup --dry-run (client)', () => {
  it('--platform openshift prints one YAML document with every Must-show kind, no Secret, no password value', async () => {
    const r = await runCli(['setup', '--dry-run', '--platform', 'openshift'], { env: noCluster });
    expect(r.exitCode).toBe(0);
    expect(YAML.parseAllDocuments(r.stdout)).toHaveLength(1);
    const kinds = kindsOf(r.stdout);
    for (const k of [
      'Namespace',
      'OperatorGroup',
      'KedaController',
      'KafkaNodePool',
      'Kafka',
      'KafkaUser',
      'KafkaTopic',
      'ImageStream',
      'BuildConfig',
      'Deployment',
      'TriggerAuthentication',
      'ScaledObject',
    ]) {
      expect(kinds, k).toContain(k);
    }
    expect(kinds.filter((k) => k === 'Subscription')).toHaveLength(2);
    expect(kinds).not.toContain('Secret');
    expect(r.stdout).not.toMatch(/password:/);
    expect(r.stdout).toMatch(/# .*Secret keda-cma-kafka\/keda-kafka-credential .* created at apply time/);
    expect(r.stdout).toMatch(/apiVersion: kafka\.strimzi\.io\/v1beta2/);
  });
  it('--platform kubernetes prints none of the OpenShift/OLM kinds; operators as # would apply <URL>', async () => {
    const r = await runCli(['setup', '--dry-run', '--platform', 'kubernetes'], { env: noCluster });
    expect(r.exitCode).toBe(0);
    for (const k of ['Subscription', 'OperatorGroup', 'KedaController', 'ImageStream', 'BuildConfig', 'Route'])
      expect(r.stdout).not.toMatch(new RegExp(`kind: ${k}\\b`));
    expect(r.stdout).toMatch(/^ *# would apply https:\/\/github\.com\/kedacore\/keda\/releases\/download\/v2\.20\.2\/keda-2\.20\.2\.yaml$/m);
    expect(r.stdout).toMatch(/# would apply https:\/\/github\.com\/strimzi\/.*1\.2\.0\.yaml/);
    expect(r.stdout).toMatch(/apiVersion: kafka\.strimzi\.io\/v1\n/);
    expect(r.stderr).toMatch(/PLACEHOLDER_IMAGE/);
  });
  it('--strimzi-api overrides the platform default', async () => {
    const r = await runCli(['setup', '--dry-run', '--platform', 'kubernetes', '--strimzi-api', 'v1beta2', '--image', 'x/y:1'], { env: noCluster });
    expect(r.stdout).toMatch(/kafka\.strimzi\.io\/v1beta2/);
    expect(r.stdout).not.toMatch(/kafka\.strimzi\.io\/v1\n/);
  });
  it('--topic-replicas 3 --brokers 1 exits 2 naming both numbers and prints nothing on stdout', async () => {
    const r = await runCli(['setup', '--dry-run', '--platform', 'openshift', '--topic-replicas', '3', '--brokers', '1'], { env: noCluster });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--topic-replicas 3 .*--brokers 1/);
    expect(r.stdout).toBe('');
  });
  it('--partitions 4 --max-replicas 10 warns about the cap (and -o json carries it in warnings[])', async () => {
    const r = await runCli(['setup', '--dry-run', '--platform', 'openshift', '--partitions', '4', '--max-replicas', '10'], { env: noCluster });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/warning: --max-replicas 10 is above --partitions 4/);
    const j = await runCli(['-o', 'json', 'setup', '--dry-run', '--platform', 'openshift', '--partitions', '4', '--max-replicas', '10'], { env: noCluster });
    expect(JSON.parse(j.stdout).warnings.map((w: { code: string }) => w.code)).toContain('MAX_REPLICAS_CAPPED');
    const ok = await runCli(['setup', '--dry-run', '--platform', 'openshift', '--partitions', '10', '--max-replicas', '10'], { env: noCluster });
    expect(ok.stderr).not.toMatch(/MAX_REPLICAS_CAPPED/);
  });
  it('-n is validated as DNS-1123 (exit 2) and used everywhere', async () => {
    const bad = await runCli(['setup', '--dry-run', '--platform', 'openshift', '-n', 'My_Demo'], { env: noCluster });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/"My_Demo" is not a valid DNS-1123 label/);
    const good = await runCli(['setup', '--dry-run', '--platform', 'kubernetes', '-n', 'my-demo', '--image', 'x/y:1'], { env: noCluster });
    expect(good.stdout).toMatch(/namespace: my-demo/);
    expect(good.stdout).not.toMatch(/namespace: keda-cma-kafka/);
  });
  it('without a reachable cluster --platform is required (exit 2)', async () => {
    const r = await runCli(['setup', '--dry-run'], { env: noCluster });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/needs --platform/);
  });
  it('the ScaledObject uses the seed defaults and names them in the header', async () => {
    const r = await runCli(['setup', '--dry-run', '--platform', 'openshift'], { env: noCluster });
    const so = (YAML.parse(r.stdout).items as any[]).find((o) => o.kind === 'ScaledObject');
    expect(so.spec).toMatchObject({ pollingInterval: 30, cooldownPeriod: 30, minReplicaCount: 0, maxReplicaCount: 10, scaleTargetRef: { kind: 'Deployment' } });
    expect(r.stdout).toMatch(
      /# ScaledObject: pollingInterval 30, cooldownPeriod 30, min 0, max 10, lagThreshold 200, activationLagThreshold 10, offsetResetPolicy latest/,
    );
  });
});
