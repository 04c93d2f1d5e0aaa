import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderTemplate } from '../../src/manifests/template.js';
import { loadTemplates, renderSetup, dryRunDocument, allObjects } from '../../src/manifests/render.js';
import { validateNamespace, validateSetupParams, type SetupParams } from '../../src/manifests/params.js';
import { paramsFromFlags, selectSteps, parseStepList } from '../../src/cluster/setupParams.js';
import { platformFromGroups, strimziApiFromServed } from '../../src/cluster/kube.js';
import { CmaError } from '../../src/errors.js';

const templates = loadTemplates();
const params = (flags: Record<string, unknown> = {}, platform: 'openshift' | 'kubernetes' = 'openshift', ns?: string): SetupParams =>
  paramsFromFlags(flags, { namespace: ns }, { platform, sourceHash: 'abc123' });
const kinds = (p: SetupParams): string[] => allObjects(renderSetup(p, templates)).map((o) => o.kind);
const find = (p: SetupParams, kind: string, name?: string) =>
  allObjects(renderSetup(p, templates)).find((o) => o.kind === kind && (!name || o.metadata.name === name)) as any;

describe('template substitution', () => {
  it('keeps types for whole-value placeholders and drops null keys and list items', () => {
    const [o] = renderTemplate('apiVersion: v1\nkind: X\nmetadata:\n  name: "{{n}}-x"\nspec:\n  a: "{{num}}"\n  b: "{{gone}}"\n  l: [1, "{{gone}}", 3]\n', {
      n: 'y',
      num: 4,
      gone: null,
    });
    expect(o).toEqual({ apiVersion: 'v1', kind: 'X', metadata: { name: 'y-x' }, spec: { a: 4, l: [1, 3] } });
  });
  it('rejects an unknown parameter (a typo must not render silently)', () => {
    expect(() => renderTemplate('apiVersion: v1\nkind: X\nmetadata:\n  name: "{{nmae}}"\n', { name: 'a' }, 't.yaml')).toThrow(
      /t.yaml: template parameter "nmae"/,
    );
  });
});

describe('setup rendering', () => {
  it('openshift renders every kind of the Must-show list, no Secret and no password value', () => {
    const p = params();
    const k = kinds(p);
    for (const want of [
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
      expect(k, want).toContain(want);
    }
    expect(k.filter((x) => x === 'Subscription')).toHaveLength(2);
    expect(k).not.toContain('Secret');
    const text = dryRunDocument(renderSetup(p, templates), []).toString();
    expect(text).not.toMatch(/password:/);
  });
  it('kubernetes renders no OLM, KedaController, ImageStream, BuildConfig or Route; operators as URLs', () => {
    const p = params({}, 'kubernetes');
    const k = kinds(p);
    for (const no of ['Subscription', 'OperatorGroup', 'KedaController', 'ImageStream', 'BuildConfig', 'Route']) expect(k).not.toContain(no);
    const steps = renderSetup(p, templates);
    expect(steps.find((s) => s.id === 'operators')!.urls).toEqual([
      'https://github.com/kedacore/keda/releases/download/v2.20.2/keda-2.20.2.yaml',
      'https://github.com/strimzi/strimzi-kafka-operator/releases/download/1.2.0/strimzi-cluster-operator-1.2.0.yaml',
    ]);
    expect(dryRunDocument(steps, []).toString()).toContain('# would apply https://github.com/kedacore/keda/releases/download/v2.20.2/keda-2.20.2.yaml');
  });
  it('labels everything it creates as managed by cma-demo and places namespaced objects in -n', () => {
    const p = params({}, 'openshift', 'my-demo');
    for (const o of allObjects(renderSetup(p, templates))) {
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], `${o.kind}/${o.metadata.name}`).toBe('cma-demo');
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toMatch(/^(my-demo|openshift-keda|openshift-operators)$/);
    }
    expect(find(p, 'ScaledObject').spec.triggers[0].metadata.bootstrapServers).toBe('demo-cluster-kafka-bootstrap.my-demo.svc:9092');
  });
  it('the Deployment is kind Deployment with graceful termination and the password from a secretKeyRef', () => {
    const d = find(params(), 'Deployment');
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(d.spec.replicas).toBeUndefined();
    const env = d.spec.template.spec.containers[0].env as any[];
    const pw = env.find((e) => e.name === 'CMA_DEMO_KAFKA_PASSWORD');
    expect(pw.value).toBeUndefined();
    expect(pw.valueFrom.secretKeyRef).toEqual({ name: 'keda-kafka-credential', key: 'password' });
    expect(d.spec.template.spec.serviceAccountName).toBeUndefined();
  });
  it('the ScaledObject carries the contract settings with the seed defaults and kind Deployment', () => {
    const so = find(params(), 'ScaledObject');
    expect(so.spec.scaleTargetRef.kind).toBe('Deployment');
    expect(so.spec).toMatchObject({ pollingInterval: 30, cooldownPeriod: 30, minReplicaCount: 0, maxReplicaCount: 10 });
    expect(so.spec.triggers[0].metadata).toMatchObject({
      lagThreshold: '200',
      activationLagThreshold: '10',
      offsetResetPolicy: 'latest',
      sasl: 'scram_sha512',
      topic: 'test-in',
      consumerGroup: 'test-cg',
      allowIdleConsumers: 'false',
    });
    expect(so.spec.triggers[0].metadata.unsafeSsl).toBeUndefined();
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies[0]).toEqual({ type: 'Pods', value: 2, periodSeconds: 30 });
    const custom = find(params({ maxReplicas: '4', lagThreshold: '50', allowIdleConsumers: true }), 'ScaledObject');
    expect(custom.spec.maxReplicaCount).toBe(4);
    expect(custom.spec.triggers[0].metadata).toMatchObject({ lagThreshold: '50', allowIdleConsumers: 'true' });
  });
  it('--strimzi-api picks v1 or v1beta2 for every Strimzi object; offline defaults differ per platform', () => {
    const strimzi = (p: SetupParams) => allObjects(renderSetup(p, templates)).filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(new Set(strimzi(params()).map((o) => o.apiVersion))).toEqual(new Set(['kafka.strimzi.io/v1beta2']));
    expect(new Set(strimzi(params({}, 'kubernetes')).map((o) => o.apiVersion))).toEqual(new Set(['kafka.strimzi.io/v1']));
    expect(new Set(strimzi(params({ strimziApi: 'v1' })).map((o) => o.apiVersion))).toEqual(new Set(['kafka.strimzi.io/v1']));
    expect(() => params({ strimziApi: 'v2' })).toThrow(/--strimzi-api must be one of v1\|v1beta2/);
  });
  it('no startingCSV pin unless asked, no pinned Kafka version, topic replicas default to brokers', () => {
    const subs = allObjects(renderSetup(params(), templates)).filter((o) => o.kind === 'Subscription') as any[];
    for (const s of subs) expect(s.spec.startingCSV).toBeUndefined();
    const pinned = allObjects(renderSetup(params({ startingCsv: 'amqstreams.v3.1.0' }), templates)).filter((o) => o.kind === 'Subscription') as any[];
    expect(pinned.find((s) => s.metadata.name === 'amq-streams').spec.startingCSV).toBe('amqstreams.v3.1.0');
    const k = find(params({ brokers: '3' }), 'Kafka');
    expect(k.spec.kafka.version).toBeUndefined();
    expect(k.spec.kafka.config['default.replication.factor']).toBe(3);
    expect(find(params({ brokers: '3' }), 'KafkaTopic').spec.replicas).toBe(3);
    expect(find(params({ brokers: '3' }), 'KafkaNodePool').spec.replicas).toBe(3);
  });
  it('an upstream Strimzi subscription comes from community-operators', () => {
    const s = find(params({ kafkaOperator: 'strimzi' }), 'Subscription', 'strimzi-kafka-operator');
    expect(s.spec.source).toBe('community-operators');
  });
});

describe('setup validation', () => {
  it('topic replicas above brokers is a usage error naming both numbers', () => {
    try {
      validateSetupParams(params({ topicReplicas: '3', brokers: '1' }));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CmaError);
      expect((e as CmaError).exitCode).toBe(2);
      expect((e as CmaError).message).toMatch(/--topic-replicas 3 .*--brokers 1/);
    }
    expect(() => validateSetupParams(params({ topicReplicas: '2', brokers: '2' }))).not.toThrow();
  });
  it('max replicas above partitions warns about the cap unless idle consumers are allowed', () => {
    expect(validateSetupParams(params({ partitions: '4', maxReplicas: '10' })).map((w) => w.code)).toContain('MAX_REPLICAS_CAPPED');
    expect(validateSetupParams(params({ partitions: '4', maxReplicas: '10', allowIdleConsumers: true })).map((w) => w.code)).not.toContain(
      'MAX_REPLICAS_CAPPED',
    );
    expect(validateSetupParams(params({ partitions: '10', maxReplicas: '10' })).map((w) => w.code)).not.toContain('MAX_REPLICAS_CAPPED');
  });
  it('namespaces must be DNS-1123 labels', () => {
    expect(validateNamespace('keda-cma-kafka')).toBe('keda-cma-kafka');
    for (const bad of ['Bad', 'a_b', '-a', 'a-', 'x'.repeat(64), '']) expect(() => validateNamespace(bad), bad).toThrow(/DNS-1123/);
  });
  it('step ids for --only/--skip', () => {
    expect(selectSteps(parseStepList('--only', 'kafka,credentials'))).toEqual(['kafka', 'credentials']);
    expect(selectSteps(undefined, parseStepList('--skip', 'operators,keda'))).toEqual(['namespace', 'kafka', 'credentials', 'consumer', 'scaledobject']);
    expect(() => parseStepList('--only', 'kafak')).toThrow(/unknown step "kafak"/);
    expect(() => selectSteps(['kafka'], ['keda'])).toThrow(/cannot be combined/);
  });
  it('platform from API groups, Strimzi API from served versions', () => {
    expect(platformFromGroups(['apps', 'route.openshift.io'])).toBe('openshift');
    expect(platformFromGroups(['apps', 'keda.sh'])).toBe('kubernetes');
    expect(strimziApiFromServed(['v1', 'v1beta2'])).toBe('v1beta2');
    expect(strimziApiFromServed(['v1'])).toBe('v1');
    expect(strimziApiFromServed([])).toBeNull();
  });
});

describe('dry-run document', () => {
  it('is one YAML document (a v1 List) that parses back to the rendered objects', () => {
    const steps = renderSetup(params(), templates);
    const docs = YAML.parseAllDocuments(dryRunDocument(steps, ['header']).toString());
    expect(docs).toHaveLength(1);
    const js = docs[0]!.toJS();
    expect(js.kind).toBe('List');
    expect(js.items).toEqual(JSON.parse(JSON.stringify(allObjects(steps))));
  });
});

import { setupPhases } from '../../src/cluster/setupParams.js';
describe('setup phases', () => {
  it('keda, kafka and the consumer run in parallel after the operators; credentials and the ScaledObject after them', () => {
    expect(setupPhases(['namespace', 'operators', 'keda', 'kafka', 'credentials', 'consumer', 'scaledobject'])).toEqual([
      ['namespace'],
      ['operators'],
      ['keda', 'kafka', 'consumer'],
      ['credentials'],
      ['scaledobject'],
    ]);
    expect(setupPhases(['kafka', 'scaledobject'])).toEqual([['kafka'], ['scaledobject']]);
  });
});
