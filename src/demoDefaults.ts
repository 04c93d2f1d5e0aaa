/**
 * The seed demo's names, in one place: what `setup` creates when no flag names something else, and what
 * status, teardown, lag, run and the in-cluster mode look for when neither a flag, the environment nor the
 * last setup (state/lastTarget.ts) says otherwise. See state/resolveTarget.ts for the precedence.
 */
export const DEMO_DEFAULTS = {
  /** The demo's namespace (consumer, Kafka, ScaledObject). */
  namespace: 'keda-cma-kafka',
  /** Where the Custom Metrics Autoscaler operator and its KedaController live on OpenShift. */
  kedaNamespaceOpenShift: 'openshift-keda',
  /** Where KEDA's release manifest installs KEDA on Kubernetes. */
  kedaNamespaceKubernetes: 'keda',
  /** The Strimzi / Streams for Apache Kafka cluster (its node pool is `<name>-pool`). */
  kafkaCluster: 'demo-cluster',
  /** The SCRAM-SHA-512 KafkaUser whose Secret holds the password. */
  kafkaUser: 'admin',
  /** The topic the consumer reads and the producer writes. */
  topic: 'test-in',
  /** The topic the consumer writes its audit to. */
  auditTopic: 'test-out',
  /** The consumer group (the ScaledObject's consumerGroup). */
  group: 'test-cg',
  /** The consumer Deployment (and its app label). */
  app: 'kafka-consumer',
  scaledObject: 'kafka-consumer-scaledobject',
  triggerAuth: 'keda-trigger-auth-kafka-credential',
  /** The Secret KEDA's TriggerAuthentication and the consumer read the SASL credentials from. */
  credentialSecret: 'keda-kafka-credential',
} as const;

/** The KEDA namespace of a platform. */
export const kedaNamespaceOf = (platform: 'openshift' | 'kubernetes' | undefined): string =>
  platform === 'openshift' ? DEMO_DEFAULTS.kedaNamespaceOpenShift : DEMO_DEFAULTS.kedaNamespaceKubernetes;
