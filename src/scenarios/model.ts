/**
 * The scenario model: what a scenario file says (ScenarioFile, as validated by schema.ts) and what the runner runs
 * (CaseDef: one file, or one variant of a file, after defaults and the --fast profile).
 *
 * schema.ts is typed against these file types (ajv's JSONSchemaType): a field added, removed, retyped or made
 * required here without the same change in the schema fails `tsc`.
 */
import type { HpaBehavior, OffsetResetPolicy } from '../scaling/settings.js';

export type Anchor = 'start' | 'load-start' | 'load-end' | 'previous' | 'outage-start' | 'outage-end';

export type ExpectationDef =
  | { kind: 'reach'; replicas: number; within: number; after?: Anchor }
  | { kind: 'return'; replicas: number; within: number; after?: Anchor }
  | { kind: 'never-exceed'; replicas: number }
  | { kind: 'never-below'; replicas: number }
  | { kind: 'stay'; replicas: number; for: number; after?: Anchor }
  | { kind: 'active'; active: boolean; within: number; after?: Anchor }
  | { kind: 'lag-drains'; lag: number; within: number; after?: Anchor }
  | { kind: 'no-loss'; duplicates?: boolean }
  | { kind: 'scale-downs'; atLeast: number }
  /** Every sample's replica count is one of these (e.g. the divisors of the partition count). */
  | { kind: 'replicas-in'; replicas: number[] }
  /** The replica count goes from `from` straight to `to` (two consecutive distinct counts) at least once. */
  | { kind: 'step'; from: number; to: number };

export type ExpectationKind = ExpectationDef['kind'];

/** A load phase as the file writes it (loader.ts fills recordSize and after, and folds pauses into `after`). */
export interface ScenarioLoadPhase {
  /** Records to produce (scaled by --fast). */
  records: number;
  /** Records per second (a rate: never scaled). -1 = unlimited. */
  throughput: number;
  /** Bytes a record (default 100). */
  recordSize?: number;
  /** Only these partitions. */
  partitions?: number[];
  /** Seconds to wait before this phase starts (scaled by --fast; default 0). */
  after?: number;
  /** Wait until at least one consumer is ready (it joined the group) before this phase starts. */
  when?: 'consumers-ready';
  /** Produce to one of the case's extra topics (`topics.extra`) instead of its own topic. */
  topic?: string;
  /** Each request is one Kafka transaction (produce --transactional). */
  transactional?: boolean;
  /** With transactional: abort every N-th transaction (produce --abort-every N). */
  abortEvery?: number;
}

/** A pause between load phases, in seconds (added to the next phase's `after`). */
export interface ScenarioPause {
  pause: number;
}

/** A load phase of a runnable case: recordSize and after filled. */
export interface LoadPhase extends ScenarioLoadPhase {
  recordSize: number;
  after: number;
}

/** ScaledObject fields a scenario may set (ScaledObject names). */
export interface ScenarioSettings {
  pollingInterval?: number;
  cooldownPeriod?: number;
  initialCooldownPeriod?: number;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  idleReplicaCount?: number | null;
  lagThreshold?: number;
  activationLagThreshold?: number;
  offsetResetPolicy?: OffsetResetPolicy;
  scaleToZeroOnInvalidOffset?: boolean;
  excludePersistentLag?: boolean;
  allowIdleConsumers?: boolean;
  limitToPartitionsWithLag?: boolean;
  ensureEvenDistributionOfPartitions?: boolean;
  /** KEDA's partitionLimitation syntax ("0,2-3,7"). */
  partitionLimitation?: string;
  /** ScaledObject spec.fallback (behavior static). */
  fallback?: { failureThreshold: number; replicas: number };
  /** The KEDA release the emulator models (2.18, 2.19, 2.20, main or an exact release); default: the CMA release's. */
  kedaVersion?: string;
  behavior?: HpaBehavior | null;
}

export interface ScenarioConsumer {
  /** Simulated work per record, ms (a rate: not scaled). */
  processMs?: number;
  /** Pod start-up delay, seconds (scaled by --fast). */
  startupDelaySeconds?: number;
  /** The consumer's auto.offset.reset; defaults to the ScaledObject's offsetResetPolicy. */
  offsetReset?: OffsetResetPolicy;
  /** Partitions the consumer never advances (persistent lag). */
  stallPartitions?: number[];
}

export interface ScenarioPreconditions {
  group?: 'committed-at-end' | 'never-committed' | 'as-is';
  replicas?: number;
  topic?: 'fresh' | 'reuse';
  /**
   * Before the first sample: this many records (no sequence numbers, spread over the partitions) are written to
   * the topic and then deleted (DeleteRecords up to the log end), as retention would: the log start moves up to
   * the log end. Scaled by --fast like every record count.
   */
  deletedRecords?: number;
}

/** More topics than the case's own (multi-topic cases). */
export interface ScenarioTopics {
  /** Extra topics, named `<topic>-<name>`, created (fresh) with the case's partition count. */
  extra?: string[];
  /** Extra topics the consumers subscribe to as well (one group over all of them). */
  consumed?: string[];
  /**
   * `none`: the trigger leaves `topic` out, so KEDA reads every topic the group has commits for (the
   * preconditions commit the group on the case's topic and the consumed extras only). Default `case`.
   */
  trigger?: 'case' | 'none';
}

/** A broker outage during the case: the local target pauses the broker process (SIGSTOP) and resumes it (SIGCONT). */
export interface ScenarioOutage {
  /** Seconds after the load starts (scaled by --fast). */
  after: number;
  /** How long the broker stays paused, seconds (scaled by --fast). */
  for: number;
}

export interface ScenarioBody {
  description?: string;
  settings?: ScenarioSettings;
  annotations?: Record<string, string>;
  consumer?: ScenarioConsumer;
  partitions?: number;
  preconditions?: ScenarioPreconditions;
  load?: Array<ScenarioLoadPhase | ScenarioPause>;
  topics?: ScenarioTopics;
  outage?: ScenarioOutage;
  expectations?: ExpectationDef[];
  /** Record the consumers' audit and compare with what was acknowledged (default true). */
  audit?: boolean;
  /** Fields --fast leaves alone, as dotted paths (`settings.cooldownPeriod`, `load.0.records`, `expectations.1.within`). */
  pin?: string[];
  /** Upper bound of the case's duration in seconds after the first sample (scaled by --fast). */
  timeout?: number;
}

export interface ScenarioFile extends ScenarioBody {
  name: string;
  description: string;
  /** Partitions of the topic (a variant may change it). */
  partitions: number;
  /** One line for `run --list`; defaults to the description's first sentence. */
  summary?: string;
  /** Targets the case can run on (default both). */
  targets?: Array<'local' | 'cluster'>;
  /** Features the target must support (Target.supports). */
  requires?: string[];
  /** Topic and group base names (default cma-<name>); --run-id suffixes them. */
  topic?: string;
  group?: string;
  variants?: Array<ScenarioBody & { name: string }>;
}

/** A runnable case: a file or one of its variants, defaults filled, --fast applied. */
export interface CaseDef {
  /** `case1`, or `case4/latest-trap` for a variant. */
  name: string;
  file: string;
  /** --run-id: suffixes topic, group (and, on the cluster, the ScaledObject). */
  runId?: string;
  description: string;
  targets: Array<'local' | 'cluster'>;
  requires: string[];
  topic: string;
  group: string;
  partitions: number;
  /** The case's ScaledObject fields (before they are laid over the target's defaults). */
  settings: ScenarioSettings;
  annotations: Record<string, string>;
  consumer: Required<Omit<ScenarioConsumer, 'offsetReset' | 'stallPartitions'>> & {
    offsetReset?: OffsetResetPolicy;
    stallPartitions: number[];
  };
  preconditions: Required<Omit<ScenarioPreconditions, 'deletedRecords'>> & Pick<ScenarioPreconditions, 'deletedRecords'>;
  load: LoadPhase[];
  /** Extra topics by their short name → full name (suffixed like the case's topic). */
  extraTopics: Array<{ name: string; topic: string }>;
  /** Full names of the extra topics the consumers also subscribe to. */
  consumedTopics: string[];
  /** False when the trigger leaves `topic` out (KEDA reads every topic the group has commits for). */
  triggerTopic: boolean;
  outage: ScenarioOutage | null;
  expectations: ExpectationDef[];
  audit: boolean;
  pin: string[];
  timeout: number;
  /** HPA controller timing the emulator uses (scaled by --fast). */
  hpa: { syncSeconds: number; downscaleWindowSeconds: number; tolerance: number };
  /**
   * How long KEDA's Kafka client waits for a broker's answer before the read fails (Sarama's Net.ReadTimeout,
   * 30 s by default, which KEDA's kafka scaler keeps; scaled by --fast). The local emulator fails a read that
   * takes longer, so a paused broker is a scaler error only once it has been silent this long.
   */
  kafkaReadTimeoutSeconds: number;
}

export const DEFAULT_CONSUMER = { processMs: 1, startupDelaySeconds: 10 } as const;
export const DEFAULT_LOAD_RECORD_SIZE = 100;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const HPA_DEFAULTS = { syncSeconds: 15, downscaleWindowSeconds: 300, tolerance: 0.1 } as const;
/** Sarama's default Net.ReadTimeout (config.go NewConfig), which KEDA's kafka scaler does not change. */
export const KAFKA_READ_TIMEOUT_SECONDS = 30;
