/**
 * The seam (docs/design.md §1). The runner knows nothing about where replicas come from:
 * a Target answers "how many replicas now, is the ScaledObject active, what did the HPA ask for", applies and
 * restores the case's ScaledObject settings, and cleans up. LocalTarget (local broker + consumer processes +
 * emulator) and ClusterTarget (oc/kubectl + real KEDA) implement it.
 */
import type { KafkaConnection } from '../kafka/client.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';

export interface ConsumerSettings {
  /** Simulated work per record (bounds one consumer's rate). */
  processMs: number;
  /** Delay between a replica being requested and the consumer joining (pod start-up). */
  startupDelayMs: number;
  /** Where a group with no commit starts. */
  offsetReset: 'earliest' | 'latest';
}

export interface CaseSpec {
  /** Case name, for logs and object names. */
  name: string;
  runId?: string;
  topic: string;
  group: string;
  partitions: number;
  /** Effective ScaledObject settings of the case (after --fast scaling). */
  settings: ScaledObjectSettings;
  consumer: ConsumerSettings;
  /** Replicas before the first sample (e.g. 0). */
  startReplicas: number;
  /** ScaledObject annotations the case applies (e.g. autoscaling.keda.sh/paused-replicas). */
  annotations?: Record<string, string>;
  /** Audit: where consumers record processed sequence numbers (local: a file per consumer). */
  auditDir?: string;
  /** HPA controller timing for an emulated HPA (local target; divided by --fast). */
  hpa?: { syncSeconds: number; downscaleWindowSeconds: number; tolerance: number };
  /** Partitions the consumers never advance (persistent-lag cases). */
  stallPartitions?: number[];
  /** More topics the consumers subscribe to, in the same group (multi-topic cases). */
  consumerTopics?: string[];
  /** The trigger has no topic: the scaler reads every topic the group has commits for. */
  allTopics?: boolean;
  /**
   * How long the (emulated) scaler waits for the broker before a read fails: KEDA's Kafka client read timeout
   * (local target; divided by --fast).
   */
  kafkaReadTimeoutMs?: number;
}

/** One observation; fields a target cannot know are null. */
export interface TargetSample {
  /** The Deployment's (or local) spec replica count. */
  replicas: number;
  readyReplicas: number;
  /** What the HPA (or the emulator) asked for last. */
  desiredReplicas: number | null;
  /** ScaledObject Active condition (or the emulator's activity). */
  active: boolean | null;
  /** The metric KEDA reported to the HPA (cluster: KEDA's real external metric; local: the emulator's). */
  metric: number | null;
}

export interface Target {
  readonly kind: 'local' | 'cluster';
  /** How the producer and the lag monitor reach Kafka. */
  connection(): Promise<KafkaConnection>;
  /** Whether this target can run a case that needs a feature (e.g. 'broker-pause' is local-only). */
  supports(feature: string): { ok: true } | { ok: false; reason: string };
  /** Applies the case's settings/patch and starting replicas; starts the scaling loop. */
  prepare(spec: CaseSpec): Promise<void>;
  sample(): Promise<TargetSample>;
  /** Undoes what prepare patched; stops consumers / the loop. Safe to call twice and after a failed prepare. */
  restore(): Promise<void>;
  /** Writes diagnostics files into dir; returns their paths. */
  diagnostics(dir: string): Promise<string[]>;
  /**
   * The audit the consumers wrote (sequence numbers, in any order) and how many consumers exited 0 after SIGTERM;
   * null when the target cannot audit. Called after restore().
   */
  audit?(): Promise<{ seqs: Iterable<number>; scaleDowns: number } | null>;
  /** Component versions for the report. */
  versions(): Promise<Record<string, string>>;
  /** Pauses the Kafka broker (feature 'broker-pause'; the local target stops its process with SIGSTOP). */
  pauseBroker?(): Promise<void>;
  /** Resumes a paused broker; a no-op when it is not paused. */
  resumeBroker?(): Promise<void>;
  /** Releases everything (broker started by the target, child processes). */
  close(): Promise<void>;
}
