/**
 * Our small Kafka client interface. KafkaJS is in maintenance mode; everything outside src/kafka/kafkajs*.ts
 * talks to Kafka only through these types so a future swap (e.g. @confluentinc/kafka-javascript) stays cheap.
 * Offsets are plain numbers (exact up to 2^53, far beyond any demo topic).
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { CmaError } from '../errors.js';

export type SaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';
export type SecurityProtocol = 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';

/** A resolved connection: never printed as a whole (it may hold the password). */
export interface KafkaConnection {
  brokers: string[];
  securityProtocol: SecurityProtocol;
  /** TLS options when the protocol is SSL or SASL_SSL. */
  tls?: TlsOptions;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  clientId?: string;
  /** Where the connection came from, for the first stderr line: "local broker", "--bootstrap-server", … */
  source: string;
}

/** A description safe to print: no password. */
export function describeConnection(c: KafkaConnection): string {
  const who = c.sasl ? ` as ${c.sasl.username} (${c.sasl.mechanism})` : '';
  return `${c.brokers.join(',')} ${c.securityProtocol}${who} [${c.source}]`;
}

/**
 * A broker answer worth asking again (a retry predicate): a CmaError from a Kafka error KafkaJS marks retriable,
 * e.g. UNKNOWN_TOPIC_OR_PARTITION while a new topic's leaders load. An unreachable broker is not one of them:
 * KafkaJS has already retried the connection by the time it reports it.
 */
export const isRetriableKafkaAnswer = (err: unknown): boolean => err instanceof CmaError && err.retriable && err.code !== 'KAFKA_UNREACHABLE';

export interface PartitionEnd {
  partition: number;
  /** Log-end offset (high watermark, read_uncommitted, as kafka-consumer-groups and KEDA use). */
  high: number;
  /** Log-start offset. */
  low: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** null when the group has no commit for the partition (the broker's −1; other negative values are kept). */
  offset: number | null;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  host: string;
  assignment: Record<string, number[]>;
}
export interface GroupDescription {
  groupId: string;
  state: string;
  members: GroupMember[];
}

export interface KafkaAdmin {
  listTopics(): Promise<string[]>;
  /** How many brokers the cluster has (metadata). */
  brokerCount(): Promise<number>;
  /** Creates the topic when missing and waits until every partition has a leader. */
  ensureTopic(topic: string, partitions: number, opts?: { replicationFactor?: number; timeoutMs?: number }): Promise<{ created: boolean; partitions: number }>;
  /** Partition ids of a topic (error when it does not exist). */
  partitions(topic: string): Promise<number[]>;
  /** Log-end (high watermark) and log-start offsets of every partition. */
  endOffsets(topic: string): Promise<PartitionEnd[]>;
  /** Last stable offset of every partition (READ_COMMITTED): below the high watermark while a transaction is open. */
  lastStableOffsets?(topic: string): Promise<Array<{ partition: number; offset: number }>>;
  /** Committed offsets of a group; without topics: every topic the group has commits for. Never modifies commits. */
  committedOffsets(groupId: string, topics?: string[]): Promise<CommittedOffset[]>;
  /** Sets committed offsets (the group must have no active members). */
  commitOffsets(groupId: string, topic: string, offsets: { partition: number; offset: number }[]): Promise<void>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  deleteTopics(topics: string[]): Promise<void>;
  /** Deletes every record below the log end of these partitions (the log start moves up to the log end), as retention would. */
  deleteRecords?(topic: string, partitions: number[]): Promise<void>;
  deleteGroups(groupIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Producer settings our producer understands (from --producer-props / --producer.config; see kafka/producer.ts). */
export interface ProducerSettings {
  /** -1 = all (the default, as in Java since 3.0), 1 = leader, 0 = none. */
  acks: -1 | 0 | 1;
  compression: 'none' | 'gzip';
  /** Request timeout for the broker's ack (request.timeout.ms / delivery.timeout.ms). */
  timeoutMs: number;
  clientId?: string;
  /**
   * Set: a transactional producer with this transactional.id (idempotent, one request in flight); every
   * send() is one transaction, committed or, with `abort`, aborted.
   */
  transactionalId?: string;
}

/** One record to send; the partition is always chosen by the caller. */
export interface ProducerMessage {
  partition: number;
  /** Never modify a Buffer after passing it to send(): encoded keyless records are cached by Buffer identity. */
  value: Buffer;
  key?: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
}

export interface KafkaProducer {
  /**
   * Sends the messages in one request per broker and resolves when the broker acknowledged them (acks). A
   * transactional producer sends them as one transaction and resolves once it is committed, or aborted when
   * `abort` is set (a non-transactional producer refuses `abort`).
   */
  send(topic: string, messages: ProducerMessage[], opts?: { abort?: boolean }): Promise<void>;
  close(): Promise<void>;
}
