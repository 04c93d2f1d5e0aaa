/**
 * setup → status → teardown on a plain Kubernetes lab (Strimzi 1.2 CRDs, v1 only), driving the real kubectl.
 * The tests play the operators (status shapes) and KEDA (its Deployments, APIService and the HPA).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { cli, startPlayedLab, tempState } from './helpers.js';
import type { OperatorPlayer } from './operators.js';
import { plainConnection, uniqueName, produceSequenced } from '../helpers/kafka.js';

let lab: Lab;
let player: OperatorPlayer;
let password: string;
const state = tempState();
const ns = uniqueName('k8s');
const topic = uniqueName('t');
const env = { CMA_DEMO_STATE: state, CMA_DEMO_SOURCE_HASH: 'h' };

beforeAll(async () => {
  ({ lab, player, password } = await startPlayedLab(ns, { seedKeda: true }));
  await produceSequenced(topic, 10, { partitions: 3 });
});
afterAll(async () => {
  await player?.stop();
  await lab?.stop();
});

describe('setup, status and teardown on Kubernetes', () => {
  it('setup skips installed operators (says so), applies v1 Strimzi objects and records the target', async () => {
    const r = await cli(
      lab,
      [
        '-o',
        'json',
        'setup',
        '-n',
        ns,
        '--image',
        'quay.io/example/cma-demo:test',
        '--topic',
        topic,
        '--partitions',
        '3',
        '--max-replicas',
        '3',
        '--timeout',
        '60',
      ],
      env,
    );
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.exitCode).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.strimziApi).toBe('v1');
    const ops = rep.steps.find((s: any) => s.id === 'operators');
    expect(ops.status).toBe('skipped');
    expect(ops.notes).toEqual(['KEDA already installed (skipped)', 'Strimzi already installed (skipped)']);
    expect(rep.steps.find((s: any) => s.id === 'keda').status).toBe('skipped');
    expect(r.stderr).toMatch(/^target: cluster https:\/\/127\.0\.0\.1:\d+ \(context cma-demo-lab\), namespace /);
    const kafka = JSON.parse(await lab.k(['get', 'kafkas.kafka.strimzi.io', 'demo-cluster', '-n', ns, '-o', 'json']));
    expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(kafka.spec.kafka.listeners.map((l: any) => l.type)).toEqual(['internal', 'nodeport']);
    for (const t of [r.stdout, r.stderr]) expect(t.includes(password)).toBe(false);
  });

  it('status is green once KEDA has made its HPA, and red (exit 3) with a hint when a piece is missing', async () => {
    await lab.k(
      ['apply', '--server-side', '--field-manager=keda', '-f', '-'],
      JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'keda-hpa-kafka-consumer-scaledobject', namespace: ns },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kafka-consumer' },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [{ type: 'External', external: { metric: { name: 's0-kafka-t' }, target: { type: 'AverageValue', averageValue: '200' } } }],
        },
      }),
    );
    const ok = await cli(lab, ['-o', 'json', 'status'], env);
    const doc = JSON.parse(ok.stdout);
    expect(doc.checks.filter((c: any) => c.state !== 'ok')).toEqual([]);
    expect(ok.exitCode).toBe(0);
    expect(doc.namespace).toBe(ns); // from the recorded last setup
    const text = await cli(lab, ['status'], env);
    expect(text.stdout).toMatch(/ok +Kafka demo-cluster +Ready/);

    await lab.k(['delete', 'secret', 'keda-kafka-credential', '-n', ns]);
    const bad = await cli(lab, ['status'], env);
    expect(bad.exitCode).toBe(3);
    expect(bad.stdout).toMatch(/MISSING +Secret keda-kafka-credential +not found\n +hint: cma-demo setup --only credentials/);
    const fixed = await cli(lab, ['setup', '-n', ns, '--only', 'credentials', '--no-precommit', '--topic', topic], env);
    expect(fixed.exitCode).toBe(0);
  });

  it('setup run again while a consumer is in the group: the pre-commit is not needed and says why (Kafka refuses admin commits then)', async () => {
    const group = uniqueName('g');
    const kafkajs = (await import('kafkajs')).default;
    const client = new kafkajs.Kafka({ brokers: plainConnection().brokers, logLevel: kafkajs.logLevel.NOTHING });
    const consumer = client.consumer({ groupId: group });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ eachMessage: async () => {} });
    try {
      for (let i = 0; i < 600 && !joined; i++) await new Promise((r) => setTimeout(r, 100));
      expect(joined).toBe(true);
      const r = await cli(lab, ['-o', 'json', 'setup', '-n', ns, '--only', 'credentials', '--topic', topic, '--group', group], env);
      expect(r.exitCode, r.stderr).toBe(0);
      const notes = JSON.parse(r.stdout)
        .steps.find((s: any) => s.id === 'credentials')
        .notes.join('\n');
      expect(notes).toMatch(new RegExp(`pre-commit not needed: group ${group} has 1 running consumer`));
    } finally {
      await consumer.disconnect();
    }
    // With the group empty again, the same command pre-commits.
    const again = await cli(lab, ['-o', 'json', 'setup', '-n', ns, '--only', 'credentials', '--topic', topic, '--group', group], env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(
      JSON.parse(again.stdout)
        .steps.find((s: any) => s.id === 'credentials')
        .notes.join('\n'),
    ).toMatch(/pre-committed \d+ partition\(s\)/);
  });

  it('teardown without a TTY and without --yes exits 2 and deletes nothing', async () => {
    const r = await cli(lab, ['teardown', '-n', ns], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/rerun with --yes/);
    expect(JSON.parse(await lab.k(['get', 'scaledobjects.keda.sh', '-n', ns, '-o', 'json'])).items).toHaveLength(1);
  });

  it('teardown --yes --all removes every labelled object in reverse order and touches nothing unlabelled', async () => {
    await lab.k(['create', 'configmap', 'users-own', '-n', ns, '--from-literal=a=b']);
    await lab.k(
      ['apply', '--server-side', '--field-manager=someone', '-f', '-'],
      JSON.stringify({
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaTopic',
        metadata: { name: 'users-topic', namespace: ns, labels: { 'strimzi.io/cluster': 'demo-cluster' } },
        spec: { partitions: 1, replicas: 1 },
      }),
    );
    const before = JSON.parse(await lab.k(['get', 'kafkatopics.kafka.strimzi.io', 'users-topic', '-n', ns, '-o', 'json']));
    const r = await cli(lab, ['-o', 'json', 'teardown', '--yes', '--all', '-n', ns], env);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.exitCode).toBe(0);
    const order = JSON.parse(r.stdout).deleted.map((d: any) => d.object.split('/')[0]);
    const idx = (k: string) => order.indexOf(k);
    expect(idx('ScaledObject')).toBe(0);
    expect(idx('ScaledObject')).toBeLessThan(idx('Deployment'));
    expect(idx('Deployment')).toBeLessThan(idx('KafkaTopic'));
    expect(idx('KafkaUser')).toBeLessThan(idx('Kafka'));
    expect(idx('Kafka')).toBeLessThan(idx('Namespace'));
    const left = JSON.parse(
      await lab.k([
        'get',
        'scaledobjects.keda.sh,triggerauthentications.keda.sh,deployments,secrets,kafkatopics.kafka.strimzi.io,kafkausers.kafka.strimzi.io,kafkas.kafka.strimzi.io,kafkanodepools.kafka.strimzi.io',
        '-n',
        ns,
        '-l',
        'app.kubernetes.io/managed-by=cma-demo',
        '-o',
        'json',
      ]),
    );
    expect(left.items).toEqual([]);
    const after = JSON.parse(await lab.k(['get', 'kafkatopics.kafka.strimzi.io', 'users-topic', '-n', ns, '-o', 'json']));
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect((await lab.kubectl(['get', 'configmap', 'users-own', '-n', ns])).exitCode).toBe(0);
    expect((await lab.kubectl(['get', 'apiservice', 'v1beta1.external.metrics.k8s.io'])).exitCode).toBe(0);
    // the namespace is Terminating (no kube-controller-manager here): finalize it and it is gone
    const nsObj = JSON.parse(await lab.k(['get', 'namespace', ns, '-o', 'json']));
    expect(nsObj.status.phase).toBe('Terminating');
    await lab.finalizeNamespace(ns);
    expect((await lab.kubectl(['get', 'namespace', ns])).exitCode).not.toBe(0);
    expect(fs.existsSync(`${state}/last-setup.json`)).toBe(false);
    // a second teardown finds nothing and still exits 0
    const again = await cli(lab, ['teardown', '--yes', '-n', ns], env);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/nothing labelled managed-by=cma-demo was found/);
  });
});
