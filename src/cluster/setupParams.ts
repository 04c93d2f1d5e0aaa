/** Turns setup/teardown/status flags into SetupParams (validation only, no cluster access). */
import { readFileSync } from 'node:fs';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { usageError } from '../errors.js';
import { VERSION } from '../version.js';
import { parseDuration, parseInteger } from '../util/numbers.js';
import type { Output } from '../output.js';
import {
  DEFAULT_IMAGE,
  DEFAULT_KEDA_VERSION,
  DEFAULT_STRIMZI_VERSION,
  STEP_IDS,
  kedaManifestUrl,
  strimziManifestUrl,
  validateNamespace,
  type ExternalKafka,
  type ExternalListener,
  type KafkaOperator,
  type Platform,
  type SetupParams,
  type StepId,
  type StrimziApi,
} from '../manifests/params.js';
import { DEFAULT_SETTINGS, settingsFromFlags, settingsFromScaledObjectYaml, type ScaledObjectSettings, type SettingsFlags } from '../scaling/settings.js';

export const DEFAULT_NAMESPACE = DEMO_DEFAULTS.namespace;

export interface SetupFlags extends SettingsFlags {
  /** Build (and push, when the tag names a registry) the consumer image, then deploy it (Kubernetes). */
  buildImage?: boolean;
  platform?: string;
  strimziApi?: string;
  kafkaOperator?: string;
  catalogSource?: string;
  catalogNamespace?: string;
  channel?: string;
  cmaChannel?: string;
  startingCsv?: string;
  kedaVersion?: string;
  strimziVersion?: string;
  kedaManifest?: string;
  strimziManifest?: string;
  kafkaCluster?: string;
  kafkaUser?: string;
  brokers?: string;
  partitions?: string;
  topicReplicas?: string;
  topic?: string;
  auditTopic?: string;
  group?: string;
  externalListener?: string;
  image?: string;
  processMs?: string;
  scaledobject?: string;
  only?: string;
  skip?: string;
}

const posInt = (flag: string, v: string | undefined, def: number): number => parseInteger(v, flag, { min: 1, example: String(def) }) ?? def;

function choice<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw usageError(`${flag} must be one of ${allowed.join('|')}, got "${v}"`);
  return v as T;
}

export function parsePlatformFlag(v: string | undefined): Platform | 'auto' {
  return choice('--platform', v ?? 'auto', ['auto', 'openshift', 'kubernetes'] as const)!;
}

export function parseStepList(flag: string, v: string | undefined): StepId[] | undefined {
  if (v === undefined) return undefined;
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!(STEP_IDS as readonly string[]).includes(id)) throw usageError(`${flag}: unknown step "${id}"`, `step ids: ${STEP_IDS.join(', ')}`);
  }
  return ids as StepId[];
}

/** The steps to run, in order. */
export function selectSteps(only?: StepId[], skip?: StepId[]): StepId[] {
  if (only && skip) throw usageError('--only and --skip cannot be combined', 'use one of them');
  return STEP_IDS.filter((s) => (only ? only.includes(s) : true) && !(skip ?? []).includes(s));
}

export function loadSettings(flags: SetupFlags, out?: Output): ScaledObjectSettings {
  let base = DEFAULT_SETTINGS;
  if (flags.scaledobject) {
    let text: string;
    try {
      text = readFileSync(flags.scaledobject, 'utf8');
    } catch (err) {
      throw usageError(`cannot read --scaledobject ${flags.scaledobject}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const so = settingsFromScaledObjectYaml(text, flags.scaledobject, { kedaVersion: flags.kedaVersion });
    for (const w of so.warnings) out?.warn(w.code, w.message);
    base = so.settings;
  }
  return settingsFromFlags(flags, base);
}

/** Everything except what needs the cluster (platform when auto, Strimzi API when not given). */
export function paramsFromFlags(
  flags: SetupFlags,
  g: { namespace?: string },
  resolved: { platform: Platform; strimziApi?: StrimziApi; sourceHash: string; kafka?: ExternalKafka },
  out?: Output,
): SetupParams {
  const namespace = validateNamespace(g.namespace ?? DEFAULT_NAMESPACE);
  const brokers = posInt('--brokers', flags.brokers, 1);
  const partitions = posInt('--partitions', flags.partitions, 10);
  const topicReplicas = posInt('--topic-replicas', flags.topicReplicas, brokers);
  const platform = resolved.platform;
  const strimziApi =
    choice('--strimzi-api', flags.strimziApi, ['v1', 'v1beta2'] as const) ?? resolved.strimziApi ?? (platform === 'openshift' ? 'v1beta2' : 'v1');
  const externalListener =
    choice('--external-listener', flags.externalListener, ['route', 'nodeport', 'loadbalancer', 'none'] as const) ??
    ((platform === 'openshift' ? 'route' : 'nodeport') as ExternalListener);
  if (externalListener === 'route' && platform !== 'openshift') {
    throw usageError('--external-listener route needs OpenShift', 'use nodeport or loadbalancer on Kubernetes');
  }
  if (flags.buildImage && platform === 'openshift') {
    throw usageError('--build-image is for Kubernetes: on OpenShift the BuildConfig builds the image', 'leave --build-image out (setup runs oc start-build)');
  }
  const kafkaOperator = (choice('--kafka-operator', flags.kafkaOperator, ['amq-streams', 'strimzi'] as const) ?? 'amq-streams') as KafkaOperator;
  const kedaVersion = flags.kedaVersion ?? DEFAULT_KEDA_VERSION;
  const strimziVersion = flags.strimziVersion ?? DEFAULT_STRIMZI_VERSION;
  const processMs = parseDuration(flags.processMs, '--process-ms', { unit: 'ms', integer: true }) ?? 10;
  return {
    platform,
    ...(resolved.kafka ? { kafka: resolved.kafka } : {}),
    namespace,
    kedaNamespace: DEMO_DEFAULTS.kedaNamespaceOpenShift,
    strimziApi,
    cluster: flags.kafkaCluster ?? DEMO_DEFAULTS.kafkaCluster,
    nodePool: `${flags.kafkaCluster ?? DEMO_DEFAULTS.kafkaCluster}-pool`,
    user: flags.kafkaUser ?? DEMO_DEFAULTS.kafkaUser,
    topic: flags.topic ?? DEMO_DEFAULTS.topic,
    auditTopic: flags.auditTopic ?? DEMO_DEFAULTS.auditTopic,
    group: flags.group ?? DEMO_DEFAULTS.group,
    app: DEMO_DEFAULTS.app,
    scaledObject: DEMO_DEFAULTS.scaledObject,
    triggerAuth: DEMO_DEFAULTS.triggerAuth,
    credentialSecret: DEMO_DEFAULTS.credentialSecret,
    brokers,
    partitions,
    topicReplicas,
    externalListener,
    kafkaOperator,
    catalogSource: flags.catalogSource,
    catalogNamespace: flags.catalogNamespace ?? 'openshift-marketplace',
    channel: flags.channel,
    cmaChannel: flags.cmaChannel ?? 'stable',
    startingCsv: flags.startingCsv,
    kedaManifestUrl: flags.kedaManifest ?? kedaManifestUrl(kedaVersion),
    strimziManifestUrl: flags.strimziManifest ?? strimziManifestUrl(strimziVersion),
    image: flags.image ?? (platform === 'openshift' ? 'kafka-consumer:latest' : flags.buildImage ? `cma-demo:${VERSION}` : DEFAULT_IMAGE),
    imageGiven: flags.image !== undefined || platform === 'openshift' || Boolean(flags.buildImage),
    processMs,
    sourceHash: resolved.sourceHash,
    settings: loadSettings(flags, out),
  };
}

/** Steps grouped into phases; the steps of a phase are independent and run in parallel. */
export function setupPhases(steps: StepId[]): StepId[][] {
  const groups: StepId[][] = [['namespace'], ['operators'], ['keda', 'kafka', 'consumer'], ['credentials'], ['scaledobject']];
  return groups.map((g) => g.filter((s) => steps.includes(s))).filter((g) => g.length > 0);
}
