/**
 * `check` findings on table cases: each finding with a case that raises it and a neighbour (one field changed)
 * that does not; the seed demo's own ScaledObject against a 3-partition topic its group never committed to; the
 * exit code (1 only with an error-level finding); bad input (no ScaledObject, invalid YAML) is a usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkDocument, checkFindings, consumerOffsetReset, type CheckInput, type KafkaFacts } from '../../src/explain/check.js';
import { readScaledObject } from '../../src/explain/scaledObject.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = path.resolve(ROOT, '../shared/seed-demo/ScaledObject.yaml');

type Obj = Record<string, any>;

/** A clean ScaledObject (the seed's, corrected), with patches applied to a copy. */
function so(patch: (o: Obj) => void = () => undefined): string {
  const o: Obj = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'kafka-consumer-scaledobject', namespace: 'ns' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kafka-consumer' },
      pollingInterval: 30,
      cooldownPeriod: 30,
      minReplicaCount: 0,
      maxReplicaCount: 10,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] },
            scaleDown: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] },
          },
        },
      },
      triggers: [
        {
          type: 'kafka',
          authenticationRef: { name: 'auth' },
          metadata: {
            bootstrapServers: 'b:9092',
            sasl: 'scram_sha512',
            topic: 'test-in',
            consumerGroup: 'test-cg',
            lagThreshold: '200',
            activationLagThreshold: '10',
          },
        },
      ],
    },
  };
  patch(o);
  return YAML.stringify(o);
}
const md = (o: Obj): Obj => o.spec.triggers[0].metadata;

const committed = (n: number, lag = 0): KafkaFacts => ({
  topicExists: true,
  partitions: n,
  offsets: Array.from({ length: n }, (_, partition) => ({ topic: 'test-in', partition, committedOffset: 100, logEndOffset: 100 + lag })),
});
const neverCommitted = (n: number): KafkaFacts => ({
  topicExists: true,
  partitions: n,
  offsets: Array.from({ length: n }, (_, partition) => ({ topic: 'test-in', partition, committedOffset: null, logEndOffset: 0 })),
});

function codes(text: string, extra: Partial<CheckInput> = {}): string[] {
  const facts = readScaledObject({ text, file: 'so.yaml' });
  return checkFindings({ so: facts, group: facts.trigger.consumerGroup, topic: facts.trigger.topic, kafka: committed(10), ...extra }).map((f) => f.code);
}

const dep = (args: string[], env: Obj[] = []): Obj => ({
  metadata: { name: 'kafka-consumer' },
  spec: { template: { spec: { containers: [{ name: 'c', args, env }] } } },
});
const auth = (over: Partial<NonNullable<CheckInput['auth']>> = {}): NonNullable<CheckInput['auth']> => ({
  name: 'auth',
  found: true,
  params: [
    { parameter: 'username', secret: 'cred', key: 'username' },
    { parameter: 'password', secret: 'cred', key: 'password' },
  ],
  secretKeys: { cred: ['username', 'password'] },
  ...over,
});

const table: Array<{ code: string; raise: [string, Partial<CheckInput>?]; neighbour: [string, Partial<CheckInput>?]; change: string }> = [
  { code: 'KEDA_REFUSES', raise: [so((o) => (md(o).lagThreshold = '0'))], neighbour: [so((o) => (md(o).lagThreshold = '1'))], change: 'lagThreshold 1' },
  { code: 'SCALE_TARGET_KIND', raise: [so((o) => (o.spec.scaleTargetRef.kind = 'deployment'))], neighbour: [so()], change: 'kind: Deployment' },
  { code: 'TOPIC_MISSING', raise: [so(), { kafka: { topicExists: false, partitions: null, offsets: null } }], neighbour: [so()], change: 'the topic exists' },
  {
    code: 'PARTITIONS_BELOW_MAX',
    raise: [so(), { kafka: committed(3) }],
    neighbour: [so((o) => (md(o).allowIdleConsumers = 'true')), { kafka: committed(3) }],
    change: 'allowIdleConsumers',
  },
  {
    code: 'NEVER_COMMITTED_CANNOT_ACTIVATE',
    raise: [so(), { kafka: neverCommitted(10) }],
    neighbour: [so((o) => (md(o).activationLagThreshold = '9')), { kafka: neverCommitted(10) }],
    change: 'activationLagThreshold 9',
  },
  {
    code: 'NEVER_COMMITTED_COUNTS_ZERO',
    raise: [so((o) => (md(o).scaleToZeroOnInvalidOffset = 'true')), { kafka: neverCommitted(10) }],
    neighbour: [so((o) => (md(o).scaleToZeroOnInvalidOffset = 'true'))],
    change: 'the group committed',
  },
  {
    code: 'NO_COMMITTED_TOPICS',
    raise: [so((o) => delete md(o).topic), { topic: undefined, kafka: { topicExists: null, partitions: null, offsets: [] } }],
    neighbour: [so((o) => delete md(o).topic), { topic: undefined }],
    change: 'commits on a topic',
  },
  { code: 'NO_TOPIC', raise: [so((o) => delete md(o).topic), { topic: undefined }], neighbour: [so()], change: 'a topic' },
  {
    code: 'OFFSET_RESET_MISMATCH',
    raise: [so(), { consumer: consumerOffsetReset(dep(['consume', '--offset-reset', 'earliest'])) }],
    neighbour: [so((o) => (md(o).offsetResetPolicy = 'earliest')), { consumer: consumerOffsetReset(dep(['consume', '--offset-reset', 'earliest'])) }],
    change: 'offsetResetPolicy earliest',
  },
  {
    code: 'CONSUMER_OFFSET_RESET_UNKNOWN',
    raise: [so(), { consumer: consumerOffsetReset(dep([], [{ name: 'KAFKA_CG', value: 'test-cg' }])) }],
    neighbour: [so(), { consumer: consumerOffsetReset(dep([], [{ name: 'KAFKA_AUTO_OFFSET_RESET', value: 'latest' }])) }],
    change: 'the variable is set',
  },
  { code: 'AUTH_REF_MISSING', raise: [so(), { auth: auth({ found: false }) }], neighbour: [so(), { auth: auth() }], change: 'it exists' },
  {
    code: 'AUTH_PARAM_MISSING',
    raise: [so(), { auth: auth({ params: [{ parameter: 'password', secret: 'cred', key: 'password' }] }) }],
    neighbour: [so((o) => delete md(o).sasl), { auth: auth({ params: [{ parameter: 'password', secret: 'cred', key: 'password' }] }) }],
    change: 'no sasl',
  },
  {
    code: 'AUTH_SECRET_MISSING',
    raise: [so(), { auth: auth({ secretKeys: { cred: null } }) }],
    neighbour: [so(), { auth: auth() }],
    change: 'the Secret exists',
  },
  {
    code: 'AUTH_SECRET_KEY_MISSING',
    raise: [so(), { auth: auth({ secretKeys: { cred: ['password'] } }) }],
    neighbour: [so(), { auth: auth() }],
    change: 'the key exists',
  },
  {
    code: 'HANDSHAKE_FAILED',
    raise: [so(), { auth: auth(), handshake: { ok: false, tried: 'SASL', error: 'SASL authentication failed' } }],
    neighbour: [so(), { auth: auth(), handshake: { ok: true, tried: 'SASL' } }],
    change: 'it succeeds',
  },
  {
    code: 'SCALE_UP_WINDOW_WITH_PERSISTENT_LAG',
    raise: [so((o) => (md(o).excludePersistentLag = 'true'))],
    neighbour: [
      so((o) => {
        md(o).excludePersistentLag = 'true';
        o.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.stabilizationWindowSeconds = 0;
      }),
    ],
    change: 'scaleUp window 0',
  },
  { code: 'COOLDOWN_BELOW_POLLING', raise: [so((o) => (o.spec.cooldownPeriod = 10))], neighbour: [so()], change: 'cooldownPeriod = pollingInterval' },
  {
    code: 'DOWN_WINDOW_ABOVE_COOLDOWN',
    raise: [so((o) => (o.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds = 120))],
    neighbour: [
      so((o) => {
        o.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds = 120;
        o.spec.minReplicaCount = 1;
      }),
    ],
    change: 'minReplicaCount 1 (KEDA never jumps to 0)',
  },
];

describe('check findings: one case per code, each with its neighbour', () => {
  for (const t of table) {
    it(`${t.code}; not with ${t.change}`, () => {
      expect(codes(...t.raise)).toContain(t.code);
      expect(codes(...t.neighbour)).not.toContain(t.code);
    });
  }

  it('a clean ScaledObject against a committed 10-partition topic has no finding; exit 0', () => {
    const facts = readScaledObject({ text: so(), file: 'so.yaml' });
    const r = checkDocument(
      { so: facts, group: 'test-cg', topic: 'test-in', kafka: committed(10), auth: auth(), handshake: { ok: true, tried: 'x' } },
      { target: 't', skipped: [] },
    );
    expect(r.doc.findings).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('every finding has a code, a level, the field and a fix; errors come first', () => {
    const facts = readScaledObject({
      text: so((o) => {
        o.spec.scaleTargetRef.kind = 'deployment';
        o.spec.cooldownPeriod = 5;
      }),
      file: 'so.yaml',
    });
    const f = checkFindings({ so: facts, group: 'test-cg', topic: 'test-in', kafka: neverCommitted(3) });
    expect(f.length).toBeGreaterThan(3);
    for (const x of f) {
      expect(x.code).toMatch(/^[A-Z_]+$/);
      expect(['error', 'warning', 'info']).toContain(x.level);
      expect(x.field.length).toBeGreaterThan(0);
      expect(x.fix.length).toBeGreaterThan(0);
    }
    const levels = f.map((x) => x.level);
    expect(levels.indexOf('warning')).toBeGreaterThan(levels.lastIndexOf('error'));
  });

  it('KEDA refusals: one finding a violation, each naming its field', () => {
    const facts = readScaledObject({
      text: so((o) => {
        md(o).lagThreshold = '0';
        md(o).allowIdleConsumers = 'true';
        md(o).limitToPartitionsWithLag = 'true';
      }),
      file: 'so.yaml',
    });
    expect(facts.settings).toBeNull();
    const f = checkFindings({ so: facts, group: 'test-cg', topic: 'test-in' }).filter((x) => x.level === 'error');
    expect(f.length).toBeGreaterThanOrEqual(2);
    expect(f.map((x) => x.field)).toContain('spec.triggers[0].metadata.lagThreshold');
    expect(f.every((x) => x.message.startsWith('KEDA refuses this ScaledObject'))).toBe(true);
    expect(f.map((x) => x.rule)).toEqual(expect.arrayContaining(['LAG_THRESHOLD', 'IDLE_CONSUMERS_WITH_LIMIT']));
  });

  it("the consumer's auto.offset.reset: --offset-reset, its env twin, cma-demo consume's default, or unknown", () => {
    expect(consumerOffsetReset(dep(['consume', '--offset-reset=earliest']))).toMatchObject({ offsetReset: 'earliest', from: 'args --offset-reset' });
    expect(consumerOffsetReset(dep(['consume'], [{ name: 'CMA_DEMO_OFFSET_RESET', value: 'earliest' }]))).toMatchObject({
      offsetReset: 'earliest',
      from: 'env CMA_DEMO_OFFSET_RESET',
    });
    expect(consumerOffsetReset(dep(['consume']))).toMatchObject({ offsetReset: 'latest' });
    expect(consumerOffsetReset(dep([]))).toMatchObject({ offsetReset: null });
  });
});

describe("check on the seed demo's ScaledObject", () => {
  const text = fs.readFileSync(SEED, 'utf8');

  it('against a 3-partition topic its group never committed to: the trap, kind: deployment, the partition cap; exit 1', () => {
    const facts = readScaledObject({ text, file: SEED });
    expect(facts.trigger).toMatchObject({ topic: 'test-in', consumerGroup: 'test-cg', sasl: 'scram_sha512' });
    expect(facts.triggerAuthentication?.metadata?.name).toBe('keda-trigger-auth-kafka-credential');
    const r = checkDocument({ so: facts, group: 'test-cg', topic: 'test-in', kafka: neverCommitted(3) }, { target: 'file', skipped: [] });
    const byCode = new Map(r.doc.findings.map((f) => [f.code, f]));
    expect(byCode.get('NEVER_COMMITTED_CANNOT_ACTIVATE')).toMatchObject({ level: 'error', field: 'spec.triggers[0].metadata.activationLagThreshold' });
    expect(byCode.get('SCALE_TARGET_KIND')).toMatchObject({ level: 'error', field: 'spec.scaleTargetRef.kind' });
    expect(byCode.get('PARTITIONS_BELOW_MAX')).toMatchObject({ level: 'warning', field: 'spec.maxReplicaCount' });
    expect(byCode.get('PARTITIONS_BELOW_MAX')!.message).toContain('caps the metric at 3 × lagThreshold 200 = 600');
    expect(r.exitCode).toBe(1);
  });

  it("neighbour: a 10-partition topic with commits leaves only the object's own findings", () => {
    const facts = readScaledObject({ text, file: SEED });
    const f = checkFindings({ so: facts, group: 'test-cg', topic: 'test-in', kafka: committed(10) }).map((x) => x.code);
    expect(f).not.toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
    expect(f).not.toContain('PARTITIONS_BELOW_MAX');
    expect(f).toContain('SCALE_TARGET_KIND');
  });
});

describe('bad input is a usage error (exit 2), not a finding', () => {
  it('no ScaledObject, several, invalid YAML', () => {
    expect(() => readScaledObject({ text: 'kind: Deployment\n', file: 'x.yaml' })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('holds no ScaledObject') }),
    );
    expect(() => readScaledObject({ text: `${so()}---\n${so()}`, file: 'x.yaml' })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('holds 2 ScaledObjects') }),
    );
    expect(() => readScaledObject({ text: 'a: [1,\n', file: 'x.yaml' })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('invalid YAML') }),
    );
  });
});
