/**
 * Transactions on a real broker: `cma-demo consume` commits its position past the transaction markers (control
 * records) and past aborted batches, exactly where Kafka's Java consumer (kafka-console-consumer, read_committed,
 * from the same jars) commits on the same partitions; so the group's lag, and what KEDA counts, drains to 0.
 * `produce --transactional [--abort-every N]` is the load that makes such partitions.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv, plainConnection, requireTestKafka, uniqueName, withAdmin } from '../helpers/kafka.js';
import { produce } from '../../src/kafka/producer.js';
import { ConsumerWorker } from '../../src/kafka/kafkajsConsumer.js';
import { readPartitionOffsets } from '../../src/kafka/lag.js';
import { computeKedaView } from '../../src/scaling/kedaLag.js';
import { DEFAULT_SETTINGS } from '../../src/scaling/settings.js';
import { KAFKA_TOOLS, runKafkaTool } from '../../src/local/java.js';

async function waitFor(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Transactions of `records` records on the given partitions, committed or aborted (one request = one transaction). */
const txn = (topic: string, records: number, partitions: number[], abort: boolean) =>
  produce({
    connection: plainConnection(),
    topic,
    numRecords: records,
    throughput: -1,
    recordSize: 20,
    partitions,
    transactional: true,
    ...(abort ? { abortEvery: 1 } : {}),
  });

const committedOf = (group: string, topic: string) =>
  withAdmin(async (a) => Object.fromEntries((await a.committedOffsets(group, [topic])).map((c) => [c.partition, c.offset])));

/** kafka-consumer-groups --describe: CURRENT-OFFSET and LAG per partition of the topic. */
async function javaDescribe(group: string, topic: string): Promise<Record<number, { committed: number; end: number; lag: number }>> {
  const tool = await runKafkaTool(KAFKA_TOOLS.consumerGroups, ['--bootstrap-server', requireTestKafka().bootstrap, '--describe', '--group', group]);
  const out: Record<number, { committed: number; end: number; lag: number }> = {};
  for (const c of tool.stdout.split('\n').map((l) => l.trim().split(/\s+/))) {
    if (c[1] === topic) out[Number(c[2])] = { committed: Number(c[3]), end: Number(c[4]), lag: Number(c[5]) };
  }
  return out;
}

describe('transactions: the consumer commits its position past control records', () => {
  it('after committed and aborted transactions cma-demo consume commits what the Java consumer commits, and the lag is 0', async () => {
    const topic = uniqueName('tx');
    const ours = uniqueName('g-cma');
    const java = uniqueName('g-java');
    await withAdmin((a) => a.ensureTopic(topic, 3));
    // p0: a committed transaction of 10 records (offsets 0-9, commit marker 10).
    // p1: an aborted transaction of 10 records (offsets 0-9, abort marker 10).
    // p2: committed, aborted, committed (markers at 5, 11 and 17).
    const s1 = await txn(topic, 10, [0], false);
    const s2 = await txn(topic, 10, [1], true);
    await txn(topic, 5, [2], false);
    await txn(topic, 5, [2], true);
    await txn(topic, 5, [2], false);
    expect(s1.transactions).toEqual({ committed: 1, aborted: 0, abortedRecords: 0 });
    expect(s2.transactions).toEqual({ committed: 0, aborted: 1, abortedRecords: 10 });
    // 11/11/18 — more if a transaction had to be sent again (its failed attempt is aborted: invisible, but in the log).
    const end = Object.fromEntries((await withAdmin((a) => a.endOffsets(topic))).map((e) => [e.partition, e.high])) as Record<number, number>;
    expect([end[0]! >= 11, end[1]! >= 11, end[2]! >= 18]).toEqual([true, true, true]);

    // cma-demo's consumer: 10 + 0 + 10 visible records; then it must move past the markers and the aborted batch.
    const seen: number[] = [];
    const w = new ConsumerWorker(
      { connection: plainConnection(), group: ours, topic, offsetReset: 'earliest', processMs: 0, commitIntervalMs: 200 },
      { onProgress: (n) => seen.push(n) },
    );
    const done = w.run();
    await waitFor(async () => {
      const c = await committedOf(ours, topic);
      return c[0] === end[0] && c[1] === end[1] && c[2] === end[2];
    }).catch(async (err) => {
      throw new Error(`${(err as Error).message}: cma-demo committed ${JSON.stringify(await committedOf(ours, topic))}, log ends ${JSON.stringify(end)}`);
    });
    w.stop('SIGTERM');
    const summary = await done;
    expect(summary.records).toBe(20);

    // Kafka's Java consumer, read_committed, in a group of its own, on the same partitions.
    const k = requireTestKafka();
    await runKafkaTool(
      KAFKA_TOOLS.consoleConsumer,
      ['--bootstrap-server', k.bootstrap, '--topic', topic, '--group', java, '--from-beginning', '--isolation-level', 'read_committed', '--timeout-ms', '8000'],
      { reject: false },
    );
    const javaRows = await javaDescribe(java, topic);
    const oursRows = await javaDescribe(ours, topic);
    const atEnd = (p: number) => ({ committed: end[p]!, end: end[p]!, lag: 0 });
    expect(javaRows).toEqual({ 0: atEnd(0), 1: atEnd(1), 2: atEnd(2) });
    expect(oursRows).toEqual(javaRows);

    // What KEDA counts for the group: nothing left.
    const view = await withAdmin(async (a) => computeKedaView(await readPartitionOffsets(a, ours, topic), { ...DEFAULT_SETTINGS, activationLagThreshold: 0 }));
    expect(view.totalLagWithPersistent).toBe(0);
    expect(view.active).toBe(false);
  }, 180_000);

  it('a consumer already at the end moves past a transaction that arrives later (a batch of only a marker after its records)', async () => {
    const topic = uniqueName('tx2');
    const group = uniqueName('g');
    await withAdmin((a) => a.ensureTopic(topic, 1));
    const w = new ConsumerWorker({ connection: plainConnection(), group, topic, offsetReset: 'earliest', processMs: 0 });
    const done = w.run();
    await waitFor(async () => w.stats().ready);
    const endNow = async () => (await withAdmin((a) => a.endOffsets(topic)))[0]!.high;
    await txn(topic, 7, [0], true); // aborted: the consumer gets a fetch with nothing it may see (7 records + marker)
    const e1 = await endNow();
    expect(e1).toBeGreaterThanOrEqual(8);
    await waitFor(async () => (await committedOf(group, topic))[0] === e1);
    await txn(topic, 7, [0], false);
    const e2 = await endNow();
    await waitFor(async () => (await committedOf(group, topic))[0] === e2);
    w.stop('SIGTERM');
    expect((await done).records).toBe(7);
  }, 120_000);
});

describe('produce --transactional (the binary)', () => {
  it('--abort-every 1 aborts every transaction: nothing acknowledged as delivered, one marker per transaction in the log', async () => {
    const topic = uniqueName('txcli');
    const r = await runCli(
      [
        'produce',
        '--topic',
        topic,
        '--partitions',
        '1',
        '--num-records',
        '300',
        '--throughput',
        '1000',
        '--record-size',
        '10',
        '--sequence',
        '--transactional',
        '--abort-every',
        '1',
        '-o',
        'json',
      ],
      { env: cliEnv() },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    type Doc = { records: number; transactions: { committed: number; aborted: number; abortedRecords: number }; ackedSequences: unknown[] };
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.transactions.committed).toBe(0);
    expect(doc.transactions.aborted).toBeGreaterThan(0);
    expect(doc.transactions.abortedRecords).toBe(300);
    expect(doc.ackedSequences).toEqual([]);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends[0]!.high).toBeGreaterThanOrEqual(300 + doc.transactions.aborted); // more only if a failed attempt was sent again
  }, 120_000);

  it('--abort-every without --transactional, or below 1, exits 2 before connecting', async () => {
    for (const args of [
      ['--abort-every', '2'],
      ['--transactional', '--abort-every', '0'],
    ]) {
      const r = await runCli(['produce', '--topic', 'x', '--num-records', '10', ...args], { env: cliEnv() });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--abort-every/);
    }
  });
});
