/**
 * The consumer worker's contract and its pure parts: options, the summary, sequence numbers of audited
 * records, the processing-rate meter and the Prometheus exposition. The KafkaJS side is kafkajsConsumer.ts.
 */
import type { KafkaConnection } from './client.js';

export type StopReason = 'max-messages' | 'SIGTERM' | 'SIGINT' | 'error';

export interface ConsumeOptions {
  connection: KafkaConnection;
  group: string;
  /** The topic, or several separated by commas: one group consuming them all (see topicsOf). */
  topic: string;
  offsetReset: 'earliest' | 'latest';
  /** Simulated work per record (ms); 0 = none. */
  processMs: number;
  maxMessages?: number;
  /** Append the sequence numbers of processed records (one decimal a line) before committing. */
  auditFile?: string;
  /** Produce the sequence numbers of processed records to this topic before committing. */
  auditTopic?: string;
  /** Partitions this consumer never processes (paused when assigned): a stuck consumer for tests. */
  stallPartitions?: number[];
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Commit at least this often while processing a long batch (ms). */
  commitIntervalMs?: number;
  clientId?: string;
  /** Fault injection (hidden flags): never commit. */
  faultNoCommit?: boolean;
  /** Fault injection (hidden flags): leave every N-th processed record out of the audit. */
  faultDropEvery?: number;
  /** Fault injection (hidden flags): SIGKILL itself after the N-th audit write, before committing (mid-batch crash). */
  faultSigkillAfterAudits?: number;
  /**
   * Fault injection (hidden flag): commit last record + 1 instead of the position past control records and aborted
   * batches (cma-demo before issue 8), so transaction markers and aborted batches stay as lag.
   */
  faultCommitRecordOffsets?: boolean;
}

export interface ConsumeEvents {
  /** Every (re)assignment; the first one is the "ready" moment. With several topics, `byTopic` tells them apart. */
  onAssigned?(partitions: number[], first: boolean, byTopic?: Record<string, number[]>): void;
  onProgress?(processed: number): void;
  /** Something worth a line on stderr (non-fatal). */
  onNotice?(message: string): void;
}

export interface ConsumeSummary {
  group: string;
  topic: string;
  records: number;
  audited: number;
  commits: number;
  reason: StopReason;
  durationMs: number;
  recordsPerSec: number;
  /** Offsets this consumer committed last, per partition (with the topic when it consumes several). */
  committed: { topic?: string; partition: number; offset: number }[];
}

/** The topics of `--topic a,b`: Kafka topic names cannot hold commas, so a comma list is unambiguous. */
export function topicsOf(topic: string): string[] {
  return [
    ...new Set(
      topic
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * The sequence number of a record stamped by `produce --sequence`: its key as a decimal number, or else a
 * `seq` header; null when the record carries none (not audited).
 */
export function sequenceOf(key: Buffer | string | null | undefined, headers?: Record<string, unknown>): number | null {
  const dec = (b: unknown): number | null => {
    if (Array.isArray(b)) return dec(b[0]);
    const s = Buffer.isBuffer(b) ? b.toString('utf8') : typeof b === 'string' ? b : null;
    if (s === null || !/^\d{1,15}$/.test(s)) return null;
    return Number(s);
  };
  return dec(key) ?? dec(headers?.seq);
}

/**
 * The position after a fully processed batch, as a Java consumer commits it: one past the batch's last offset
 * (KafkaJS's batch.lastOffset(), which counts the control records and aborted records it filtered out), and
 * never below one past the last processed record.
 */
export function positionAfterBatch(batchLastOffset: string, lastProcessed: string): number {
  return Math.max(Number(batchLastOffset), Number(lastProcessed)) + 1;
}

/** Processing rate over a sliding window, from cumulative counts sampled at times the caller supplies. */
export class RateMeter {
  private samples: { t: number; n: number }[] = [];
  constructor(private readonly windowMs = 10_000) {}

  sample(t: number, n: number): void {
    this.samples.push({ t, n });
    while (this.samples.length > 2 && this.samples[1].t <= t - this.windowMs) this.samples.shift();
  }

  /** Records per second between the oldest sample in the window and the newest; 0 with fewer than two. */
  rate(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.t > a.t ? ((b.n - a.n) * 1000) / (b.t - a.t) : 0;
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The /metrics page (Prometheus text exposition 0.0.4). */
export function renderConsumerMetrics(m: {
  group: string;
  topic: string;
  processed: number;
  ratePerSec: number;
  commits: number;
  assignedPartitions: number;
  ready: boolean;
}): string {
  const l = `{group="${esc(m.group)}",topic="${esc(m.topic)}"}`;
  return [
    '# HELP cma_demo_consumer_records_processed_total Records this consumer has processed.',
    '# TYPE cma_demo_consumer_records_processed_total counter',
    `cma_demo_consumer_records_processed_total${l} ${m.processed}`,
    '# HELP cma_demo_consumer_records_per_second Processing rate over the last 10 seconds.',
    '# TYPE cma_demo_consumer_records_per_second gauge',
    `cma_demo_consumer_records_per_second${l} ${Number(m.ratePerSec.toFixed(3))}`,
    '# HELP cma_demo_consumer_commits_total Offset commits this consumer has made.',
    '# TYPE cma_demo_consumer_commits_total counter',
    `cma_demo_consumer_commits_total${l} ${m.commits}`,
    '# HELP cma_demo_consumer_assigned_partitions Partitions currently assigned to this consumer.',
    '# TYPE cma_demo_consumer_assigned_partitions gauge',
    `cma_demo_consumer_assigned_partitions${l} ${m.assignedPartitions}`,
    '# HELP cma_demo_consumer_ready 1 once the consumer has joined its group.',
    '# TYPE cma_demo_consumer_ready gauge',
    `cma_demo_consumer_ready${l} ${m.ready ? 1 : 0}`,
    '',
  ].join('\n');
}
