/** ClusterTarget against the lab: the test writes Deployment, HPA and ScaledObject status (no KEDA runs here). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { applyRenderedSetup, startPlayedLab, tempState } from './helpers.js';
import type { OperatorPlayer } from './operators.js';
import { requireTestKafka, uniqueName } from '../helpers/kafka.js';
import { Kube } from '../../src/cluster/kube.js';
import { ClusterTarget } from '../../src/targets/cluster.js';
import { DEFAULT_SETTINGS } from '../../src/scaling/settings.js';
import { openAdmin } from '../../src/kafka/kafkajs.js';
import type { CaseSpec } from '../../src/targets/target.js';

let lab: Lab;
let kube: Kube;
let player: OperatorPlayer;
let password: string;
const ns = uniqueName('ct');
const argv: string[][] = [];
process.env.CMA_DEMO_STATE = tempState();

beforeAll(async () => {
  ({ lab, player, password } = await startPlayedLab(ns, { faults: { silent: ['ScaledObject'] } }));
  kube = new Kube({ kubeconfig: lab.kubeconfig, onSpawn: (_b, a) => argv.push(a) });
  await applyRenderedSetup(kube, ns);
});
afterAll(async () => {
  await player?.stop();
  await lab?.stop();
});

const spec: CaseSpec = {
  name: 'case-x',
  topic: 'case-topic',
  group: 'case-group',
  partitions: 4,
  settings: { ...DEFAULT_SETTINGS, maxReplicaCount: 4, lagThreshold: 50, pollingInterval: 5 },
  consumer: { processMs: 3, startupDelayMs: 0, offsetReset: 'earliest' },
  startReplicas: 0,
  annotations: { 'autoscaling.keda.sh/paused-replicas': '2' },
};

describe('ClusterTarget', () => {
  it('prepare patches the ScaledObject and the consumer; restore puts both back exactly', async () => {
    const t = new ClusterTarget({ kube, namespace: ns, platform: 'kubernetes' });
    const soBefore = JSON.parse(await lab.k(['get', 'scaledobjects.keda.sh', 'kafka-consumer-scaledobject', '-n', ns, '-o', 'json']));
    const depBefore = JSON.parse(await lab.k(['get', 'deployment', 'kafka-consumer', '-n', ns, '-o', 'json']));
    await t.prepare(spec);
    const so = JSON.parse(await lab.k(['get', 'scaledobjects.keda.sh', 'kafka-consumer-scaledobject', '-n', ns, '-o', 'json']));
    expect(so.spec).toMatchObject({ maxReplicaCount: 4, pollingInterval: 5 });
    expect(so.spec.triggers[0].metadata).toMatchObject({ topic: 'case-topic', consumerGroup: 'case-group', lagThreshold: '50' });
    expect(so.spec.triggers[0].authenticationRef.name).toBe('keda-trigger-auth-kafka-credential');
    expect(so.metadata.annotations['autoscaling.keda.sh/paused-replicas']).toBe('2');
    const dep = JSON.parse(await lab.k(['get', 'deployment', 'kafka-consumer', '-n', ns, '-o', 'json']));
    expect(dep.spec.replicas).toBe(0);
    const args = dep.spec.template.spec.containers[0].args as string[];
    expect(args.slice(args.indexOf('--group'), args.indexOf('--group') + 2)).toEqual(['--group', 'case-group']);
    expect(args.slice(args.indexOf('--process-ms'), args.indexOf('--process-ms') + 2)).toEqual(['--process-ms', '3']);
    await t.restore();
    const soAfter = JSON.parse(await lab.k(['get', 'scaledobjects.keda.sh', 'kafka-consumer-scaledobject', '-n', ns, '-o', 'json']));
    expect(soAfter.spec).toEqual(soBefore.spec);
    expect(soAfter.metadata.annotations ?? {}).toEqual(soBefore.metadata.annotations ?? {});
    const depAfter = JSON.parse(await lab.k(['get', 'deployment', 'kafka-consumer', '-n', ns, '-o', 'json']));
    expect(depAfter.spec.template.spec.containers[0].args).toEqual(depBefore.spec.template.spec.containers[0].args);
    await t.restore(); // safe twice
  });

  it('failing variant: prepare without a ScaledObject is an environment error naming it', async () => {
    const t = new ClusterTarget({ kube, namespace: 'no-such-ns', platform: 'kubernetes' });
    await expect(t.prepare(spec)).rejects.toThrow(/ScaledObject no-such-ns\/kafka-consumer-scaledobject does not exist/);
    await t.restore();
  });

  it('sample reads Deployment, HPA and ScaledObject status as written; the metric is null while no metrics API serves it', async () => {
    const t = new ClusterTarget({ kube, namespace: ns, platform: 'kubernetes' });
    const empty = await t.sample();
    expect(empty).toMatchObject({ desiredReplicas: null, active: null, metric: null });
    await lab.k(['scale', 'deployment', 'kafka-consumer', '-n', ns, '--replicas=3']);
    await lab.setStatus('deployment', 'kafka-consumer', ns, { observedGeneration: 2, replicas: 3, readyReplicas: 2, availableReplicas: 2 });
    await lab.k(
      ['apply', '--server-side', '--field-manager=keda', '-f', '-'],
      JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'keda-hpa-kafka-consumer-scaledobject', namespace: ns },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kafka-consumer' },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [
            {
              type: 'External',
              external: {
                metric: { name: 's0-kafka-test-in', selector: { matchLabels: { 'scaledobject.keda.sh/name': 'kafka-consumer-scaledobject' } } },
                target: { type: 'AverageValue', averageValue: '200' },
              },
            },
          ],
        },
      }),
    );
    await lab.setStatus('horizontalpodautoscalers.autoscaling', 'keda-hpa-kafka-consumer-scaledobject', ns, {
      currentReplicas: 3,
      desiredReplicas: 5,
      currentMetrics: [{ type: 'External', external: { metric: { name: 's0-kafka-test-in' }, current: { averageValue: '333m' } } }],
    });
    await lab.setStatus('scaledobjects.keda.sh', 'kafka-consumer-scaledobject', ns, {
      hpaName: 'keda-hpa-kafka-consumer-scaledobject',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Active', status: 'True' },
        { type: 'Fallback', status: 'False' },
      ],
    });
    const s = await t.sample();
    expect(s).toEqual({ replicas: 3, readyReplicas: 2, desiredReplicas: 5, active: true, metric: null });
    expect(await t.conditions()).toEqual({ ready: true, active: true, fallback: false, hpa: { current: 3, desired: 5, metric: 0.333 } });
    expect(
      argv.some(
        (a) =>
          a.includes('--raw') &&
          a.some((x) =>
            x.startsWith(
              '/apis/external.metrics.k8s.io/v1beta1/namespaces/' +
                ns +
                '/s0-kafka-test-in?labelSelector=scaledobject.keda.sh%2Fname%3Dkafka-consumer-scaledobject',
            ),
          ),
      ),
    ).toBe(true);
  });

  it('connection() discovers bootstrap and credentials from the cluster and reaches the broker; diagnostics hold no secret', async () => {
    const t = new ClusterTarget({ kube, namespace: ns, platform: 'kubernetes' });
    for (let i = 0; i < 40 && !(await kube.get('kafkausers.kafka.strimzi.io', 'admin', ns))?.status?.secret; i++) await new Promise((r) => setTimeout(r, 250));
    const conn = await t.connection();
    expect(conn.brokers).toEqual([requireTestKafka().saslBootstrap]);
    expect(conn.securityProtocol).toBe('SASL_PLAINTEXT');
    const admin = await openAdmin(conn);
    await admin.listTopics();
    await admin.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-diag-'));
    const files = await t.diagnostics(path.join(dir, 'diag'));
    expect(files.map((f) => path.basename(f))).toEqual([
      'events.yaml',
      'scaledobject.yaml',
      'hpa.yaml',
      'deployment.yaml',
      'keda-operator.log',
      'keda-metrics-apiserver.log',
      'consumer.log',
      'versions.json',
    ]);
    expect(fs.readFileSync(path.join(dir, 'diag', 'scaledobject.yaml'), 'utf8')).toMatch(/kind: ScaledObject/);
    expect(fs.readFileSync(path.join(dir, 'diag', 'keda-operator.log'), 'utf8')).toMatch(/^# kubectl logs .* failed/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'diag', 'versions.json'), 'utf8'))).toMatchObject({ kubernetes: 'v1.33.13', platform: 'kubernetes' });
    for (const f of files) expect(fs.readFileSync(f, 'utf8').includes(password), f).toBe(false);
    for (const a of argv) expect(a.join(' ').includes(password)).toBe(false);
  });
});
