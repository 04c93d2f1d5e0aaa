/**
 * The consumer worker on KafkaJS: eachBatch processing with explicit commits (audit written first), the
 * Java-like commit of the starting position for partitions without a commit, paused "stalled" partitions,
 * and a graceful stop (finish the in-flight record, commit, leave the group).
 */
import fsp from 'node:fs/promises';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, Producer } from 'kafkajs';
import { CmaError, ExitCode } from '../errors.js';
import { retry } from '../util/retry.js';
import { sleep } from '../util/sleep.js';
import { kafkaFor, mapKafkaError, withDeadline, destroySockets, CONNECT_DEADLINE_MS } from './kafkajs.js';
import {
  RateMeter,
  positionAfterBatch,
  sequenceOf,
  topicsOf,
  type ConsumeEvents,
  type ConsumeOptions,
  type ConsumeSummary,
  type StopReason,
} from './consumer.js';

const { Partitioners } = kafkajs;

export class ConsumerWorker {
  private readonly opts: ConsumeOptions;
  private readonly ev: ConsumeEvents;
  private consumer!: Consumer;
  private admin!: Admin;
  private producer: Producer | null = null;
  private auditHandle: fsp.FileHandle | null = null;

  private processed = 0;
  private audited = 0;
  private auditWrites = 0;
  private commits = 0;
  private assigned: number[] = [];
  private joins = 0;
  /** Last committed offset per `topic/partition`. */
  private readonly committed = new Map<string, number>();
  /** The topics subscribed to: `--topic a,b` is one group over several topics (as a trigger without topic sees it). */
  private readonly topics: string[];
  private commitChain: Promise<unknown> = Promise.resolve();
  private readonly rate = new RateMeter(10_000);
  private rateTimer: NodeJS.Timeout | null = null;
  private stopping: StopReason | null = null;
  /** The eachBatch call in flight (resolved when none). */
  private batchDone: Promise<void> = Promise.resolve();
  private fatal: CmaError | null = null;
  private stopSignal!: () => void;
  private readonly stopRequested = new Promise<void>((r) => (this.stopSignal = r));
  private readonly stall: Set<number>;
  private t0 = 0;
  ready = false;

  constructor(opts: ConsumeOptions, events: ConsumeEvents = {}) {
    this.opts = opts;
    this.ev = events;
    this.stall = new Set(opts.stallPartitions ?? []);
    this.topics = topicsOf(opts.topic);
  }

  stats() {
    return {
      group: this.opts.group,
      topic: this.opts.topic,
      processed: this.processed,
      ratePerSec: this.rate.rate(),
      commits: this.commits,
      assignedPartitions: this.assigned.length,
      ready: this.ready && !this.stopping,
    };
  }

  /** Asks the worker to stop after the in-flight record; run() then resolves with the summary. */
  stop(reason: StopReason): void {
    if (!this.stopping) this.stopping = reason;
    this.stopSignal();
  }

  private fail(err: CmaError): void {
    this.fatal ??= err;
    this.stop('error');
  }

  /** Connects, consumes until stopped (signal, --max-messages, fatal error), commits, leaves. */
  async run(): Promise<ConsumeSummary> {
    const o = this.opts;
    const conn = o.connection;
    const kafka = kafkaFor(conn, { clientId: o.clientId ?? `cma-demo-consume-${o.group}` });
    const session = o.sessionTimeoutMs ?? 10_000;
    this.consumer = kafka.consumer({
      groupId: o.group,
      sessionTimeout: session,
      heartbeatInterval: o.heartbeatIntervalMs ?? Math.max(500, Math.floor(session / 10)),
      rebalanceTimeout: o.rebalanceTimeoutMs ?? Math.max(session, 20_000),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      retry: { retries: 10 },
    });
    this.admin = kafka.admin();
    if (o.auditTopic) this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    if (o.auditFile) this.auditHandle = await fsp.open(o.auditFile, 'a');

    const connectAll = async () => {
      await this.admin.connect();
      await this.admin.listTopics(); // proves listener + credentials now, not at the first fetch
      await this.consumer.connect();
      if (this.producer) await this.producer.connect();
    };
    await withDeadline(connectAll, CONNECT_DEADLINE_MS, conn).catch(async (err) => {
      void this.disconnectAll();
      destroySockets(kafka);
      await this.auditHandle?.close().catch(() => {});
      throw err;
    });

    const { GROUP_JOIN, CRASH, END_BATCH_PROCESS } = this.consumer.events;
    this.consumer.on(END_BATCH_PROCESS, (e) => this.onFilteredBatch(e));
    this.consumer.on(GROUP_JOIN, (e) => {
      const byTopic: Record<string, number[]> = {};
      for (const t of this.topics) byTopic[t] = (e.payload.memberAssignment?.[t] ?? []).slice().sort((x: number, y: number) => x - y);
      this.assigned = this.topics.flatMap((t) => byTopic[t]!);
      const first = this.joins++ === 0;
      this.ready = true;
      for (const t of this.topics) {
        const stalled = byTopic[t]!.filter((p: number) => this.stall.has(p));
        if (stalled.length) this.consumer.pause([{ topic: t, partitions: stalled }]);
      }
      this.ev.onAssigned?.(this.topics.length === 1 ? byTopic[o.topic]! : this.assigned, first, byTopic);
      if (!o.faultNoCommit) void this.enqueueCommit(() => this.commitStartPositionsWithRetry(byTopic)).catch(() => {});
    });
    this.consumer.on(CRASH, (e) => {
      if (!e.payload.restart && !this.stopping) this.fail(mapKafkaError(e.payload.error, conn));
    });

    this.t0 = Date.now();
    this.rate.sample(this.t0, 0);
    this.rateTimer = setInterval(() => {
      this.rate.sample(Date.now(), this.processed);
      this.ev.onProgress?.(this.processed);
    }, 1000);
    this.rateTimer.unref();

    try {
      // Like a Java consumer, wait for a topic that does not exist yet (a worker may start before the load).
      const missing = async () => {
        const have = await this.admin.listTopics();
        return this.topics.filter((t) => !have.includes(t));
      };
      for (let announced = false, m = await missing(); m.length > 0; m = await missing()) {
        if (!announced) this.ev.onNotice?.(`waiting for topic ${m.join(', ')} to exist`);
        announced = true;
        if (await Promise.race([this.stopRequested.then(() => true), sleep(500).then(() => false)])) break;
      }
      if (this.stopping) {
        await this.disconnectAll();
        if (this.rateTimer) clearInterval(this.rateTimer);
        return this.summary();
      }
      await this.consumer.subscribe({ topics: this.topics, fromBeginning: o.offsetReset === 'earliest' });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (p) => {
          const run = this.eachBatch(p);
          this.batchDone = run.catch(() => {});
          return run;
        },
      });
    } catch (err) {
      await this.disconnectAll();
      throw mapKafkaError(err, conn);
    }
    if (o.maxMessages === 0) this.stop('max-messages');

    await this.stopRequested;
    // KafkaJS drops commits once its runner stops, so let the in-flight batch finish its record, write the
    // audit and commit first; then disconnect (stops fetching, sends LeaveGroup).
    await this.batchDone;
    await this.commitChain.catch(() => {});
    await this.consumer.disconnect().catch(() => {});
    await this.disconnectAll();
    if (this.rateTimer) clearInterval(this.rateTimer);
    if (this.fatal) throw this.fatal;

    return this.summary();
  }

  private summary(): ConsumeSummary {
    const o = this.opts;
    const durationMs = Date.now() - this.t0;
    return {
      group: o.group,
      topic: o.topic,
      records: this.processed,
      audited: this.audited,
      commits: this.commits,
      reason: this.stopping ?? 'error',
      durationMs,
      recordsPerSec: durationMs > 0 ? Math.round((this.processed * 1000 * 10) / durationMs) / 10 : 0,
      committed: [...this.committed.entries()]
        .map(([key, offset]) => ({ ...splitKey(key), offset }))
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
        .map(({ topic, partition, offset }) => (this.topics.length > 1 ? { topic, partition, offset } : { partition, offset })),
    };
  }

  private async disconnectAll(): Promise<void> {
    await Promise.all([this.consumer?.disconnect().catch(() => {}), this.admin?.disconnect().catch(() => {}), this.producer?.disconnect().catch(() => {})]);
    if (this.auditHandle) {
      await this.auditHandle.close().catch(() => {});
      this.auditHandle = null;
    }
  }

  /** Commits run one at a time, in order (a start-position commit never overtakes a progress commit). */
  private enqueueCommit(fn: () => Promise<void>): Promise<void> {
    const next = this.commitChain.then(fn, fn);
    this.commitChain = next.catch((err) => this.ev.onNotice?.(`commit failed: ${(err as Error).message}`));
    return next;
  }

  private commitStartPositionsWithRetry(byTopic: Record<string, number[]>): Promise<void> {
    // Any error, e.g. the group coordinator is still loading; not once the worker is stopping.
    return retry(
      async () => {
        for (const [topic, partitions] of Object.entries(byTopic)) await this.commitStartPositions(topic, partitions);
      },
      {
        attempts: 5,
        backoff: { initialMs: 200, factor: 1.5 },
        retriable: () => !this.stopping,
      },
    );
  }

  /** Like a Java consumer with auto-commit: partitions without a commit get their starting position committed. */
  private async commitStartPositions(topic: string, partitions: number[]): Promise<void> {
    if (partitions.length === 0 || this.stopping) return;
    const o = this.opts;
    const [committed] = await this.admin.fetchOffsets({ groupId: o.group, topics: [topic] });
    const missing = partitions.filter((p) => {
      const c = committed?.partitions.find((x) => x.partition === p);
      return (!c || Number(c.offset) < 0) && !this.committed.has(keyOf(topic, p));
    });
    if (missing.length === 0) return;
    const ends = await this.admin.fetchTopicOffsets(topic);
    const offsets = missing.map((p) => {
      const e = ends.find((x) => x.partition === p);
      return { topic, partition: p, offset: o.offsetReset === 'earliest' ? (e?.low ?? '0') : (e?.high ?? '0') };
    });
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      this.ev.onNotice?.(`start-position commit skipped (${(err as Error).message}); the next join retries it`);
      return;
    }
    this.commits++;
    for (const x of offsets) if (!this.committed.has(keyOf(topic, x.partition))) this.committed.set(keyOf(topic, x.partition), Number(x.offset));
  }

  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const o = this.opts;
    const { batch } = p;
    if (this.stopping || this.stall.has(batch.partition)) return;
    const pending: number[] = [];
    let last: string | null = null;
    let sinceCommit = Date.now();
    let whole = false;
    const flush = async () => {
      if (last === null) return;
      // Once every record of the batch is processed, the position is past the batch's trailing control
      // records and aborted records too (a Java consumer's position); before that, past the last record.
      const upTo = whole ? positionAfterBatch(batch.lastOffset(), last) : Number(last) + 1;
      await this.writeAudit(pending.splice(0));
      if (o.faultSigkillAfterAudits && ++this.auditWrites >= o.faultSigkillAfterAudits) process.kill(process.pid, 'SIGKILL');
      if (!o.faultNoCommit) await this.commitPosition(batch.topic, batch.partition, upTo);
      last = null;
      sinceCommit = Date.now();
    };
    try {
      const final = batch.messages[batch.messages.length - 1];
      for (const m of batch.messages) {
        if (this.stopping || !p.isRunning() || p.isStale()) break;
        if (o.processMs > 0) await sleep(o.processMs);
        this.processed++;
        const seq = sequenceOf(m.key, m.headers as Record<string, unknown> | undefined);
        if (seq !== null && !(o.faultDropEvery && this.processed % o.faultDropEvery === 0)) pending.push(seq);
        p.resolveOffset(m.offset);
        last = m.offset;
        whole = m === final && !o.faultCommitRecordOffsets;
        if (o.maxMessages !== undefined && this.processed >= o.maxMessages) {
          this.stop('max-messages');
          break;
        }
        if (o.processMs > 0) {
          await p.heartbeat();
          if (Date.now() - sinceCommit >= (o.commitIntervalMs ?? 1000)) await flush();
        }
      }
    } catch (err) {
      // A rebalance (heartbeat) interrupts the batch: commit what was processed, then let KafkaJS rejoin.
      await flush().catch(() => {});
      throw err;
    }
    await flush();
  }

  /** Commits a partition's position; a failed commit (e.g. the group moved on in a rebalance) is not fatal: the records come again. */
  private commitPosition(topic: string, partition: number, upTo: number): Promise<void> {
    return this.enqueueCommit(async () => {
      await this.consumer.commitOffsets([{ topic, partition, offset: String(upTo) }]);
      this.commits++;
      this.committed.set(keyOf(topic, partition), upTo);
    }).catch(() => {});
  }

  /**
   * A fetch that held only control records (transaction markers) or records of aborted transactions never
   * reaches eachBatch: KafkaJS resolves it internally but, with autoCommit off, commits nothing. A Java
   * consumer's position moves past such a batch and its next commit says so; without this, a committed
   * transaction leaves a lag of 1 (its marker) and an aborted one the size of its batch, and KEDA counts both.
   * KafkaJS reports the batch only through its instrumentation event (batchSize 0, lastOffset its last offset).
   */
  private onFilteredBatch(e: { payload: { topic: string; partition: number; batchSize: number; firstOffset: string | null; lastOffset: string } }): void {
    const { topic, partition, batchSize, firstOffset, lastOffset } = e.payload;
    if (batchSize !== 0 || firstOffset === null || !this.topics.includes(topic)) return;
    if (this.stopping || this.opts.faultNoCommit || this.opts.faultCommitRecordOffsets || this.stall.has(partition)) return;
    const upTo = Number(lastOffset) + 1;
    if ((this.committed.get(keyOf(topic, partition)) ?? -1) >= upTo) return;
    void this.commitPosition(topic, partition, upTo);
  }

  private async writeAudit(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    if (this.auditHandle) await this.auditHandle.write(seqs.join('\n') + '\n');
    if (this.producer && this.opts.auditTopic) {
      await this.producer.send({
        topic: this.opts.auditTopic,
        acks: -1,
        messages: seqs.map((s) => ({ key: String(s), value: String(s) })),
      });
    }
    this.audited += seqs.length;
  }
}

const keyOf = (topic: string, partition: number): string => `${topic}/${partition}`;
const splitKey = (key: string): { topic: string; partition: number } => {
  const i = key.lastIndexOf('/');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
};

export function exitCodeOf(reason: StopReason): number {
  return reason === 'SIGINT' ? ExitCode.INTERRUPTED : reason === 'error' ? ExitCode.ENV : ExitCode.OK;
}
