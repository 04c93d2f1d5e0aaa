/**
 * `lag` on the cluster target against the lab: Kafka reached through the discovered external listener (the test
 * broker's SASL listener), and each sample adds the cluster's view as the test wrote it (Deployment, HPA,
 * ScaledObject status; no KEDA, so no external metrics API: KEDA's metric is unread).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { applyRenderedSetup, cli, startPlayedLab, tempState } from './helpers.js';
import type { OperatorPlayer } from './operators.js';
import { produceSequenced, requireTestKafka, uniqueName } from '../helpers/kafka.js';
import { Kube } from '../../src/cluster/kube.js';

let lab: Lab;
let player: OperatorPlayer;
let password: string;
const ns = uniqueName('lagc');
const topic = uniqueName('lagc-topic');
const group = uniqueName('lagc-group');
const state = tempState();

beforeAll(async () => {
  ({ lab, player, password } = await startPlayedLab(ns, { faults: { silent: ['ScaledObject'] } }));
  const kube = new Kube({ kubeconfig: lab.kubeconfig });
  await applyRenderedSetup(kube, ns);
  for (let i = 0; i < 40 && !(await kube.get('kafkausers.kafka.strimzi.io', 'admin', ns))?.status?.secret; i++) await new Promise((r) => setTimeout(r, 250));
  await produceSequenced(topic, 400, { partitions: 4 });
  await lab.k(['scale', 'deployment', 'kafka-consumer', '-n', ns, '--replicas=3']);
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
  await lab.setStatus('horizontalpodautoscalers.autoscaling', 'keda-hpa-kafka-consumer-scaledobject', ns, { currentReplicas: 3, desiredReplicas: 5 });
  await lab.setStatus('scaledobjects.keda.sh', 'kafka-consumer-scaledobject', ns, {
    hpaName: 'keda-hpa-kafka-consumer-scaledobject',
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Active', status: 'True' },
      { type: 'Fallback', status: 'False' },
    ],
  });
}, 300_000);
afterAll(async () => {
  await player?.stop();
  await lab?.stop();
});

const lagArgs = ['--group', group, '--topic', topic, '--offset-reset-policy', 'earliest'];

describe('lag --target cluster', () => {
  it("--watch -o json: every sample carries the computed view and the cluster's (HPA, Deployment, Active), KEDA's metric unread → mismatch null", async () => {
    const r = await cli(lab, ['--target', 'cluster', '-n', ns, 'lag', ...lagArgs, '--watch', '--interval', '0.3', '--count', '2', '-o', 'json'], {
      CMA_DEMO_STATE: state,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(l.totalLag).toBe(400);
      expect(l.cluster).toEqual({ metric: null, hpa: { currentReplicas: 3, desiredReplicas: 5 }, deploymentReplicas: 3, active: true, mismatch: null });
      expect(l.warnings.map((w: { code: string }) => w.code)).toContain('KEDA_METRIC_UNAVAILABLE');
    }
    expect(r.stdout + r.stderr).not.toContain(password);
  });

  it('text: the side-by-side rows follow the lag table', async () => {
    const r = await cli(lab, ['--target', 'cluster', '-n', ns, 'lag', ...lagArgs], { CMA_DEMO_STATE: state });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cluster \(KEDA\/HPA\)\s+-\s+yes\s+5\s+3/);
    expect(r.stdout).toContain('deployment replicas 3; metric not compared');
  });

  it('without a cluster target the document has no cluster field', async () => {
    const r = await cli(lab, ['-n', ns, 'lag', ...lagArgs, '--bootstrap-server', requireTestKafka().bootstrap, '-o', 'json'], { CMA_DEMO_STATE: state });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cluster).toBeUndefined();
  });

  it('failing variant: a namespace without setup → exit 3 naming what is missing', async () => {
    const r = await cli(lab, ['--target', 'cluster', '-n', 'no-such-ns', 'lag', ...lagArgs, '-o', 'json'], { CMA_DEMO_STATE: state });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/no-such-ns/);
    expect(r.stdout).toBe('');
  });
});
