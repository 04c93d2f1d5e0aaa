/**
 * The in-cluster mode against a real kube-apiserver: the rendered Job validates server-side (a typo does not),
 * and the runner follows the Job to its end. No controllers run in the lab, so the tests play the Job
 * controller and the kubelet by writing the Job's and the pod's status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { labLog } from './helpers.js';
import { Kube } from '../../src/cluster/kube.js';
import { discoverInClusterParams, runInCluster } from '../../src/cluster/inCluster.js';
import { loadTemplates, renderSetup, allObjects } from '../../src/manifests/render.js';
import { paramsFromFlags } from '../../src/cluster/setupParams.js';
import { jobName, renderInClusterJob } from '../../src/manifests/inClusterJob.js';
import { uniqueName } from '../helpers/kafka.js';

let lab: Lab;
let kube: Kube;
const argv: string[][] = [];
const ns = 'incluster';
const PASSWORD = 'seeded-Pa55word-9f3c1e';

beforeAll(async () => {
  lab = await startLab({ strimzi: 'none', log: labLog });
  labLog(`lab: ready for tests in ${(lab.startMs / 1000).toFixed(1)} s`);
  kube = new Kube({ kubeconfig: lab.kubeconfig, onSpawn: (_b, a) => argv.push(a) });
  await lab.k(['create', 'namespace', ns]);
  await lab.k(
    ['apply', '--server-side', '--field-manager=test', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keda-kafka-credential', namespace: ns },
      data: { username: Buffer.from('demo').toString('base64'), password: Buffer.from(PASSWORD).toString('base64') },
    }),
  );
}, 300_000);
afterAll(async () => {
  await lab?.stop();
});

const params = (runId: string) => ({
  namespace: ns,
  runId,
  image: 'quay.io/me/cma-demo:1',
  args: ['lag', '--group', 'g'],
  bootstrap: 'my-cluster-kafka-bootstrap.incluster.svc:9092',
  credentialSecret: 'keda-kafka-credential',
});

/** Plays the Job controller + kubelet once the runner has created the Job. */
async function play(runId: string, exitCode: number, jobStatus: Record<string, unknown>): Promise<void> {
  const name = jobName(runId);
  for (let i = 0; i < 100 && (await lab.kubectl(['get', 'job', name, '-n', ns])).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  const pod = `${name}-abcde`;
  await lab.k(
    ['apply', '--server-side', '--field-manager=kubelet', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, namespace: ns, labels: { 'job-name': name } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'cma-demo', image: 'quay.io/me/cma-demo:1' }] },
    }),
  );
  const now = new Date().toISOString();
  await lab.setStatus('pod', pod, ns, {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [
      {
        name: 'cma-demo',
        image: 'quay.io/me/cma-demo:1',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, startedAt: now, finishedAt: now } },
      },
    ],
  });
  await lab.setStatus('job', name, ns, { startTime: new Date(Date.now() - 60_000).toISOString(), ...jobStatus });
}

describe('in-cluster Job', () => {
  it('the rendered Job passes server-side validation; failing variant: a typo in a field is rejected', async () => {
    const job = renderInClusterJob(params('dry-1')) as any;
    await expect(kube.apply([job], { dryRun: 'server' })).resolves.toHaveLength(1);
    const typo = structuredClone(job);
    typo.spec.backofLimit = 0;
    await expect(kube.apply([typo], { dryRun: 'server' })).rejects.toThrow(/backofLimit/);
  });

  it('follows the Job to Complete, returns the container exit code 0 and deletes the Job', async () => {
    const runId = uniqueName('ok')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40);
    const done = runInCluster(kube, params(runId), { timeoutMs: 60_000, pollMs: 200, onLine: () => {} });
    done.catch(() => {});
    const now = new Date().toISOString();
    await play(runId, 0, {
      succeeded: 1,
      completionTime: now,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: now, lastProbeTime: now },
        { type: 'Complete', status: 'True', lastTransitionTime: now, lastProbeTime: now },
      ],
    });
    const r = await done;
    expect(r).toMatchObject({ job: jobName(runId), exitCode: 0 });
    expect((await lab.kubectl(['get', 'job', jobName(runId), '-n', ns])).exitCode).not.toBe(0);
  });

  it('failing variant: a Failed Job returns the container exit code (3) and the reason', async () => {
    const runId = uniqueName('bad')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40);
    const done = runInCluster(kube, params(runId), { timeoutMs: 60_000, pollMs: 200, onLine: () => {}, keep: true });
    done.catch(() => {});
    const now = new Date().toISOString();
    await play(runId, 3, {
      failed: 1,
      conditions: [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastTransitionTime: now,
          lastProbeTime: now,
        },
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastTransitionTime: now,
          lastProbeTime: now,
        },
      ],
    });
    const r = await done;
    expect(r.exitCode).toBe(3);
    expect(r.reason).toMatch(/^BackoffLimitExceeded: Job has reached/);
    // keep: the finished Job stays for diagnostics
    expect((await lab.kubectl(['get', 'job', jobName(runId), '-n', ns])).exitCode).toBe(0);
  });

  it('a Job that never runs times out naming the Job, the condition and the next step (exit 3), and is removed', async () => {
    const runId = uniqueName('slow')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40);
    const err = await runInCluster(kube, params(runId), { timeoutMs: 1500, pollMs: 200, onLine: () => {} }).catch((e) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'IN_CLUSTER_TIMEOUT' });
    expect(err.message).toMatch(new RegExp(`Job ${ns}/${jobName(runId)} did not complete .*condition Complete; last: no pod started yet`));
    expect(err.hint).toMatch(/can the cluster pull quay.io\/me\/cma-demo:1/);
    expect((await lab.kubectl(['get', 'job', jobName(runId), '-n', ns])).exitCode).not.toBe(0);
  });

  it('discovers the Job from the consumer Deployment setup applies and the Job validates; failing variant: no Deployment → exit 3 naming it', async () => {
    const err = await discoverInClusterParams(kube, ns, 'r1', ['lag']).catch((e) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'NO_CONSUMER' });
    expect(err.message).toMatch(/Deployment incluster\/kafka-consumer does not exist/);
    const p = paramsFromFlags({ image: 'quay.io/me/cma-demo:2' }, { namespace: ns }, { platform: 'kubernetes', sourceHash: 'h' });
    const dep = allObjects(renderSetup(p, loadTemplates())).find((o) => o.kind === 'Deployment')!;
    await kube.apply([dep]);
    const jp = await discoverInClusterParams(kube, ns, 'disc-1', ['lag', '--group', p.group]);
    expect(jp).toMatchObject({
      image: 'quay.io/me/cma-demo:2',
      bootstrap: `demo-cluster-kafka-bootstrap.${ns}.svc:9092`,
      credentialSecret: 'keda-kafka-credential',
    });
    await expect(kube.apply([renderInClusterJob(jp)], { dryRun: 'server' })).resolves.toHaveLength(1);
  });

  it('secrets: the seeded password is in no Job object and no child argv', async () => {
    const jobs = await lab.k(['get', 'jobs', '-n', ns, '-o', 'json']);
    expect(JSON.parse(jobs).items.length).toBeGreaterThan(0);
    expect(jobs.includes(PASSWORD)).toBe(false);
    expect(argv.length).toBeGreaterThan(5);
    for (const a of argv) expect(a.join(' ').includes(PASSWORD)).toBe(false);
  });
});
