/**
 * The real KEDA decides: `cma-demo lab up` (etcd, kube-apiserver, kube-controller-manager, KEDA 2.20.2 operator +
 * metrics adapter, the pod runner), `setup --kafka local` on it, then cases with `run --target cluster`. The HPA
 * object is the real HPA controller's; the external metric is KEDA's adapter's. Needs the full lab build
 * (`node scripts/lab/prepare.mjs --lab`, done by `npm test` / .ci/run); the test broker of test/setup/global.ts is
 * the Kafka.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { runCli } from '../helpers/cli.js';
import { requireTestKafka, uniqueName } from '../helpers/kafka.js';
import { readLabState, type LabState } from '../../src/lab/lab.js';
import { pidAlive } from '../../src/lab/controlPlane.js';
import { isPortFree } from '../../src/local/ports.js';

const NS = 'keda-cma-kafka';
const kafka = requireTestKafka();
const env = { CMA_DEMO_STATE: kafka.stateDir, KUBECONFIG: '' };
let lab: LabState;
const kubectl = async (args: string[], input?: string) => {
  const r = await execa('kubectl', [`--kubeconfig=${lab.kubeconfig}`, ...args], { reject: false, input: input ?? '' });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
};
const json = async (args: string[]) => JSON.parse((await kubectl([...args, '-o', 'json'])).stdout || 'null');
/** A `run`/`conformance` of cases against the lab, --fast, in its namespace, each with a report dir of its own. */
const onLab = (args: string[], reportTag: string, timeout: number) =>
  runCli([...args, '--fast', '-n', NS, '--kubeconfig', lab.kubeconfig, '--report-dir', path.join(kafka.stateDir, uniqueName(reportTag))], { env, timeout });

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.sequential('cma-demo lab: cases decided by the real KEDA and HPA', () => {
  beforeAll(async () => {
    const up = await runCli(['lab', 'up', '--hpa-sync-period', '3'], { env, timeout: 600_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^export KUBECONFIG=/m);
    lab = readLabState(env)!;
    const setup = await runCli(['setup', '--kafka', 'local', '--platform', 'kubernetes', '--kubeconfig', lab.kubeconfig, '--timeout', '180'], {
      env,
      timeout: 300_000,
    });
    expect(setup.exitCode, setup.stderr).toBe(0);
    expect(setup.stderr).toMatch(/cma-demo lab/);
  }, 900_000);

  afterAll(async () => {
    if (!lab) return;
    const pids = lab.components.map((c) => c.pid);
    const ports = lab.components.flatMap((c) => Object.values(c.ports));
    const down = await runCli(['lab', 'down'], { env, timeout: 120_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    // `lab down` leaves no process and no open port.
    expect(pids.filter(pidAlive)).toEqual([]);
    for (const p of ports) expect(await isPortFree(p), `port ${p}`).toBe(true);
    expect(fs.existsSync(path.join(kafka.stateDir, 'lab'))).toBe(false);
    if (lab.pods === 'containers') {
      // … and no container of its pods
      const ps = await execa('podman', ['ps', '--all', '--quiet', '--filter', `label=cma-demo.io/lab-node=${lab.nodeName}`], { reject: false });
      expect(String(ps.stdout).trim()).toBe('');
    }
  }, 180_000);

  it('lab status: every component healthy, the external metrics APIService Available', async () => {
    const st = await runCli(['lab', 'status', '-o', 'json'], { env });
    expect(st.exitCode, st.stderr).toBe(0);
    const doc = JSON.parse(st.stdout);
    expect(doc.components.map((c: { name: string }) => c.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'keda-operator',
      'keda-adapter',
      'pod-runner',
    ]);
    expect(doc.components.every((c: { healthy: boolean }) => c.healthy)).toBe(true);
    expect(doc.apiService).toBe(true);
    expect(doc.versions).toEqual({ kube: '1.33.13', keda: '2.20.2', etcd: '3.5.35' });
  });

  it('the real KEDA reports the rendered ScaledObject Ready, and created the HPA', async () => {
    const so = await json(['get', 'scaledobject', 'kafka-consumer-scaledobject', '-n', NS]);
    expect(so.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    const hpa = await json(['get', 'hpa', 'keda-hpa-kafka-consumer-scaledobject', '-n', NS]);
    expect(hpa.spec.metrics[0].external.metric.name).toMatch(/^s0-kafka-/);
    // lag and explain on the cluster model the KEDA that runs there, not the local default (2.18)
    const lag = await runCli(['lag', '-o', 'json', '--target', 'cluster', '-n', NS, '--kubeconfig', lab.kubeconfig], { env });
    expect(lag.exitCode, lag.stderr).toBe(0);
    expect(JSON.parse(lag.stdout).versions.kedaModel).toBe('2.20.2');
    expect(lag.stderr).toMatch(/modelling KEDA 2\.20\.2, the release running on the cluster/);
  });

  it('run case2 --target cluster --fast passes with the real HPA scaling; KEDA serves the external metric during the case', async () => {
    const runP = onLab(['run', 'case2', '--target', 'cluster', '-o', 'json'], 'lab-case2', 600_000);
    // The metric's name carries the topic, which the case sets: read it from the HPA KEDA keeps up to date.
    let metric = '';
    const raw = await until(
      'a non-zero external metric from the KEDA adapter',
      async () => {
        const hpa = await json(['get', 'hpa', 'keda-hpa-kafka-consumer-scaledobject', '-n', NS]);
        metric = (hpa?.spec?.metrics?.[0]?.external?.metric?.name as string | undefined) ?? '';
        if (!metric.includes('cma-case2')) return null;
        const r = await kubectl([
          'get',
          '--raw',
          `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${metric}?labelSelector=scaledobject.keda.sh%2Fname%3Dkafka-consumer-scaledobject`,
        ]);
        if (r.exitCode !== 0) return null;
        const v = JSON.parse(r.stdout).items?.[0]?.value as string | undefined;
        return v && v !== '0' ? v : null;
      },
      240_000,
    );
    expect(metric).toMatch(/^s0-kafka-cma-case2$/);
    expect(raw).toMatch(/^\d+m?$/);
    const r = await runP;
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(r.stdout);
    const c = doc.cases?.[0] ?? doc;
    expect(c.verdict ?? c.result).toMatch(/pass/i);
    const hpa = await json(['get', 'hpa', 'keda-hpa-kafka-consumer-scaledobject', '-n', NS]);
    expect(hpa.metadata.ownerReferences[0].kind).toBe('ScaledObject');
  }, 700_000);

  it('run case1 zero-loss --target cluster --fast pass: every acknowledged record consumed across the real scale-downs', async () => {
    const r = await onLab(['run', 'case1', 'zero-loss', '--target', 'cluster'], 'lab-r2', 900_000);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/case1: PASS/);
    expect(r.stderr).toMatch(/zero-loss: PASS/);
  }, 1_000_000);

  it('conformance case1 case2 paused partition-cap: the emulator agrees with the real KEDA within one pollingInterval plus one HPA sync', async () => {
    const r = await onLab(['conformance', 'case1', 'case2', 'paused', 'partition-cap', '-o', 'json'], 'lab-conf', 1_500_000);
    const doc = JSON.parse(r.stdout);
    expect(
      r.exitCode,
      JSON.stringify(
        doc.cases?.map((c: { name: string; comparisons: unknown }) => [c.name, c.comparisons]),
        null,
        1,
      ).slice(0, 4000),
    ).toBe(0);
    expect(doc.cases).toHaveLength(4);
    for (const c of doc.cases) expect(c.comparisons.find((r: { key: { metric: string } }) => r.key.metric === 'peak').ok, c.name).toBe(true);
  }, 1_600_000);

  describe('failing variants, each with what the user sees', () => {
    const ns = 'lab-variants';
    beforeAll(async () => {
      await kubectl(['create', 'namespace', ns]);
      // KEDA checks the scale target before the trigger: give the ScaledObjects a real (idle) Deployment.
      const target = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'target', namespace: ns },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'target' } },
          template: { metadata: { labels: { app: 'target' } }, spec: { containers: [{ name: 'c', image: 'cma-demo', command: ['cma-demo'] }] } },
        },
      };
      expect((await kubectl(['apply', '-f', '-'], JSON.stringify(target))).exitCode).toBe(0);
    });
    afterAll(async () => {
      await kubectl(['delete', 'namespace', ns, '--wait=false']);
    });

    it('a trigger at a closed port: the scaler error on the ScaledObject, and the diagnostics carry the operator log lines', async () => {
      const so = {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'closed-port', namespace: ns },
        spec: {
          scaleTargetRef: { name: 'target' },
          pollingInterval: 5,
          triggers: [{ type: 'kafka', metadata: { bootstrapServers: '127.0.0.1:1', consumerGroup: 'g', topic: 't', lagThreshold: '10' } }],
        },
      };
      expect((await kubectl(['apply', '-f', '-'], JSON.stringify(so))).exitCode).toBe(0);
      const ready = await until(
        'Ready=False with the scaler error',
        async () => {
          const o = await json(['get', 'scaledobject', 'closed-port', '-n', ns]);
          const c = (o?.status?.conditions ?? []).find((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'False');
          return c?.message ? (c.message as string) : null;
        },
        120_000,
      );
      expect(ready).toMatch(/127\.0\.0\.1:1.*connection refused/);
      const { ClusterTarget } = await import('../../src/targets/cluster.js');
      const t = new ClusterTarget({ namespace: ns, kubeconfig: lab.kubeconfig, scaledObject: 'closed-port', app: 'target', platform: 'kubernetes' });
      const dir = path.join(kafka.stateDir, uniqueName('diag'));
      const files = await t.diagnostics(dir);
      const opLog = files.find((f) => f.endsWith('keda-operator.log'))!;
      expect(fs.readFileSync(opLog, 'utf8')).toMatch(/closed-port[\s\S]*127\.0\.0\.1:1/);
    }, 180_000);

    it('a container the pod runner cannot run: Waiting with a reason and a Warning event, never Ready', async () => {
      const dep = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'not-cma-demo', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'x' } },
          template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'web', image: 'nginx:1', command: ['nginx'] }] } },
        },
      };
      expect((await kubectl(['apply', '-f', '-'], JSON.stringify(dep))).exitCode).toBe(0);
      const waiting = await until(
        'the pod Waiting with a reason',
        async () => {
          const pods = (await json(['get', 'pods', '-n', ns, '-l', 'app=x']))?.items ?? [];
          return pods[0]?.status?.containerStatuses?.[0]?.state?.waiting ?? null;
        },
        60_000,
      );
      expect(waiting.reason).toBe('NotCmaDemo');
      expect(waiting.message).toMatch(/command \["nginx"\] is not cma-demo/);
      const pods = (await json(['get', 'pods', '-n', ns, '-l', 'app=x'])).items;
      expect(pods[0].status.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status ?? 'False').toBe('False');
      const ev = await until(
        'a FailedToRun event',
        async () => ((await json(['get', 'events', '-n', ns]))?.items ?? []).find((e: { reason: string }) => e.reason === 'FailedToRun'),
        30_000,
      );
      expect(ev.type).toBe('Warning');
    }, 120_000);

    it('a wrong password in the credentials Secret: KEDA reports the SASL failure on the ScaledObject', async () => {
      const objs = {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'wrong', namespace: ns },
            stringData: { username: kafka.username, password: 'not-the-password' },
          },
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'TriggerAuthentication',
            metadata: { name: 'wrong', namespace: ns },
            spec: {
              secretTargetRef: [
                { parameter: 'username', name: 'wrong', key: 'username' },
                { parameter: 'password', name: 'wrong', key: 'password' },
              ],
            },
          },
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'ScaledObject',
            metadata: { name: 'wrong-password', namespace: ns },
            spec: {
              scaleTargetRef: { name: 'target' },
              pollingInterval: 5,
              triggers: [
                {
                  type: 'kafka',
                  authenticationRef: { name: 'wrong' },
                  metadata: { bootstrapServers: kafka.saslBootstrap, sasl: 'scram_sha512', tls: 'disable', consumerGroup: 'g', topic: 't', lagThreshold: '10' },
                },
              ],
            },
          },
        ],
      };
      expect((await kubectl(['apply', '-f', '-'], JSON.stringify(objs))).exitCode).toBe(0);
      const msg = await until(
        'Ready=False naming the SASL failure',
        async () => {
          const o = await json(['get', 'scaledobject', 'wrong-password', '-n', ns]);
          const c = (o?.status?.conditions ?? []).find((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'False');
          return c?.message ? (c.message as string) : null;
        },
        120_000,
      );
      expect(msg).toMatch(/SASL Authentication failed.*invalid credentials/);
    }, 180_000);
  });

  // Issue 12: the lab's pods as real containers of the image users deploy. Needs podman and debootstrap (root);
  // elsewhere it is skipped and says why. Runs last: it restarts the lab with --pods containers.
  const onPath = (b: string) => (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, b)));
  const noPodman = ['podman', 'debootstrap'].filter((b) => !onPath(b));
  const whyNot = noPodman.length ? `${noPodman.join(' and ')} not on PATH` : process.getuid?.() !== 0 ? 'not root' : '';
  if (whyNot) console.warn(`test/lab: the --pods containers case is SKIPPED: ${whyNot}`);
  describe.skipIf(Boolean(whyNot))('lab up --pods containers: pods are podman containers of the built image', () => {
    it('setup --build-image deploys the image, and run case1 --target cluster --fast passes with the consumers in containers', async () => {
      const base = (await execa(path.resolve(import.meta.dirname, '../../scripts/image/local-node-base.sh'), [], { timeout: 600_000 })).stdout
        .trim()
        .split('\n')
        .pop()!;
      const up = await runCli(['lab', 'up', '--pods', 'containers', '--hpa-sync-period', '3'], { env, timeout: 600_000 });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/pods as podman containers/);
      lab = readLabState(env)!;
      const image = 'localhost/cma-demo:lab';
      const setup = await runCli(
        [
          '-o',
          'json',
          'setup',
          '--kafka',
          'local',
          '--platform',
          'kubernetes',
          '--kubeconfig',
          lab.kubeconfig,
          '--build-image',
          '--image-base',
          base,
          '--image',
          image,
          '--timeout',
          '180',
        ],
        { env, timeout: 600_000 },
      );
      expect(setup.exitCode, setup.stderr).toBe(0);
      const consumerNotes = JSON.parse(setup.stdout)
        .steps.find((x: { id: string }) => x.id === 'consumer')
        .notes.join('\n');
      expect(consumerNotes).toMatch(/image localhost\/cma-demo:lab built with podman/);
      const dep = await json(['get', 'deployment', 'kafka-consumer', '-n', NS]);
      expect(dep.spec.template.spec.containers[0].image).toBe(image);

      const seen = new Set<string>();
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const ps = await execa('podman', ['ps', '--filter', `label=cma-demo.io/lab-node=${lab.nodeName}`, '--format', '{{.Names}} {{.Image}}'], {
            reject: false,
          });
          for (const l of String(ps.stdout).split('\n').filter(Boolean)) seen.add(l);
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      const r = await onLab(['run', 'case1', '--target', 'cluster'], 'lab-ctr', 900_000);
      polling = false;
      await poll;
      expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
      expect(r.stderr).toMatch(/case1: PASS/);
      // podman ps saw the consumer pods as containers of the built image while the case ran
      const consumers = [...seen].filter((l) => /^cma-lab-keda-cma-kafka-kafka-consumer-/.test(l));
      expect(consumers.length, [...seen].join('\n')).toBeGreaterThan(0);
      expect(consumers.every((l) => l.endsWith(image))).toBe(true);
    }, 1_500_000);
  });
});
