// KEDA's refusals (src/scaling/validate.ts), one table: every condition with its passing neighbour, through the
// paths users take — flags (settingsFromFlags), typed settings (validateSettings), ScaledObject files
// (settingsFromScaledObjectYaml, with file:line).
import { describe, expect, it } from 'vitest';
import { CmaError } from '../../src/errors.js';
import {
  DEFAULT_SETTINGS,
  settingsFromFlags,
  settingsFromScaledObjectYaml,
  validateSettings,
  type ScaledObjectSettings,
  type SettingsFlags,
} from '../../src/scaling/settings.js';
import { parsePartitionLimitation, parseTriggerInt, parseTriggerBool, parseSaramaVersion } from '../../src/scaling/validate.js';
import { kedaBehaviour, kedaVersionOfRelease, parseKedaVersion } from '../../src/scaling/kedaVersion.js';

const S = (o: Partial<ScaledObjectSettings> = {}): ScaledObjectSettings => ({ ...DEFAULT_SETTINGS, ...o });

/** A ScaledObject file; `spec` and `md` are extra YAML lines (already indented by the builder). */
function soYaml(o: { spec?: string[]; md?: string[]; name?: string; trigger?: string[]; noConsumerGroup?: boolean; extraTrigger?: string[] } = {}): string {
  return [
    'apiVersion: keda.sh/v1alpha1',
    'kind: ScaledObject',
    'metadata:',
    `  name: ${o.name ?? 'demo'}`,
    'spec:',
    '  scaleTargetRef:',
    '    name: kafka-consumer',
    ...(o.spec ?? []).map((l) => `  ${l}`),
    '  triggers:',
    '    - type: kafka',
    ...(o.trigger ?? []).map((l) => `      ${l}`),
    '      metadata:',
    '        bootstrapServers: kafka:9092',
    ...(o.noConsumerGroup ? [] : ['        consumerGroup: test-cg']),
    ...(o.md ?? []).map((l) => `        ${l}`),
    ...(o.extraTrigger ?? []).map((l) => `    ${l}`),
    '',
  ].join('\n');
}
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

type Outcome = { ok: true } | { ok: false; exitCode: number; code: string; message: string };
function outcome(fn: () => unknown): Outcome {
  try {
    fn();
    return { ok: true };
  } catch (err) {
    if (!(err instanceof CmaError)) throw err;
    return { ok: false, exitCode: err.exitCode, code: err.code, message: err.message };
  }
}
const file = (text: string, kedaVersion?: string) => () => settingsFromScaledObjectYaml(text, 'so.yaml', { kedaVersion });
const flags = (f: SettingsFlags, topic?: string | null) => () => settingsFromFlags(f, DEFAULT_SETTINGS, topic === undefined ? {} : { topic });
const typed = (o: Partial<ScaledObjectSettings>, topic?: string | null) => () => validateSettings(S(o), topic === undefined ? {} : { topic });

interface Row {
  rule: string;
  refused: () => unknown;
  /** Every string must appear in the message (fields, flags, file:line). */
  names: string[];
  code?: string;
  neighbour: () => unknown;
}

const abc = soYaml({ md: ["lagThreshold: 'abc'"] });
const idle = soYaml({ spec: ['minReplicaCount: 1', 'idleReplicaCount: 2'] });

const table: Row[] = [
  // --- the kafka scaler
  { rule: 'lagThreshold ≤ 0', refused: typed({ lagThreshold: 0 }), names: ['lagThreshold'], code: 'LAG_THRESHOLD', neighbour: typed({ lagThreshold: 1 }) },
  {
    rule: 'lagThreshold not a number (file)',
    refused: file(abc),
    names: [`spec.triggers[0].metadata.lagThreshold (so.yaml:${lineOf(abc, 'lagThreshold')})`, '"abc" is not a whole number'],
    code: 'TRIGGER_NOT_A_NUMBER',
    neighbour: file(soYaml({ md: ["lagThreshold: '200'"] })),
  },
  {
    rule: 'lagThreshold 0 (file)',
    refused: file(soYaml({ md: ["lagThreshold: '0'"] })),
    names: ['spec.triggers[0].metadata.lagThreshold (so.yaml:'],
    code: 'LAG_THRESHOLD',
    neighbour: file(soYaml({ md: ["lagThreshold: '1'"] })),
  },
  {
    rule: 'lagThreshold "+5": JSON number from 2.20',
    refused: file(soYaml({ md: ["lagThreshold: '+5'"] }), '2.20'),
    names: ['lagThreshold', '"+5"'],
    neighbour: file(soYaml({ md: ["lagThreshold: '+5'"] }), '2.18'),
  },
  {
    rule: 'lagThreshold "" up to 2.19 (a present empty value)',
    refused: file(soYaml({ md: ["lagThreshold: ''"] }), '2.19'),
    names: ['lagThreshold'],
    neighbour: file(soYaml({ md: ["lagThreshold: ''"] }), '2.20'),
  },
  {
    rule: 'activationLagThreshold < 0',
    refused: typed({ activationLagThreshold: -1 }),
    names: ['activationLagThreshold'],
    code: 'ACTIVATION_LAG_THRESHOLD',
    neighbour: typed({ activationLagThreshold: 0 }),
  },
  {
    rule: 'activationLagThreshold < 0 (file)',
    refused: file(soYaml({ md: ["activationLagThreshold: '-1'"] })),
    names: ['spec.triggers[0].metadata.activationLagThreshold (so.yaml:'],
    neighbour: file(soYaml({ md: ["activationLagThreshold: '0'"] })),
  },
  {
    rule: 'partitionLimitation malformed',
    refused: flags({ partitionLimitation: '0,a' }),
    names: ['partitionLimitation (--partition-limitation)', '"a" is not a partition id'],
    code: 'PARTITION_LIMITATION',
    neighbour: flags({ partitionLimitation: '0,2-3,7' }),
  },
  {
    rule: 'partitionLimitation with two dashes',
    refused: flags({ partitionLimitation: '1-2-3' }),
    names: ['--partition-limitation'],
    neighbour: flags({ partitionLimitation: '1-3' }),
  },
  {
    rule: 'partitionLimitation " 2" up to 2.19 (not trimmed)',
    refused: flags({ partitionLimitation: '0, 2', kedaVersion: '2.19' }),
    names: ['--partition-limitation'],
    neighbour: flags({ partitionLimitation: '0, 2', kedaVersion: '2.20' }),
  },
  {
    rule: 'partitionLimitation only an inverted range from 2.20 (no active partition)',
    refused: flags({ partitionLimitation: '3-1', kedaVersion: '2.20' }),
    names: ['--partition-limitation'],
    code: 'PARTITION_LIMITATION_EMPTY',
    neighbour: flags({ partitionLimitation: '3-1', kedaVersion: '2.18' }),
  },
  {
    rule: 'partitionLimitation malformed without a topic: checked from 2.20',
    refused: flags({ partitionLimitation: 'x', kedaVersion: '2.20' }, null),
    names: ['--partition-limitation'],
    neighbour: flags({ partitionLimitation: 'x', kedaVersion: '2.18' }, null),
  },
  {
    rule: 'allowIdleConsumers with limitToPartitionsWithLag',
    refused: flags({ allowIdleConsumers: true, limitToPartitionsWithLag: true }),
    names: ['allowIdleConsumers (--allow-idle-consumers)', 'limitToPartitionsWithLag (--limit-to-partitions-with-lag)'],
    code: 'IDLE_CONSUMERS_WITH_LIMIT',
    neighbour: flags({ limitToPartitionsWithLag: true }),
  },
  {
    rule: 'limitToPartitionsWithLag without a topic',
    refused: flags({ limitToPartitionsWithLag: true }, null),
    names: ['limitToPartitionsWithLag (--limit-to-partitions-with-lag)', 'topic'],
    code: 'TOPIC_REQUIRED',
    neighbour: flags({ limitToPartitionsWithLag: true }, 'test-in'),
  },
  {
    rule: 'limitToPartitionsWithLag without topic (file)',
    refused: file(soYaml({ md: ["limitToPartitionsWithLag: 'true'"] })),
    names: ['spec.triggers[0].metadata.topic (not set; so.yaml:', 'limitToPartitionsWithLag (so.yaml:'],
    neighbour: file(soYaml({ md: ['topic: test-in', "limitToPartitionsWithLag: 'true'"] })),
  },
  {
    rule: 'limitToPartitionsWithLag with ensureEvenDistributionOfPartitions',
    refused: flags({ limitToPartitionsWithLag: true, ensureEvenDistribution: true }),
    names: ['--limit-to-partitions-with-lag', '--ensure-even-distribution'],
    code: 'LIMIT_WITH_EVEN_DISTRIBUTION',
    neighbour: flags({ ensureEvenDistribution: true }),
  },
  {
    rule: 'ensureEvenDistributionOfPartitions without a topic',
    refused: flags({ ensureEvenDistribution: true }, null),
    names: ['ensureEvenDistributionOfPartitions (--ensure-even-distribution)', 'topic'],
    code: 'TOPIC_REQUIRED',
    neighbour: flags({ ensureEvenDistribution: true }, 't'),
  },
  {
    rule: 'fullMetadata false without a topic (main)',
    refused: file(soYaml({ md: ["fullMetadata: 'false'"] }), 'main'),
    names: ['fullMetadata', 'topic'],
    neighbour: file(soYaml({ md: ["fullMetadata: 'false'"] }), '2.20'),
  },
  {
    rule: 'offsetResetPolicy unknown (flag)',
    refused: flags({ offsetResetPolicy: 'newest' }),
    names: ['--offset-reset-policy', '"newest"'],
    neighbour: flags({ offsetResetPolicy: 'earliest' }),
  },
  {
    rule: 'offsetResetPolicy unknown (file)',
    refused: file(soYaml({ md: ['offsetResetPolicy: newest'] })),
    names: ['spec.triggers[0].metadata.offsetResetPolicy (so.yaml:', 'latest, earliest'],
    neighbour: file(soYaml({ md: ['offsetResetPolicy: earliest'] })),
  },
  {
    rule: 'a boolean Go cannot parse',
    refused: file(soYaml({ md: ["allowIdleConsumers: 'yes'"] })),
    names: ['allowIdleConsumers (so.yaml:'],
    neighbour: file(soYaml({ md: ["allowIdleConsumers: 'True'"] })),
  },
  {
    rule: 'metadata value not a string (the CRD)',
    refused: file(soYaml({ md: ['lagThreshold: 200'] })),
    names: ['lagThreshold (so.yaml:', 'string'],
    code: 'TRIGGER_METADATA_NOT_STRING',
    neighbour: file(soYaml({ md: ["lagThreshold: '200'"] })),
  },
  {
    rule: 'consumerGroup missing',
    refused: file(soYaml({ noConsumerGroup: true })),
    names: ['consumerGroup'],
    code: 'TRIGGER_REQUIRED',
    neighbour: file(soYaml()),
  },
  {
    rule: 'Kafka protocol version unparsable',
    refused: file(soYaml({ md: ["version: '2.8'"] })),
    names: ['version (so.yaml:'],
    neighbour: file(soYaml({ md: ["version: '2.8.0'"] })),
  },
  {
    rule: 'tls neither enable nor disable',
    refused: file(soYaml({ md: ['tls: yes-please'] })),
    names: ['tls (so.yaml:'],
    neighbour: file(soYaml({ md: ['tls: enable'] })),
  },
  { rule: 'sasl unknown', refused: file(soYaml({ md: ['sasl: scram'] })), names: ['sasl (so.yaml:'], neighbour: file(soYaml({ md: ['sasl: scram_sha512'] })) },
  {
    rule: 'metricType Utilization',
    refused: file(soYaml({ trigger: ['metricType: Utilization'] })),
    names: ['metricType (so.yaml:'],
    code: 'METRIC_TYPE',
    neighbour: file(soYaml({ trigger: ['metricType: AverageValue'] })),
  },
  // --- the ScaledObject
  {
    rule: 'minReplicaCount above maxReplicaCount',
    refused: flags({ minReplicas: '5', maxReplicas: '3' }),
    names: ['minReplicaCount (--min-replicas) 5', 'maxReplicaCount (--max-replicas) 3'],
    code: 'MIN_ABOVE_MAX',
    neighbour: flags({ minReplicas: '3', maxReplicas: '3' }),
  },
  {
    rule: 'idleReplicaCount ≥ minReplicaCount (file: both named with lines)',
    refused: file(idle),
    names: [`spec.idleReplicaCount (so.yaml:${lineOf(idle, 'idleReplicaCount')}) 2`, `spec.minReplicaCount (so.yaml:${lineOf(idle, 'minReplicaCount')}) 1`],
    code: 'IDLE_NOT_BELOW_MIN',
    neighbour: file(soYaml({ spec: ['minReplicaCount: 1', 'idleReplicaCount: 0'] })),
  },
  {
    rule: 'idleReplicaCount ≥ minReplicaCount (flags)',
    refused: flags({ idleReplicaCount: '2', minReplicas: '2' }),
    names: ['idleReplicaCount (--idle-replica-count)', 'minReplicaCount (--min-replicas)'],
    code: 'IDLE_NOT_BELOW_MIN',
    neighbour: flags({ idleReplicaCount: '1', minReplicas: '2' }),
  },
  {
    rule: 'idleReplicaCount 0 with minReplicaCount left out (KEDA reads 0)',
    refused: file(soYaml({ spec: ['idleReplicaCount: 0'] })),
    names: ['idleReplicaCount', 'not set'],
    neighbour: file(soYaml({ spec: ['minReplicaCount: 0', 'idleReplicaCount: 0'] })),
  },
  {
    rule: 'pollingInterval below 1',
    refused: typed({ pollingInterval: 0 }),
    names: ['pollingInterval'],
    code: 'SPEC_MINIMUM',
    neighbour: typed({ pollingInterval: 1 }),
  },
  {
    rule: 'a spec integer written as a string (the CRD)',
    refused: file(soYaml({ spec: ["pollingInterval: '30'"] })),
    names: ['spec.pollingInterval (so.yaml:'],
    neighbour: file(soYaml({ spec: ['pollingInterval: 30'] })),
  },
  {
    rule: 'fallback with a negative field',
    refused: typed({ fallback: { failureThreshold: -1, replicas: 2 } }),
    names: ['fallback.failureThreshold'],
    code: 'FALLBACK',
    neighbour: typed({ fallback: { failureThreshold: 0, replicas: 0 } }),
  },
  {
    rule: 'fallback without replicas (file)',
    refused: file(soYaml({ spec: ['fallback:', '  failureThreshold: 3'] })),
    names: ['spec.fallback.replicas'],
    neighbour: file(soYaml({ spec: ['fallback:', '  failureThreshold: 3', '  replicas: 5'] })),
  },
  {
    rule: 'fallback flag without its twin',
    refused: flags({ fallbackReplicas: '5' }),
    names: ['--fallback-failure-threshold'],
    neighbour: flags({ fallbackReplicas: '5', fallbackFailureThreshold: '3' }),
  },
  {
    rule: 'name over 63 characters (2.20)',
    refused: file(soYaml({ name: 'x'.repeat(64) }), '2.20'),
    names: ['metadata.name'],
    code: 'NAME_TOO_LONG',
    neighbour: file(soYaml({ name: 'x'.repeat(64) }), '2.18'),
  },
  {
    rule: 'duplicate trigger names',
    refused: file(soYaml({ trigger: ['name: a'], extraTrigger: ['- type: kafka', '  name: a', '  metadata: {}'] })),
    names: ['spec.triggers'],
    code: 'DUPLICATE_TRIGGER_NAME',
    neighbour: file(soYaml({ trigger: ['name: a'], extraTrigger: ['- type: kafka', '  name: b', '  metadata: {}'] })),
  },
  // --- the HPA KEDA creates, and the HPA controller
  {
    rule: 'per-direction tolerance negative',
    refused: typed({ behavior: { scaleUp: { tolerance: -0.1 } } }),
    names: ['behavior.scaleUp.tolerance'],
    code: 'HPA_TOLERANCE',
    neighbour: typed({ behavior: { scaleUp: { tolerance: 0 } } }),
  },
  {
    rule: 'tolerance that is no quantity (file)',
    refused: file(soYaml({ spec: ['advanced:', '  horizontalPodAutoscalerConfig:', '    behavior:', '      scaleDown:', '        tolerance: abc'] })),
    names: ['spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.tolerance (so.yaml:'],
    neighbour: file(soYaml({ spec: ['advanced:', '  horizontalPodAutoscalerConfig:', '    behavior:', '      scaleDown:', '        tolerance: 50m'] })),
  },
  { rule: 'global HPA tolerance negative', refused: flags({ hpaTolerance: '-1' }), names: ['--hpa-tolerance'], neighbour: flags({ hpaTolerance: '0' }) },
  { rule: 'unknown --keda-version', refused: flags({ kedaVersion: '2.17' }), names: ['--keda-version'], neighbour: flags({ kedaVersion: 'main' }) },
];

describe('KEDA refuses: every rule with its passing neighbour', () => {
  for (const row of table) {
    it(row.rule, () => {
      const bad = outcome(row.refused);
      expect(bad.ok, `${row.rule} should be refused`).toBe(false);
      if (bad.ok) return;
      expect(bad.exitCode).toBe(2);
      for (const n of row.names) expect(bad.message).toContain(n);
      if (row.code) expect(bad.code).toBe(row.code);
      const good = outcome(row.neighbour);
      expect(good, `neighbour of ${row.rule}`).toEqual({ ok: true });
    });
  }
});

describe('the settings that pass carry what was asked', () => {
  it('flags reach the settings (fallback, tolerances, idle, version)', () => {
    const s = settingsFromFlags({
      fallbackFailureThreshold: '3',
      fallbackReplicas: '5',
      scaleUpTolerance: '50m',
      scaleDownTolerance: '0.2',
      hpaTolerance: '0.05',
      hpaDownscaleStabilization: '120',
      idleReplicaCount: '0',
      minReplicas: '1',
      initialCooldownPeriod: '60',
      partitionLimitation: '0,2-3',
      kedaVersion: 'v2.20.1',
    });
    expect(s).toMatchObject({
      fallback: { failureThreshold: 3, replicas: 5 },
      hpaTolerance: 0.05,
      hpaDownscaleStabilizationSeconds: 120,
      idleReplicaCount: 0,
      initialCooldownPeriod: 60,
      partitionLimitation: '0,2-3',
      kedaVersion: '2.20.1',
    });
    expect(s.behavior?.scaleUp).toMatchObject({ stabilizationWindowSeconds: 30, tolerance: 0.05 });
    expect(s.behavior?.scaleDown?.tolerance).toBe(0.2);
  });
  it('a file: trigger values, defaults KEDA fills in, the behaviour tolerance as a number', () => {
    const so = settingsFromScaledObjectYaml(
      soYaml({
        spec: ['advanced:', '  horizontalPodAutoscalerConfig:', '    behavior:', '      scaleUp:', "        tolerance: '50m'"],
        md: ['topic: t', "partitionLimitation: '0,2-3'", "lagThreshold: '7'"],
      }),
      'so.yaml',
    ).settings;
    expect(so).toMatchObject({ topic: 't', partitionLimitation: '0,2-3', lagThreshold: 7, cooldownPeriod: 300, maxReplicaCount: 100, kedaVersion: '2.18' });
    expect(so.behavior?.scaleUp?.tolerance).toBe(0.05);
  });
  it('several violations are reported together', () => {
    const r = outcome(typed({ lagThreshold: 0, activationLagThreshold: -1 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/KEDA would refuse 2 settings:\n {2}- lagThreshold .*\n {2}- activationLagThreshold/);
  });
  it('KEDA 2.20 warns that pollingInterval does nothing with min ≥ 1 and no idle mode; 2.18 does not', () => {
    const text = soYaml({ spec: ['minReplicaCount: 1', 'pollingInterval: 15'] });
    expect(settingsFromScaledObjectYaml(text, 'so.yaml', { kedaVersion: '2.20' }).warnings.map((w) => w.code)).toContain('POLLING_INTERVAL_NOT_RELEVANT');
    expect(settingsFromScaledObjectYaml(text, 'so.yaml', { kedaVersion: '2.18' }).warnings.map((w) => w.code)).not.toContain('POLLING_INTERVAL_NOT_RELEVANT');
  });
  it('the seed ScaledObject loads (its kind: deployment is a warning, not a refusal)', () => {
    const seed = soYaml({
      spec: ['minReplicaCount: 0', 'maxReplicaCount: 10', 'fallback:', '  failureThreshold: 3', '  replicas: 5'],
      md: ['sasl: scram_sha512', 'topic: test-in', "lagThreshold: '200'", "activationLagThreshold: '10'", "unsafeSsl: 'true'"],
    });
    expect(outcome(file(seed))).toEqual({ ok: true });
  });
});

describe('value parsers per KEDA release', () => {
  it('partitionLimitation grammar', () => {
    expect(parsePartitionLimitation('0,2-3,7', '2.20')).toEqual({ kind: 'list', partitions: [0, 2, 3, 7] });
    expect(parsePartitionLimitation('  ', '2.20')).toEqual({ kind: 'all' });
    expect(parsePartitionLimitation('0,2', '2.20', false)).toEqual({ kind: 'all' });
    expect(parsePartitionLimitation('2-1,5', '2.18')).toEqual({ kind: 'list', partitions: [5] });
    expect(parsePartitionLimitation('-1', '2.20').kind).toBe('error');
    expect(parsePartitionLimitation('0,,1', '2.20').kind).toBe('error');
    expect(parsePartitionLimitation('2147483648', '2.20').kind).toBe('error');
  });
  it('integers: strconv up to 2.19, JSON numbers from 2.20', () => {
    expect(parseTriggerInt('007', '2.18')).toEqual({ ok: true, value: 7 });
    expect(parseTriggerInt('007', '2.20').ok).toBe(false);
    expect(parseTriggerInt(' 5 ', '2.20')).toEqual({ ok: true, value: 5 });
    expect(parseTriggerInt(' 5 ', '2.18').ok).toBe(false);
    expect(parseTriggerInt('5.0', '2.20').ok).toBe(false);
  });
  it('booleans as Go reads them', () => {
    expect(parseTriggerBool('T', '2.18')).toEqual({ ok: true, value: true });
    expect(parseTriggerBool('0', '2.18')).toEqual({ ok: true, value: false });
    expect(parseTriggerBool('yes', '2.20').ok).toBe(false);
  });
  it('Kafka protocol versions as Sarama reads them', () => {
    expect(parseSaramaVersion('2.8.0').ok).toBe(true);
    expect(parseSaramaVersion('0.11.0.2').ok).toBe(true);
    expect(parseSaramaVersion('0.11.0').ok).toBe(false);
    expect(parseSaramaVersion('3.7').ok).toBe(false);
  });
});

describe('KEDA version model', () => {
  it('default is 2.18 (the KEDA of the current CMA release), stated in the settings', () => {
    expect(DEFAULT_SETTINGS.kedaVersion).toBe('2.18');
  });
  it('switches by release', () => {
    expect(kedaBehaviour('2.18').negativeMetricAsZero).toBe(false);
    expect(kedaBehaviour('2.19').negativeMetricAsZero).toBe(false);
    expect(kedaBehaviour('2.20.1').negativeMetricAsZero).toBe(false);
    expect(kedaBehaviour('2.20').negativeMetricAsZero).toBe(true);
    expect(kedaBehaviour('main').negativeMetricAsZero).toBe(true);
    expect(kedaBehaviour('2.20').earliestCountsFromLogStart).toBe(false);
    expect(kedaBehaviour('main').earliestCountsFromLogStart).toBe(true);
    expect(kedaBehaviour('2.18').fallbackInPollLoop).toBe(false);
    expect(kedaBehaviour('2.19').fallbackInPollLoop).toBe(true);
  });
  it('parses lines, exact releases and image tags', () => {
    expect(parseKedaVersion('2.19')).toBe('2.19');
    expect(parseKedaVersion('V2.18.1')).toBe('2.18.1');
    expect(parseKedaVersion('2.21')).toBe('main');
    expect(() => parseKedaVersion('2.17')).toThrow(/before 2.18/);
    expect(kedaVersionOfRelease('custom-metrics-autoscaler.v2.18.1-2')).toBe('2.18.1');
    expect(kedaVersionOfRelease('latest')).toBeNull();
  });
});

describe('setup renders the trigger KEDA will read', () => {
  it("partitionLimitation reaches the ScaledObject's trigger metadata; neighbour: left out when not set", async () => {
    const { loadTemplates, renderSetup, allObjects } = await import('../../src/manifests/render.js');
    const { paramsFromFlags } = await import('../../src/cluster/setupParams.js');
    const trigger = (f: Record<string, unknown>) => {
      const objs = allObjects(renderSetup(paramsFromFlags(f, {}, { platform: 'openshift', sourceHash: 'x' }), loadTemplates()));
      return (objs.find((o) => o.kind === 'ScaledObject') as { spec: { triggers: Array<{ metadata: Record<string, string> }> } }).spec.triggers[0]!.metadata;
    };
    expect(trigger({ partitionLimitation: '0,2-3' }).partitionLimitation).toBe('0,2-3');
    expect(trigger({}).partitionLimitation).toBeUndefined();
    expect(() => trigger({ partitionLimitation: '0,x' })).toThrow(/partitionLimitation \(--partition-limitation\)/);
  });
});

describe('the refusal for programs', () => {
  it('lists each refused setting with its code, fields and message', async () => {
    const { KedaRefusal } = await import('../../src/scaling/validate.js');
    try {
      validateSettings(S({ lagThreshold: 0, idleReplicaCount: 3, minReplicaCount: 2 }));
      expect.unreachable('refused');
    } catch (err) {
      expect(err).toBeInstanceOf(KedaRefusal);
      const r = (err as InstanceType<typeof KedaRefusal>).refused;
      expect(r.map((x) => [x.code, x.fields])).toEqual([
        ['LAG_THRESHOLD', ['lagThreshold']],
        ['IDLE_NOT_BELOW_MIN', ['idleReplicaCount', 'minReplicaCount']],
      ]);
      expect(r[1]!.message).toContain('idleReplicaCount 3 is not below minReplicaCount 2');
    }
  });
});
