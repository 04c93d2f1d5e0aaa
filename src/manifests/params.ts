/**
 * Setup parameters: defaults (the seed demo's names, fixed where the seed was wrong), validation (pure) and the
 * template parameters derived from them.
 */
import { usageError } from '../errors.js';
import type { Warning } from '../errors.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';
import type { SaslMechanism, SecurityProtocol } from '../kafka/client.js';

export type Platform = 'openshift' | 'kubernetes';
export type StrimziApi = 'v1' | 'v1beta2';
export type ExternalListener = 'route' | 'nodeport' | 'loadbalancer' | 'none';
export type KafkaOperator = 'amq-streams' | 'strimzi';

export const STEP_IDS = ['namespace', 'operators', 'keda', 'kafka', 'credentials', 'consumer', 'scaledobject'] as const;
export type StepId = (typeof STEP_IDS)[number];

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'cma-demo';
export const SOURCE_HASH_LABEL = 'cma-demo.io/source-hash';

/** Pinned upstream releases for Kubernetes (flags override). */
export const DEFAULT_KEDA_VERSION = '2.20.2';
export const DEFAULT_STRIMZI_VERSION = '1.2.0';
export const kedaManifestUrl = (v: string): string => `https://github.com/kedacore/keda/releases/download/v${v}/keda-${v}.yaml`;
export const strimziManifestUrl = (v: string): string =>
  `https://github.com/strimzi/strimzi-kafka-operator/releases/download/${v}/strimzi-cluster-operator-${v}.yaml`;
export const DEFAULT_IMAGE = 'quay.io/example/cma-demo:latest';

/**
 * A Kafka that setup does not install (`--kafka local|existing`): Amazon MSK, Confluent, an existing Strimzi
 * cluster, or the local broker. No Strimzi objects; the topic is made with the Kafka admin API. Only what may be
 * rendered: the credentials themselves are read at apply time and go into the Secret only.
 */
export interface ExternalKafka {
  mode: 'local' | 'existing';
  /** host:port list as the pods and KEDA reach it. */
  bootstrap: string;
  securityProtocol: SecurityProtocol;
  saslMechanism?: SaslMechanism;
  /** A CA (PEM) is handed to KEDA and the consumer through the credentials Secret (key ca.crt). */
  hasCa: boolean;
}

/** KEDA's kafka trigger `sasl` value for a mechanism (pkg/scalers/kafka_scaler.go: the "sasl" auth parameter). */
export const kedaSaslValue = (m: SaslMechanism | undefined): string =>
  m === 'scram-sha-512' ? 'scram_sha512' : m === 'scram-sha-256' ? 'scram_sha256' : m === 'plain' ? 'plaintext' : 'none';

export interface SetupParams {
  platform: Platform;
  /** Undefined: setup installs Kafka with Strimzi (the default). */
  kafka?: ExternalKafka;
  namespace: string;
  kedaNamespace: string;
  strimziApi: StrimziApi;
  cluster: string;
  nodePool: string;
  user: string;
  topic: string;
  auditTopic: string;
  group: string;
  app: string;
  scaledObject: string;
  triggerAuth: string;
  credentialSecret: string;
  brokers: number;
  partitions: number;
  topicReplicas: number;
  externalListener: ExternalListener;
  kafkaOperator: KafkaOperator;
  catalogSource?: string;
  catalogNamespace: string;
  channel?: string;
  cmaChannel: string;
  startingCsv?: string;
  kedaManifestUrl: string;
  strimziManifestUrl: string;
  image: string;
  imageGiven: boolean;
  processMs: number;
  sourceHash: string;
  settings: ScaledObjectSettings;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A namespace must be a DNS-1123 label (≤ 63 characters, lower-case alphanumerics and '-'). */
export function validateNamespace(ns: string, flag = '-n'): string {
  if (ns.length > 63 || !DNS1123_LABEL.test(ns)) {
    throw usageError(
      `namespace "${ns}" is not a valid DNS-1123 label`,
      `pass ${flag} with at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit (e.g. keda-cma-kafka)`,
      'INVALID_NAMESPACE',
    );
  }
  return ns;
}

/** Object names (cluster, user, topic, …): DNS-1123 subdomains, ≤ 253 characters. */
export function validateName(name: string, flag: string): string {
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw usageError(
      `${flag} "${name}" is not a valid Kubernetes object name`,
      `use lower-case letters, digits, '-' and '.', e.g. ${flag} demo`,
      'INVALID_NAME',
    );
  }
  return name;
}

/** Cross-field checks before anything is applied. Errors throw (exit 2); warnings are returned. */
export function validateSetupParams(p: SetupParams): Warning[] {
  validateNamespace(p.namespace);
  for (const [flag, v] of [
    ['--kafka-cluster', p.cluster],
    ['--kafka-user', p.user],
    ['--topic', p.topic],
    ['--group', p.group],
  ] as const) {
    if (flag === '--group') continue; // a group id is not an object name
    validateName(v, flag);
  }
  if (p.topicReplicas > p.brokers) {
    throw usageError(
      `--topic-replicas ${p.topicReplicas} is more than --brokers ${p.brokers}: Kafka cannot place ${p.topicReplicas} replicas on ${p.brokers} broker(s) (the KafkaTopic would stay Ready=False with KafkaError)`,
      `use --topic-replicas ${p.brokers} or raise --brokers to ${p.topicReplicas}`,
      'TOPIC_REPLICAS_GT_BROKERS',
    );
  }
  const w: Warning[] = [];
  const s = p.settings;
  if (s.maxReplicaCount > p.partitions && !s.allowIdleConsumers) {
    w.push({
      code: 'MAX_REPLICAS_CAPPED',
      message: `--max-replicas ${s.maxReplicaCount} is above --partitions ${p.partitions}: without allowIdleConsumers KEDA caps the metric at ${p.partitions} partitions' worth, so at most ${p.partitions} replicas run`,
    });
  }
  // --kafka local only makes sense where the pods run on this machine (cma-demo lab), where no image is pulled.
  if (p.platform === 'kubernetes' && !p.imageGiven && p.kafka?.mode !== 'local') {
    w.push({
      code: 'PLACEHOLDER_IMAGE',
      message: `no --image given: the consumer Deployment uses the placeholder ${p.image}; build the Containerfile and push it where the cluster can pull it`,
    });
  }
  if (p.settings.activationLagThreshold > 0 && p.settings.offsetResetPolicy === 'latest') {
    // pre-commit (credentials step) keeps a fresh group from deadlocking; nothing to warn here.
  }
  return w;
}

const str = (b: boolean): string => (b ? 'true' : 'false');

/** The parameters the templates see. */
export function templateParams(p: SetupParams): Record<string, unknown> {
  const s = p.settings;
  const kafkaOp =
    p.kafkaOperator === 'amq-streams'
      ? { package: 'amq-streams', namespace: 'openshift-operators', source: p.catalogSource ?? 'redhat-operators', channel: p.channel ?? 'stable' }
      : {
          package: 'strimzi-kafka-operator',
          namespace: 'openshift-operators',
          source: p.catalogSource ?? 'community-operators',
          channel: p.channel ?? 'stable',
        };
  const internalBootstrap = p.kafka ? p.kafka.bootstrap : `${p.cluster}-kafka-bootstrap.${p.namespace}.svc:9092`;
  const tlsOn = p.kafka ? p.kafka.securityProtocol === 'SSL' || p.kafka.securityProtocol === 'SASL_SSL' : false;
  let externalListener: Record<string, unknown> | null = null;
  if (p.externalListener !== 'none') {
    externalListener = {
      name: 'external',
      port: 9094,
      type: p.externalListener,
      tls: p.externalListener === 'route',
      authentication: { type: 'scram-sha-512' },
    };
  }
  const triggerMetadata: Record<string, string> = {
    bootstrapServers: internalBootstrap,
    sasl: p.kafka ? kedaSaslValue(p.kafka.saslMechanism) : 'scram_sha512',
    tls: tlsOn ? 'enable' : 'disable',
    topic: p.topic,
    consumerGroup: p.group,
    lagThreshold: String(s.lagThreshold),
    activationLagThreshold: String(s.activationLagThreshold),
    offsetResetPolicy: s.offsetResetPolicy,
    allowIdleConsumers: str(s.allowIdleConsumers),
    scaleToZeroOnInvalidOffset: str(s.scaleToZeroOnInvalidOffset),
    excludePersistentLag: str(s.excludePersistentLag),
    limitToPartitionsWithLag: str(s.limitToPartitionsWithLag),
  };
  if (s.ensureEvenDistributionOfPartitions) triggerMetadata.ensureEvenDistributionOfPartitions = 'true';
  if (s.partitionLimitation) triggerMetadata.partitionLimitation = s.partitionLimitation;
  const rf = Math.min(3, p.brokers);
  return {
    namespace: p.namespace,
    kedaNamespace: p.kedaNamespace,
    strimziApi: p.strimziApi,
    cluster: p.cluster,
    nodePool: p.nodePool,
    user: p.user,
    topic: p.topic,
    auditTopic: p.auditTopic,
    group: p.group,
    app: p.app,
    scaledObject: p.scaledObject,
    triggerAuth: p.triggerAuth,
    credentialSecret: p.credentialSecret,
    brokers: p.brokers,
    partitions: p.partitions,
    topicReplicas: p.topicReplicas,
    kafkaConfig: {
      'offsets.topic.replication.factor': rf,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': Math.min(2, rf),
      'default.replication.factor': rf,
      'min.insync.replicas': Math.min(2, rf),
      'auto.create.topics.enable': false,
    },
    externalListener,
    exporterGroupRegex: `^${escapeRegex(p.group)}$`,
    exporterTopicRegex: `^(${escapeRegex(p.topic)}|${escapeRegex(p.auditTopic)})$`,
    cma: { channel: p.cmaChannel, source: p.catalogSource ?? 'redhat-operators', sourceNamespace: p.catalogNamespace, startingCSV: null },
    kafkaOperator: { ...kafkaOp, sourceNamespace: p.catalogNamespace, startingCSV: p.startingCsv ?? null },
    image: p.image,
    offsetReset: s.offsetResetPolicy,
    processMs: String(p.processMs),
    sourceHash: p.sourceHash,
    internalBootstrap,
    so: {
      pollingInterval: s.pollingInterval,
      cooldownPeriod: s.cooldownPeriod,
      initialCooldownPeriod: s.initialCooldownPeriod || null,
      minReplicaCount: s.minReplicaCount,
      maxReplicaCount: s.maxReplicaCount,
      idleReplicaCount: s.idleReplicaCount,
      fallback: s.fallback,
      behavior: s.behavior,
    },
    triggerMetadata,
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
