import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS } from '../../src/demoDefaults.js';
import { CmaError } from '../../src/errors.js';
import { writeLastTarget, type LastTarget } from '../../src/state/lastTarget.js';
import { chooseTargetKind, resolveClusterTarget } from '../../src/state/resolveTarget.js';
import { ClusterTarget } from '../../src/targets/cluster.js';

const last: LastTarget = {
  cluster: 'https://api.example:6443',
  context: 'ctx-setup',
  kubeconfig: '/kube/setup.yaml',
  namespace: 'ns-setup',
  platform: 'openshift',
  kafkaCluster: 'kc-setup',
  kafkaUser: 'user-setup',
  topic: 'topic-setup',
  auditTopic: 'audit-setup',
  group: 'group-setup',
  recordedAt: '2025-01-01T00:00:00.000Z',
};

describe('resolveClusterTarget: flags > env > last setup > DEMO_DEFAULTS', () => {
  it('nothing given, nothing recorded: the demo defaults, platform left to detection', () => {
    const r = resolveClusterTarget({}, {}, { env: {}, last: null });
    expect(r).toMatchObject({
      namespace: DEMO_DEFAULTS.namespace,
      kafkaCluster: DEMO_DEFAULTS.kafkaCluster,
      kafkaUser: DEMO_DEFAULTS.kafkaUser,
      topic: DEMO_DEFAULTS.topic,
      auditTopic: DEMO_DEFAULTS.auditTopic,
      group: DEMO_DEFAULTS.group,
      app: DEMO_DEFAULTS.app,
      scaledObject: DEMO_DEFAULTS.scaledObject,
      lastSetup: null,
    });
    expect(r.platform).toBeUndefined();
    expect(r.context).toBeUndefined();
    expect(r.kubeconfig).toBeUndefined();
  });

  it('the last setup fills what no flag and no environment variable gives', () => {
    const r = resolveClusterTarget({}, {}, { env: {}, last });
    expect(r).toMatchObject({
      namespace: 'ns-setup',
      context: 'ctx-setup',
      kubeconfig: '/kube/setup.yaml',
      platform: 'openshift',
      kafkaCluster: 'kc-setup',
      kafkaUser: 'user-setup',
      topic: 'topic-setup',
      auditTopic: 'audit-setup',
      group: 'group-setup',
    });
    expect(r.lastSetup).toBe(last);
  });

  it('the environment beats the last setup, and a flag beats both', () => {
    const env = { CMA_DEMO_NAMESPACE: 'ns-env', CMA_DEMO_KUBECTL: 'kubectl-env' };
    expect(resolveClusterTarget({}, {}, { env, last }).namespace).toBe('ns-env');
    expect(resolveClusterTarget({ namespace: 'ns-flag' }, {}, { env, last }).namespace).toBe('ns-flag');
    expect(resolveClusterTarget({}, {}, { env, last }).kubectl).toBe('kubectl-env');
    expect(resolveClusterTarget({}, { kubectl: 'oc-flag' }, { env, last }).kubectl).toBe('oc-flag');
    const r = resolveClusterTarget({}, { platform: 'kubernetes', kafkaCluster: 'kc-flag', group: 'g-flag' }, { env, last });
    expect(r).toMatchObject({ platform: 'kubernetes', kafkaCluster: 'kc-flag', group: 'g-flag', kafkaUser: 'user-setup' });
    expect(resolveClusterTarget({}, { platform: 'auto' }, { env, last }).platform).toBe('openshift');
    // an empty environment variable is unset
    expect(resolveClusterTarget({}, {}, { env: { CMA_DEMO_NAMESPACE: '' }, last }).namespace).toBe('ns-setup');
  });

  it('another cluster (context or kubeconfig) does not inherit the last setup; the same one does', () => {
    const other = resolveClusterTarget({ context: 'ctx-other' }, {}, { env: {}, last });
    expect(other).toMatchObject({ context: 'ctx-other', namespace: DEMO_DEFAULTS.namespace, kafkaCluster: DEMO_DEFAULTS.kafkaCluster, lastSetup: null });
    expect(other.platform).toBeUndefined();
    expect(resolveClusterTarget({}, {}, { env: { KUBECONFIG: '/kube/other.yaml' }, last }).namespace).toBe(DEMO_DEFAULTS.namespace);
    const same = resolveClusterTarget({ context: 'ctx-setup', kubeconfig: '/kube/../kube/setup.yaml' }, {}, { env: {}, last });
    expect(same).toMatchObject({ namespace: 'ns-setup', platform: 'openshift', lastSetup: last });
  });

  it('a bad --platform is a usage error (exit 2) naming the choices', () => {
    let err: unknown;
    try {
      resolveClusterTarget({}, { platform: 'aks' }, { env: {}, last: null });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CmaError);
    expect((err as CmaError).exitCode).toBe(2);
    expect((err as CmaError).message).toContain('auto, openshift or kubernetes');
  });
});

describe('chooseTargetKind', () => {
  it("--target wins; else the last setup's cluster unless a Kafka connection was given; else local", () => {
    expect(chooseTargetKind({ target: 'local' }, { last }).kind).toBe('local');
    expect(chooseTargetKind({ target: 'cluster' }, { last: null }).kind).toBe('cluster');
    expect(chooseTargetKind({}, { last })).toEqual({ kind: 'cluster', reason: 'default: the cluster of the last setup, namespace ns-setup' });
    expect(chooseTargetKind({}, { last, kafkaGiven: true }).kind).toBe('local');
    expect(chooseTargetKind({}, { last: null })).toEqual({ kind: 'local', reason: 'default: no cluster recorded by setup' });
  });
});

describe('ClusterTarget follows the same precedence', () => {
  const saved = process.env.CMA_DEMO_STATE;
  const savedNs = process.env.CMA_DEMO_NAMESPACE;
  const dirs: string[] = [];
  afterEach(() => {
    if (saved === undefined) delete process.env.CMA_DEMO_STATE;
    else process.env.CMA_DEMO_STATE = saved;
    if (savedNs === undefined) delete process.env.CMA_DEMO_NAMESPACE;
    else process.env.CMA_DEMO_NAMESPACE = savedNs;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('namespace from the option, else the recorded last setup, else the demo default', () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-resolve-'));
    dirs.push(state);
    process.env.CMA_DEMO_STATE = state;
    delete process.env.CMA_DEMO_NAMESPACE;
    expect(new ClusterTarget({}).namespace).toBe(DEMO_DEFAULTS.namespace);
    writeLastTarget(last);
    expect(new ClusterTarget({}).namespace).toBe('ns-setup');
    expect(new ClusterTarget({ namespace: 'ns-option' }).namespace).toBe('ns-option');
    expect(new ClusterTarget({ context: 'ctx-other' }).namespace).toBe(DEMO_DEFAULTS.namespace);
  });
});
