/**
 * `explain` on a cluster (the lab API server; the tests play KEDA and the HPA by writing their statuses): the
 * ScaledObject is read from the cluster, Kafka through the discovered external listener (the test broker), and each
 * computed figure sits beside what the cluster shows — the HPA's metric, desired replicas and conditions, the
 * ScaledObject's conditions, recent events — with mismatches flagged. No KEDA runs here, so the external metrics
 * API does not answer and KEDA's metric is taken from the HPA's status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { applyRenderedSetup, cli, startPlayedLab, tempState } from './helpers.js';
import type { OperatorPlayer } from './operators.js';
import { produceSequenced, requireTestKafka, uniqueName, withAdmin } from '../helpers/kafka.js';
import { Kube } from '../../src/cluster/kube.js';

let lab: Lab;
let player: OperatorPlayer;
let password: string;
const ns = uniqueName('exc');
const topic = uniqueName('exc-topic');
const group = uniqueName('exc-group');
const state = tempState();
const SO = 'kafka-consumer-scaledobject';
const HPA = `keda-hpa-${SO}`;

/** The HPA status KEDA's HPA would show: the metric per pod (AverageValue), replicas, conditions. */
async function hpaStatus(o: { average: string; desired: number; able?: { status: string; reason: string } }): Promise<void> {
  await lab.setStatus('horizontalpodautoscalers.autoscaling', HPA, ns, {
    currentReplicas: 3,
    desiredReplicas: o.desired,
    currentMetrics: [{ type: 'External', external: { metric: { name: `s0-kafka-${topic}` }, current: { averageValue: o.average } } }],
    conditions: [
      {
        type: 'AbleToScale',
        status: o.able?.status ?? 'True',
        reason: o.able?.reason ?? 'ReadyForNewScale',
        message: 'recommended size matches current size',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
      {
        type: 'ScalingActive',
        status: 'True',
        reason: 'ValidMetricFound',
        message: 'the HPA was able to successfully calculate a replica count from external metric',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
      {
        type: 'ScalingLimited',
        status: 'False',
        reason: 'DesiredWithinRange',
        message: 'the desired count is within the acceptable range',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  });
}
async function soStatus(active: 'True' | 'False'): Promise<void> {
  await lab.setStatus('scaledobjects.keda.sh', SO, ns, {
    hpaName: HPA,
    conditions: [
      { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' },
      {
        type: 'Active',
        status: active,
        reason: active === 'True' ? 'ScalerActive' : 'ScalerNotActive',
        message: 'Scaling is performed because triggers are active',
      },
      { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' },
    ],
  });
}

const explainJson = async () => {
  const r = await cli(lab, ['--target', 'cluster', '-n', ns, 'explain', SO, '--group', group, '--topic', topic, '--reread', '0', '-o', 'json'], {
    CMA_DEMO_STATE: state,
  });
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout + r.stderr).not.toContain(password);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  ({ lab, player, password } = await startPlayedLab(ns, { faults: { silent: ['ScaledObject'] } }));
  const kube = new Kube({ kubeconfig: lab.kubeconfig });
  await applyRenderedSetup(kube, ns);
  for (let i = 0; i < 40 && !(await kube.get('kafkausers.kafka.strimzi.io', 'admin', ns))?.status?.secret; i++) await new Promise((r) => setTimeout(r, 250));
  await produceSequenced(topic, 400, { partitions: 4 });
  await withAdmin((a) =>
    a.commitOffsets(
      group,
      topic,
      [0, 1, 2, 3].map((partition) => ({ partition, offset: 0 })),
    ),
  );
  await lab.k(['scale', 'deployment', 'kafka-consumer', '-n', ns, '--replicas=3']);
  await lab.k(
    ['apply', '--server-side', '--field-manager=keda', '-f', '-'],
    JSON.stringify({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: HPA, namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kafka-consumer' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: 'External',
            external: {
              metric: { name: `s0-kafka-${topic}`, selector: { matchLabels: { 'scaledobject.keda.sh/name': SO } } },
              target: { type: 'AverageValue', averageValue: '200' },
            },
          },
        ],
      },
    }),
  );
  await lab.k(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${SO}.test1`, namespace: ns },
      involvedObject: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: SO, namespace: ns },
      reason: 'KEDAScaleTargetActivated',
      message: 'Scaled apps/v1.Deployment kafka-consumer from 0 to 1',
      type: 'Normal',
      count: 1,
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
      source: { component: 'keda-operator' },
    }),
  );
}, 300_000);
afterAll(async () => {
  await player?.stop();
  await lab?.stop();
});

describe('explain on a cluster', () => {
  it('a mismatch is flagged: the HPA shows 1000 per pod × 3 against the computed 400, and wants 5 where the chain says 2 with no condition to account for it', async () => {
    await soStatus('True');
    await hpaStatus({ average: '1k', desired: 5 });
    const d = await explainJson();
    expect(d.source).toEqual({ kind: 'cluster', name: SO, namespace: ns });
    expect(d.keda).toMatchObject({ totalLag: 400, metric: 400, active: true });
    expect(d.replicas).toMatchObject({ current: 3, currentSource: 'the scale target on the cluster', next: 2, target: 2 });
    expect(d.cluster).toMatchObject({ metric: 3000, metricSource: 'hpa-status', active: true, fallback: false });
    const mm = Object.fromEntries(d.cluster.mismatches.map((m: { field: string; mismatch: boolean }) => [m.field, m.mismatch]));
    expect(mm).toEqual({ metric: true, active: false, desiredReplicas: true });
    expect(d.steps.find((s: { id: string }) => s.id === 'metric').cluster).toEqual({ value: 3000, mismatch: true });
    expect(d.warnings.map((w: { code: string }) => w.code)).toEqual(expect.arrayContaining(['METRIC_MISMATCH', 'DESIRED_MISMATCH']));
    // The conditions, as the cluster has them.
    expect(d.cluster.hpa.conditions.map((c: { type: string; status: string; reason: string }) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'AbleToScale=True/ReadyForNewScale',
      'ScalingActive=True/ValidMetricFound',
      'ScalingLimited=False/DesiredWithinRange',
    ]);
    expect(d.cluster.scaledObject.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual([
      'Ready=True',
      'Active=True',
      'Fallback=False',
    ]);
    expect(d.cluster.events).toEqual([expect.objectContaining({ object: `ScaledObject/${SO}`, reason: 'KEDAScaleTargetActivated', type: 'Normal' })]);
  });

  it("neighbour: the HPA's figures agree with the chain → nothing flagged", async () => {
    await hpaStatus({ average: '133334m', desired: 2 });
    const d = await explainJson();
    expect(d.cluster.metric).toBe(400);
    expect(d.cluster.mismatches.every((m: { mismatch: boolean }) => !m.mismatch)).toBe(true);
    expect(d.warnings.map((w: { code: string }) => w.code)).not.toContain('METRIC_MISMATCH');
    expect(d.warnings.map((w: { code: string }) => w.code)).not.toContain('DESIRED_MISMATCH');
  });

  it("a desired count the HPA's AbleToScale condition accounts for (ScaleDownStabilized) is shown, not flagged", async () => {
    await hpaStatus({ average: '133334m', desired: 3, able: { status: 'True', reason: 'ScaleDownStabilized' } });
    const d = await explainJson();
    const desired = d.cluster.mismatches.find((m: { field: string }) => m.field === 'desiredReplicas');
    expect(desired).toMatchObject({ computed: 2, cluster: 3, mismatch: false });
    expect(desired.text).toContain('AbleToScale ScaleDownStabilized accounts for it');
  });

  it("the ScaledObject's Active condition disagreeing with the computed activity is flagged; text shows the cluster section", async () => {
    await soStatus('False');
    const r = await cli(lab, ['--target', 'cluster', '-n', ns, 'explain', SO, '--group', group, '--topic', topic, '--reread', '0'], { CMA_DEMO_STATE: state });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ScaledObject ${SO}: Ready=True (ScaledObjectReady`);
    expect(r.stdout).toContain("MISMATCH active: computed active, the ScaledObject's Active condition is False");
    expect(r.stdout).toMatch(/3\. activation\s+yes .*\[cluster: no MISMATCH\]/);
    expect(r.stderr).toContain('[ACTIVE_MISMATCH]');
    await soStatus('True');
  });

  it('the paused-replicas annotation on the cluster decides the verdict', async () => {
    await lab.k(['annotate', 'scaledobjects.keda.sh', SO, '-n', ns, 'autoscaling.keda.sh/paused-replicas=2', '--overwrite']);
    try {
      const d = await explainJson();
      expect(d.verdict).toMatchObject({ kind: 'paused', replicas: 2, setting: 'autoscaling.keda.sh/paused-replicas' });
      expect(d.cluster.scaledObject.annotations).toEqual({ 'autoscaling.keda.sh/paused-replicas': '2' });
    } finally {
      await lab.k(['annotate', 'scaledobjects.keda.sh', SO, '-n', ns, 'autoscaling.keda.sh/paused-replicas-']);
    }
  });

  it('a ScaledObject that does not exist → exit 3 naming it, nothing on stdout', async () => {
    const r = await cli(lab, ['--target', 'cluster', '-n', ns, 'explain', 'no-such-so', '--group', group, '--topic', topic, '-o', 'json'], {
      CMA_DEMO_STATE: state,
    });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`ScaledObject ${ns}/no-such-so does not exist`);
    expect(r.stdout).toBe('');
  });
});

describe("check on a cluster: the TriggerAuthentication's Secret and a handshake with its credentials", () => {
  const secret = (data: Record<string, string>) =>
    lab.k(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keda-kafka-credential', namespace: ns }, stringData: data }),
    );
  const check = async () => {
    const r = await cli(lab, ['--target', 'cluster', '-n', ns, 'check', SO, '--group', group, '--topic', topic, '-o', 'json'], { CMA_DEMO_STATE: state });
    expect([0, 1], r.stderr).toContain(r.exitCode);
    expect(r.stdout + r.stderr).not.toContain(password);
    const d = JSON.parse(r.stdout);
    return { exitCode: r.exitCode, codes: d.findings.map((f: { code: string }) => f.code) as string[], d };
  };

  it('no Secret → AUTH_SECRET_MISSING; a Secret without username → AUTH_SECRET_KEY_MISSING', async () => {
    const none = await check();
    expect(none.codes).toContain('AUTH_SECRET_MISSING');
    expect(none.exitCode).toBe(1);
    await secret({ password: 'not-used' });
    const noUser = await check();
    expect(noUser.codes).toContain('AUTH_SECRET_KEY_MISSING');
    expect(noUser.d.findings.find((f: { code: string }) => f.code === 'AUTH_SECRET_KEY_MISSING').message).not.toContain('not-used');
  });

  it('the right credentials: the handshake works, no credential finding; neighbour: a wrong password → HANDSHAKE_FAILED', async () => {
    const user = requireTestKafka().username;
    await secret({ username: user, password });
    const ok = await check();
    expect(ok.codes.filter((c) => c.startsWith('AUTH_') || c === 'HANDSHAKE_FAILED')).toEqual([]);
    expect(ok.d.skipped.join(' ')).not.toContain('handshake');
    await secret({ username: user, password: 'wrong-password-42' });
    const bad = await check();
    expect(bad.codes).toContain('HANDSHAKE_FAILED');
    expect(bad.exitCode).toBe(1);
    expect(JSON.stringify(bad.d)).not.toContain('wrong-password-42');
  });
});
