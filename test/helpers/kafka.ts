/**
 * Helpers for tests against the shared test broker (started once by test/setup/global.ts).
 * Use a unique topic and group per test: uniqueName('t'), uniqueName('g').
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { inject } from 'vitest';
import type { KafkaAdmin, KafkaConnection } from '../../src/kafka/client.js';
import { kafkaFor, openAdmin } from '../../src/kafka/kafkajs.js';
import type { TestKafka } from '../setup/global.js';

/** The shared test broker; throws when the run started without one. */
export function requireTestKafka(): TestKafka {
  const k = inject('kafka');
  if (!k) throw new Error('no test broker: run these tests without a test/unit-only filter (or set CMA_DEMO_TEST_BROKER=1)');
  return k;
}

/** A name unique to this test run and call, e.g. uniqueName('lag') → "lag-m3k9x2-4f1a". */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
}

export function plainConnection(k: TestKafka = requireTestKafka()): KafkaConnection {
  return { brokers: [k.bootstrap], securityProtocol: 'PLAINTEXT', source: 'test broker' };
}

export function saslConnection(k: TestKafka = requireTestKafka(), password?: string): KafkaConnection {
  return {
    brokers: [k.saslBootstrap],
    securityProtocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'scram-sha-512', username: k.username, password: password ?? fs.readFileSync(k.passwordFile, 'utf8').trim() },
    source: 'test broker',
  };
}

/** Opens an admin on the test broker, runs fn, closes it. */
export async function withAdmin<T>(fn: (admin: KafkaAdmin) => Promise<T>, conn: KafkaConnection = plainConnection()): Promise<T> {
  const admin = await openAdmin(conn);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Environment for the binary (runCli) so it talks to the test broker as "the local broker". */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const k = requireTestKafka();
  return { CMA_DEMO_STATE: k.stateDir, ...extra };
}

/**
 * Creates the topic (when missing) and writes n records keyed by their decimal sequence number
 * (start, start+1, …), as `cma-demo produce --sequence` does. For test set-up only.
 */
export async function produceSequenced(topic: string, n: number, opts: { partitions?: number; start?: number; conn?: KafkaConnection } = {}): Promise<void> {
  const conn = opts.conn ?? plainConnection();
  await withAdmin((a) => a.ensureTopic(topic, opts.partitions ?? 4), conn);
  const kafkajs = (await import('kafkajs')).default;
  const producer = kafkaFor(conn).producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const start = opts.start ?? 0;
    for (let i = 0; i < n; i += 2000) {
      const messages = [];
      for (let j = i; j < Math.min(n, i + 2000); j++) messages.push({ key: String(start + j), value: 'v'.repeat(100) });
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Σ (log-end − committed) over a topic's partitions; partitions without a commit count their whole log. */
export async function groupLag(group: string, topic: string): Promise<{ total: number; uncommitted: number }> {
  return withAdmin(async (a) => {
    const ends = await a.endOffsets(topic);
    const committed = await a.committedOffsets(group, [topic]);
    let total = 0;
    let uncommitted = 0;
    for (const e of ends) {
      const c = committed.find((x) => x.partition === e.partition)?.offset ?? null;
      if (c === null) uncommitted++;
      total += e.high - (c ?? e.low);
    }
    return { total, uncommitted };
  });
}
