import { describe, expect, it } from 'vitest';
import { jobVerdict, renderInClusterJob, jobName } from '../../src/manifests/inClusterJob.js';
import { podExitCode } from '../../src/cluster/inCluster.js';

const base = {
  namespace: 'keda-cma-kafka',
  runId: 'lag-1a2b',
  image: 'quay.io/me/cma-demo:1',
  args: ['lag', '--group', 'g'],
  bootstrap: 'my-cluster-kafka-bootstrap.keda-cma-kafka.svc:9092',
  credentialSecret: 'keda-kafka-credential',
};

describe('in-cluster Job rendering', () => {
  it('runs the same image with the given args, never restarts, labelled managed-by cma-demo, password only by secretKeyRef', () => {
    const j = renderInClusterJob(base) as any;
    expect(j.kind).toBe('Job');
    expect(j.metadata).toMatchObject({ name: 'cma-demo-lag-1a2b', namespace: 'keda-cma-kafka' });
    expect(j.metadata.labels['app.kubernetes.io/managed-by']).toBe('cma-demo');
    expect(j.spec.backoffLimit).toBe(0);
    const pod = j.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    expect(c.image).toBe(base.image);
    expect(c.args).toEqual(['lag', '--group', 'g']);
    const pw = c.env.find((e: any) => e.name === 'CMA_DEMO_KAFKA_PASSWORD');
    expect(pw.value).toBeUndefined();
    expect(pw.valueFrom.secretKeyRef).toEqual({ name: 'keda-kafka-credential', key: 'password' });
    expect(c.env.find((e: any) => e.name === 'CMA_DEMO_BOOTSTRAP_SERVER').value).toBe(base.bootstrap);
  });
  it('failing variants: a bad run id, no command, a password flag in args are usage errors (exit 2)', () => {
    expect(() => renderInClusterJob({ ...base, runId: 'Bad_Id' })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => renderInClusterJob({ ...base, runId: 'x'.repeat(60) })).toThrow(/DNS-1123/);
    expect(() => renderInClusterJob({ ...base, args: [] })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => renderInClusterJob({ ...base, args: ['lag', '--password=hunter2'] })).toThrow(/--password would put a secret/);
    expect(() => renderInClusterJob({ ...base, args: ['lag', '--password', 'x'] })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(jobName('a')).toBe('cma-demo-a');
  });
});

describe('in-cluster Job verdicts', () => {
  it('Complete succeeds; Failed carries its reason; counters as fallback; nothing yet is running', () => {
    expect(jobVerdict({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })).toEqual({ state: 'succeeded' });
    expect(jobVerdict({ status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'too long' }] } })).toEqual({
      state: 'failed',
      reason: 'DeadlineExceeded',
      message: 'too long',
    });
    expect(jobVerdict({ status: { failed: 1 } })).toMatchObject({ state: 'failed', reason: 'PodFailed' });
    expect(jobVerdict({ status: { succeeded: 1 } })).toEqual({ state: 'succeeded' });
    expect(jobVerdict({ status: { active: 1 } })).toEqual({ state: 'running', detail: '1 pod(s) active' });
    expect(jobVerdict({ status: {} })).toMatchObject({ state: 'running' });
    expect(jobVerdict({ status: { conditions: [{ type: 'Complete', status: 'False' }] } })).toMatchObject({ state: 'running' });
    expect(jobVerdict(null)).toMatchObject({ state: 'failed', reason: 'NotFound' });
  });
  it('the exit code comes from the terminated cma-demo container, null while it runs', () => {
    expect(podExitCode({ status: { containerStatuses: [{ name: 'cma-demo', state: { terminated: { exitCode: 3 } } }] } })).toBe(3);
    expect(podExitCode({ status: { containerStatuses: [{ name: 'cma-demo', state: { running: {} } }] } })).toBeNull();
    expect(podExitCode(null)).toBeNull();
  });
});

import { jobParamsFromConsumer } from '../../src/manifests/inClusterJob.js';
describe('in-cluster Job parameters from the consumer Deployment', () => {
  const dep = (env: any[], image: string | undefined = 'image-registry.openshift-image-registry.svc:5000/ns/kafka-consumer@sha256:ab') => ({
    metadata: { name: 'kafka-consumer', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ name: 'consume', image, env }] } } },
  });
  const env = [
    { name: 'CMA_DEMO_BOOTSTRAP_SERVER', value: 'demo-cluster-kafka-bootstrap.ns.svc:9092' },
    { name: 'CMA_DEMO_SECURITY_PROTOCOL', value: 'SASL_PLAINTEXT' },
    { name: 'CMA_DEMO_SASL_MECHANISM', value: 'scram-sha-512' },
    { name: 'CMA_DEMO_KAFKA_PASSWORD', valueFrom: { secretKeyRef: { name: 'keda-kafka-credential', key: 'password' } } },
  ];
  it('takes image, bootstrap, protocol, mechanism and the credential Secret from the consumer', () => {
    expect(jobParamsFromConsumer(dep(env), 'r1', ['lag'])).toEqual({
      namespace: 'ns',
      runId: 'r1',
      args: ['lag'],
      image: 'image-registry.openshift-image-registry.svc:5000/ns/kafka-consumer@sha256:ab',
      bootstrap: 'demo-cluster-kafka-bootstrap.ns.svc:9092',
      credentialSecret: 'keda-kafka-credential',
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'scram-sha-512',
    });
  });
  it('failing variant: a consumer without the secretKeyRef or image is an environment error naming the Deployment and what is missing', () => {
    const e1 = (() => {
      try {
        jobParamsFromConsumer(dep(env.slice(0, 3)), 'r1', ['lag']);
      } catch (e) {
        return e as any;
      }
    })();
    expect(e1).toMatchObject({ exitCode: 3, code: 'NO_CONSUMER_SPEC' });
    expect(e1.message).toMatch(/Deployment ns\/kafka-consumer lacks a secretKeyRef for CMA_DEMO_KAFKA_PASSWORD/);
    expect(() => jobParamsFromConsumer(dep(env, ''), 'r1', ['lag'])).toThrow(/lacks an image/);
  });
});

import { loadTemplates, renderSetup, allObjects } from '../../src/manifests/render.js';
import { paramsFromFlags } from '../../src/cluster/setupParams.js';
describe('in-cluster Job from the Deployment setup renders', () => {
  it.each(['openshift', 'kubernetes'] as const)('%s: the Job connects like the rendered consumer (same bootstrap, Secret, image)', (platform) => {
    const p = paramsFromFlags({ image: 'quay.io/me/cma-demo:1' }, { namespace: 'demo-ns' }, { platform, sourceHash: 'h' });
    const d = allObjects(renderSetup(p, loadTemplates())).find((o) => o.kind === 'Deployment') as any;
    const jp = jobParamsFromConsumer(d, 'r1', ['lag', '--group', p.group]);
    expect(jp).toMatchObject({
      namespace: 'demo-ns',
      bootstrap: 'demo-cluster-kafka-bootstrap.demo-ns.svc:9092',
      credentialSecret: p.credentialSecret,
      image: d.spec.template.spec.containers[0].image,
    });
    const job = renderInClusterJob(jp) as any;
    expect(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'CMA_DEMO_KAFKA_PASSWORD')).toEqual({
      name: 'CMA_DEMO_KAFKA_PASSWORD',
      valueFrom: { secretKeyRef: { name: p.credentialSecret, key: 'password' } },
    });
  });
});
