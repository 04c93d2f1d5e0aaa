import { describe, expect, it } from 'vitest';
import { allObjects, loadTemplates, renderSetup } from '../../src/manifests/render.js';
import type { ExternalKafka, SetupParams } from '../../src/manifests/params.js';
import { paramsFromFlags } from '../../src/cluster/setupParams.js';
import { checkReplicas, credentialSecretData, externalKafkaOf, parseKafkaMode, resolveExternalKafka } from '../../src/cluster/externalKafka.js';
import { CmaError } from '../../src/errors.js';

const templates = loadTemplates();
const params = (kafka?: ExternalKafka): SetupParams => paramsFromFlags({}, {}, { platform: 'kubernetes', sourceHash: 'h', kafka });
const objs = (p: SetupParams) => allObjects(renderSetup(p, templates)) as any[];
const sasl: ExternalKafka = { mode: 'local', bootstrap: '127.0.0.1:39092', securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'scram-sha-512', hasCa: false };

describe('setup --kafka local|existing: rendering', () => {
  it('renders no Strimzi object, and the trigger and consumer point at the given bootstrap', () => {
    const o = objs(params(sasl));
    expect(o.map((x) => x.kind).filter((k) => k.startsWith('Kafka'))).toEqual([]);
    const so = o.find((x) => x.kind === 'ScaledObject');
    expect(so.spec.triggers[0].metadata).toMatchObject({ bootstrapServers: '127.0.0.1:39092', sasl: 'scram_sha512', tls: 'disable' });
    const c = o.find((x) => x.kind === 'Deployment').spec.template.spec.containers[0];
    expect(c.command).toEqual(['cma-demo']);
    expect(c.env.find((e: any) => e.name === 'CMA_DEMO_BOOTSTRAP_SERVER').value).toBe('127.0.0.1:39092');
    expect(c.env.find((e: any) => e.name === 'CMA_DEMO_KAFKA_PASSWORD').valueFrom.secretKeyRef.key).toBe('password');
    const ta = o.find((x) => x.kind === 'TriggerAuthentication');
    expect(ta.spec.secretTargetRef.map((r: any) => r.parameter)).toEqual(['username', 'password']);
  });
  it('the Strimzi default still renders the Kafka objects and the in-cluster bootstrap (the neighbour)', () => {
    const o = objs(params());
    expect(o.map((x) => x.kind)).toContain('Kafka');
    expect(o.find((x) => x.kind === 'ScaledObject').spec.triggers[0].metadata.bootstrapServers).toBe('demo-cluster-kafka-bootstrap.keda-cma-kafka.svc:9092');
  });
  it('PLAINTEXT: no credentials in the TriggerAuthentication or the consumer env, sasl none', () => {
    const o = objs(params({ mode: 'existing', bootstrap: 'k:9092', securityProtocol: 'PLAINTEXT', hasCa: false }));
    expect(o.find((x) => x.kind === 'TriggerAuthentication').spec.secretTargetRef).toEqual([]);
    const env = o.find((x) => x.kind === 'Deployment').spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env).not.toContain('CMA_DEMO_KAFKA_PASSWORD');
    expect(o.find((x) => x.kind === 'ScaledObject').spec.triggers[0].metadata.sasl).toBe('none');
  });
  it('SASL_SSL with a CA: tls enable, plain mechanism, the CA from the Secret for KEDA and mounted for the consumer', () => {
    const o = objs(params({ mode: 'existing', bootstrap: 'b-1:9096', securityProtocol: 'SASL_SSL', saslMechanism: 'plain', hasCa: true }));
    expect(o.find((x) => x.kind === 'ScaledObject').spec.triggers[0].metadata).toMatchObject({ sasl: 'plaintext', tls: 'enable' });
    expect(o.find((x) => x.kind === 'TriggerAuthentication').spec.secretTargetRef.map((r: any) => `${r.parameter}:${r.key}`)).toEqual([
      'username:username',
      'password:password',
      'ca:ca.crt',
    ]);
    const pod = o.find((x) => x.kind === 'Deployment').spec.template.spec;
    expect(pod.volumes[0].secret.secretName).toBe('keda-kafka-credential');
    expect(pod.containers[0].env.find((e: any) => e.name === 'CMA_DEMO_CA_FILE').value).toBe('/etc/cma-demo/kafka-ca/ca.crt');
  });
});

describe('setup --kafka: connection and checks', () => {
  it('parses the mode and refuses others', () => {
    expect(parseKafkaMode(undefined)).toBe('strimzi');
    expect(parseKafkaMode('existing')).toBe('existing');
    expect(() => parseKafkaMode('msk')).toThrow(/--kafka must be strimzi, local or existing/);
  });
  it('the Secret carries the given credentials and CA, base64', () => {
    const d = credentialSecretData({
      brokers: ['b:1'],
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
      tls: { ca: ['PEM'] },
      source: 'x',
    });
    expect(Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))).toEqual({
      username: 'u',
      password: 'p',
      'ca.crt': 'PEM',
    });
    expect(credentialSecretData({ brokers: ['b:1'], securityProtocol: 'PLAINTEXT', source: 'x' })).toEqual({});
  });
  it('topic replicas must fit on the real brokers', () => {
    expect(() => checkReplicas(3, 1, 'b:1')).toThrow(CmaError);
    expect(() => checkReplicas(1, 1, 'b:1')).not.toThrow();
  });
  it('local needs a running broker (exit 3), existing needs a bootstrap (exit 2)', async () => {
    const deps = {
      connectionFromFlags: async () => ({ brokers: ['x:1'], securityProtocol: 'PLAINTEXT' as const, source: 'f' }),
      localBroker: async () => null,
      localConnection: async () => ({ brokers: ['l:1'], securityProtocol: 'PLAINTEXT' as const, source: 'l' }),
    };
    await expect(resolveExternalKafka('local', {}, deps, {})).rejects.toMatchObject({ exitCode: 3 });
    await expect(resolveExternalKafka('existing', {}, deps, {})).rejects.toMatchObject({ exitCode: 2 });
    const r = await resolveExternalKafka('existing', { bootstrapServer: 'x:1' }, deps, {});
    expect(r.kafka).toEqual(externalKafkaOf('existing', { brokers: ['x:1'], securityProtocol: 'PLAINTEXT', source: 'f' }));
  });
});
