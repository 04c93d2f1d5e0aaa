import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { CmaError } from '../../src/errors.js';
import { openAdmin, kafkaFor } from '../../src/kafka/kafkajs.js';
import { resolveConnection } from '../../src/kafka/connection.js';
import { brokerStatus } from '../../src/local/broker.js';
import { freePorts } from '../../src/local/ports.js';
import { runCli } from '../helpers/cli.js';
import { cliEnv, plainConnection, requireTestKafka, saslConnection, uniqueName, withAdmin } from '../helpers/kafka.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-conn-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function expectCmaError(p: Promise<unknown>): Promise<CmaError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CmaError);
    return err as CmaError;
  }
  throw new Error('expected a CmaError');
}

describe('Kafka connection against the shared test broker', () => {
  it('SCRAM-SHA-512 login on the SASL listener works', async () => {
    const topics = await withAdmin((a) => a.listTopics(), saslConnection());
    expect(Array.isArray(topics)).toBe(true);
  });

  it('resolveConnection falls back to the local broker: PLAINTEXT, or SASL with its own user and password file', async () => {
    const k = requireTestKafka();
    const env = { CMA_DEMO_STATE: k.stateDir };
    const localBroker = (e: NodeJS.ProcessEnv) => brokerStatus({ env: e });
    const plain = await resolveConnection({}, env, localBroker);
    expect(plain).toMatchObject({ brokers: [k.bootstrap], securityProtocol: 'PLAINTEXT', source: 'local broker' });
    const sasl = await resolveConnection({ securityProtocol: 'SASL_PLAINTEXT' }, env, localBroker);
    expect(sasl.brokers).toEqual([k.saslBootstrap]);
    expect(sasl.sasl?.username).toBe(k.username);
    await withAdmin((a) => a.listTopics(), sasl);
  });

  it('no bootstrap and no local broker → exit 3 naming the fix', async () => {
    const err = await expectCmaError(resolveConnection({}, { CMA_DEMO_STATE: tmp }, (e) => brokerStatus({ env: e })));
    expect(err.exitCode).toBe(3);
    expect(err.hint).toContain('cma-demo local up');
  });

  it('a wrong password → "SASL authentication failed for user …", exit 3 (and the right one passes)', async () => {
    const k = requireTestKafka();
    const err = await expectCmaError(openAdmin(saslConnection(k, 'not-the-password')));
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`SASL authentication failed for user ${k.username}`);
    expect(err.hint).toMatch(/password/);
  });

  it('a wrong password through the binary: exit 3, a clear error on stderr, nothing on stdout', async () => {
    const k = requireTestKafka();
    const r = await runCli(
      [
        'consume',
        '--bootstrap-server',
        k.saslBootstrap,
        '--security-protocol',
        'SASL_PLAINTEXT',
        '--username',
        k.username,
        '--group',
        uniqueName('g'),
        '--topic',
        'x',
        '-o',
        'json',
      ],
      { env: cliEnv({ CMA_DEMO_KAFKA_PASSWORD: 'wrong-password-123' }) },
    );
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`error: SASL authentication failed for user ${k.username}`);
    expect(r.stderr).toContain('hint: ');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('wrong-password-123');
  });

  it('an unreachable bootstrap (nothing listens) → exit 3 naming it, within 10 s', async () => {
    const [port] = await freePorts(1);
    const conn = { brokers: [`127.0.0.1:${port}`], securityProtocol: 'PLAINTEXT' as const, source: '--bootstrap-server' };
    const t0 = Date.now();
    const err = await expectCmaError(openAdmin(conn));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`cannot reach Kafka at 127.0.0.1:${port}`);
  });

  it('a silent listener (accepts, never answers) → exit 3 within 10 s, through the binary', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const t0 = Date.now();
      const r = await runCli(['consume', '--bootstrap-server', `127.0.0.1:${port}`, '--group', 'g', '--topic', 't'], { env: cliEnv() });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain(`cannot reach Kafka at 127.0.0.1:${port}`);
    } finally {
      sockets.forEach((s) => s.destroy());
      srv.close();
    }
  });

  it('endOffsets reports the high watermark (read_uncommitted) like kafka-consumer-groups, not KafkaJS’s last stable offset', async () => {
    const topic = uniqueName('txn');
    const conn = plainConnection();
    await withAdmin((a) => a.ensureTopic(topic, 1));
    const producer = kafkaFor(conn).producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const txn = await producer.transaction();
    try {
      await txn.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      const ours = await withAdmin((a) => a.endOffsets(topic));
      expect(ours[0].high).toBe(3);
      // The failing neighbour: a plain KafkaJS admin (READ_COMMITTED) still says 0 while the transaction is open.
      const raw = new kafkajs.Kafka({ brokers: conn.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
      await raw.connect();
      try {
        expect(Number((await raw.fetchTopicOffsets(topic))[0].high)).toBe(0);
      } finally {
        await raw.disconnect();
      }
    } finally {
      await txn.abort();
      await producer.disconnect();
    }
  });

  it('committedOffsets reports null for partitions without a commit and never creates one', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await withAdmin(async (a) => {
      await a.ensureTopic(topic, 3);
      expect((await a.committedOffsets(group, [topic])).map((c) => c.offset)).toEqual([null, null, null]);
      await a.commitOffsets(group, topic, [{ partition: 1, offset: 0 }]);
      expect((await a.committedOffsets(group, [topic])).map((c) => c.offset)).toEqual([null, 0, null]);
      expect(await a.committedOffsets(group)).toEqual([{ topic, partition: 1, offset: 0 }]);
    });
  });

  it('partitions/endOffsets of a missing topic → exit 3 naming the topic', async () => {
    const topic = uniqueName('missing');
    const err = await expectCmaError(withAdmin((a) => a.endOffsets(topic)));
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`topic ${topic} does not exist`);
  });
});

describe('secrets', () => {
  it('a known password given through CMA_DEMO_KAFKA_PASSWORD appears in no output and no process command line', async () => {
    const k = requireTestKafka();
    const password = fs.readFileSync(k.passwordFile, 'utf8').trim();
    const topic = uniqueName('t');
    await withAdmin((a) => a.ensureTopic(topic, 2));
    const { execa } = await import('execa');
    const { BIN } = await import('../helpers/cli.js');
    const proc = execa(
      process.execPath,
      [
        BIN,
        'consume',
        '--bootstrap-server',
        k.saslBootstrap,
        '--security-protocol',
        'SASL_PLAINTEXT',
        '--sasl-mechanism',
        'scram-sha-512',
        '--username',
        k.username,
        '--group',
        uniqueName('g'),
        '--topic',
        topic,
        '-v',
        '-o',
        'json',
      ],
      { env: { ...cliEnv(), NO_COLOR: '1', CMA_DEMO_KAFKA_PASSWORD: password }, reject: false, timeout: 60_000 },
    );
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const t0 = Date.now();
    while (!err.includes('consume: ready')) {
      if (proc.exitCode !== null || Date.now() - t0 > 30_000) throw new Error(`consumer did not get ready:\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const leaks: string[] = [];
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
        if (cmd.includes(password)) leaks.push(`${d}: ${cmd.replace(/\0/g, ' ')}`);
      } catch {
        /* gone */
      }
    }
    expect(leaks).toEqual([]);
    expect(fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8')).toContain('consume'); // the scan did see the consumer
    proc.kill('SIGTERM');
    const res = await proc;
    expect(res.exitCode).toBe(0);
    expect(err).toContain('SASL_PLAINTEXT as cma-demo (scram-sha-512)');
    expect(String(res.stdout) + err).not.toContain(password);
  });
});
