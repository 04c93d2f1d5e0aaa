import { describe, expect, it } from 'vitest';
import {
  apiServiceVerdict,
  buildVerdict,
  csvVerdict,
  kafkaTopicVerdict,
  kafkaUserVerdict,
  kafkaVerdict,
  kedaControllerVerdict,
  scaledObjectVerdict,
  subscriptionVerdict,
} from '../../src/cluster/readiness.js';
import { externalListener } from '../../src/cluster/kafkaAccess.js';

const c = (type: string, status: string, reason?: string, message?: string) => ({ type, status, reason, message });

describe('readiness verdicts (the status shapes of docs/design.md §9)', () => {
  it('Subscription: installedCSV ready; ResolutionFailed/InstallPlanFailed fail fast', () => {
    expect(subscriptionVerdict({ status: { installedCSV: 'x.v1' } }).state).toBe('ready');
    expect(subscriptionVerdict({ status: {} }).state).toBe('wait');
    expect(subscriptionVerdict({ status: { conditions: [c('ResolutionFailed', 'True', 'ConstraintsNotSatisfiable', 'no operators found')] } })).toMatchObject({
      state: 'failed',
      reason: 'ConstraintsNotSatisfiable',
    });
    expect(subscriptionVerdict({ status: { conditions: [c('InstallPlanFailed', 'True', 'InstallCheckFailed')] } }).state).toBe('failed');
    expect(subscriptionVerdict({ status: { conditions: [c('ResolutionFailed', 'False')] } }).state).toBe('wait');
  });
  it('CSV: Succeeded ready, Failed with reason', () => {
    expect(csvVerdict({ status: { phase: 'Succeeded' } }).state).toBe('ready');
    expect(csvVerdict({ status: { phase: 'Failed', reason: 'NoOperatorGroup', message: 'csv in namespace with no operatorgroups' } })).toMatchObject({
      state: 'failed',
      reason: 'NoOperatorGroup',
    });
    expect(csvVerdict({ status: { phase: 'Installing' } }).state).toBe('wait');
  });
  it('KedaController: phase, not conditions', () => {
    expect(kedaControllerVerdict({ status: { phase: 'Installation Succeeded' } }).state).toBe('ready');
    expect(kedaControllerVerdict({ status: { phase: 'Installation Failed', reason: 'Not able to install KEDA Metrics Server' } })).toMatchObject({
      state: 'failed',
      message: 'Not able to install KEDA Metrics Server',
    });
    expect(kedaControllerVerdict({ status: { conditions: [c('Ready', 'True')] } }).state).toBe('wait');
  });
  it('Kafka: NotReady(Creating) waits, another NotReady reason fails, Ready needs the current generation', () => {
    expect(kafkaVerdict({ metadata: { generation: 1 }, status: { conditions: [c('NotReady', 'True', 'Creating')] } }).state).toBe('wait');
    expect(
      kafkaVerdict({
        metadata: { generation: 1 },
        status: { conditions: [c('NotReady', 'True', 'InvalidResourceException', 'Unsupported Kafka.spec.kafka.version')] },
      }),
    ).toMatchObject({ state: 'failed', reason: 'InvalidResourceException' });
    expect(kafkaVerdict({ metadata: { generation: 2 }, status: { observedGeneration: 1, conditions: [c('Ready', 'True')] } }).state).toBe('wait');
    expect(kafkaVerdict({ metadata: { generation: 2 }, status: { observedGeneration: 2, conditions: [c('Ready', 'True')] } }).state).toBe('ready');
  });
  it('KafkaTopic Ready=False KafkaError fails; KafkaUser NotReady fails; ScaledObject Ready=False fails', () => {
    expect(kafkaTopicVerdict({ status: { conditions: [c('Ready', 'False', 'KafkaError', 'InvalidReplicationFactorException')] } })).toMatchObject({
      state: 'failed',
      reason: 'KafkaError',
    });
    expect(kafkaTopicVerdict({ status: { conditions: [c('Ready', 'True')] } }).state).toBe('ready');
    expect(kafkaUserVerdict({ status: { conditions: [c('NotReady', 'True', 'InvalidResourceException')] } }).state).toBe('failed');
    expect(scaledObjectVerdict({ status: { conditions: [c('Ready', 'False', 'ScaledObjectCheckFailed', 'no matches for kind')] } }).state).toBe('failed');
    expect(scaledObjectVerdict({ status: { conditions: [c('Ready', 'Unknown')] } }).state).toBe('wait');
  });
  it('Build phases and APIService Available', () => {
    expect(buildVerdict({ status: { phase: 'Complete' } }).state).toBe('ready');
    expect(buildVerdict({ status: { phase: 'Failed', reason: 'DockerBuildFailed' } }).state).toBe('failed');
    expect(buildVerdict({ status: { phase: 'Running' } }).state).toBe('wait');
    expect(apiServiceVerdict({ status: { conditions: [c('Available', 'False', 'MissingEndpoints')] } }).state).toBe('wait');
  });
  it('external listener from Kafka status', () => {
    expect(
      externalListener({
        status: {
          listeners: [
            { name: 'client', bootstrapServers: 'a:9092' },
            { name: 'external', bootstrapServers: 'h:443', certificates: ['PEM'] },
          ],
        },
      }),
    ).toEqual({ name: 'external', bootstrap: 'h:443', tls: true, certificates: ['PEM'] });
    expect(externalListener({ status: { listeners: [{ name: 'client', bootstrapServers: 'a:9092' }] } })).toBeNull();
  });
});

import { parseQuantity } from '../../src/cluster/quantity.js';
import { consumerArgs, scaledObjectPatch } from '../../src/targets/cluster.js';
import { DEFAULT_SETTINGS } from '../../src/scaling/settings.js';

describe('cluster target helpers', () => {
  it('parses quantities of the external metrics API', () => {
    expect(parseQuantity('1500')).toBe(1500);
    expect(parseQuantity('1500m')).toBe(1.5);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('abc')).toBeNull();
    expect(parseQuantity(undefined)).toBeNull();
  });
  it('a case consuming several topics gives the consumer --topic a,b', () => {
    const spec = { topic: 'T', group: 'G', consumerTopics: ['T-second'], consumer: { processMs: 1, offsetReset: 'latest' } } as any;
    expect(consumerArgs(['consume', '--topic', 't'], spec).slice(1, 3)).toEqual(['--topic', 'T,T-second']);
  });
  it('replaces consumer flags in place and keeps the others', () => {
    const spec = { topic: 'T', group: 'G', consumer: { processMs: 7, offsetReset: 'earliest' } } as any;
    expect(consumerArgs(['consume', '--group', 'g', '--topic', 't', '--port', '8080'], spec)).toEqual([
      'consume',
      '--group',
      'G',
      '--topic',
      'T',
      '--port',
      '8080',
      '--process-ms',
      '7',
      '--offset-reset',
      'earliest',
    ]);
  });
  it('the ScaledObject patch keeps the trigger auth and fails without a kafka trigger', () => {
    const cur = {
      metadata: { name: 'so' },
      spec: { triggers: [{ type: 'kafka', authenticationRef: { name: 'ta' }, metadata: { bootstrapServers: 'b:9092', topic: 'x' } }] },
    };
    const p = scaledObjectPatch(cur, { ...DEFAULT_SETTINGS, maxReplicaCount: 3 }, { topic: 'T', group: 'G' });
    expect(p.spec.triggers[0]).toMatchObject({ authenticationRef: { name: 'ta' }, metadata: { bootstrapServers: 'b:9092', topic: 'T', consumerGroup: 'G' } });
    expect(p.spec.maxReplicaCount).toBe(3);
    expect(p.spec.triggers[0].metadata).toMatchObject({ ensureEvenDistributionOfPartitions: 'false' });
    expect(p.spec.triggers[0].metadata).not.toHaveProperty('partitionLimitation');
    const limited = scaledObjectPatch(
      cur,
      { ...DEFAULT_SETTINGS, partitionLimitation: '0-1', ensureEvenDistributionOfPartitions: true },
      { topic: 'T', group: 'G', allTopics: true },
    );
    expect(limited.spec.triggers[0].metadata).toMatchObject({ partitionLimitation: '0-1', ensureEvenDistributionOfPartitions: 'true', consumerGroup: 'G' });
    expect(limited.spec.triggers[0].metadata).not.toHaveProperty('topic'); // a trigger without topic: every committed topic
    expect(() => scaledObjectPatch({ metadata: { name: 'so' }, spec: { triggers: [] } }, DEFAULT_SETTINGS, { topic: 'T', group: 'G' })).toThrow(
      /no kafka trigger/,
    );
  });
});

import { rewriteStrimziNamespace } from '../../src/cluster/releaseManifest.js';

describe('Strimzi release manifest', () => {
  it('moves namespaced objects and binding subjects from myproject to the demo namespace, nothing else', () => {
    const text = [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: strimzi-cluster-operator\n  namespace: myproject',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: strimzi\nsubjects:\n  - kind: ServiceAccount\n    name: strimzi-cluster-operator\n    namespace: myproject\nroleRef:\n  kind: ClusterRole\n  name: x\n  apiGroup: rbac.authorization.k8s.io',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: kafkas.kafka.strimzi.io',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: elsewhere',
    ].join('\n---\n');
    const out = rewriteStrimziNamespace(text, 'demo');
    expect(out.map((o) => o.metadata.namespace)).toEqual(['demo', undefined, undefined, 'elsewhere']);
    expect(out[1]!.subjects[0].namespace).toBe('demo');
  });
});
