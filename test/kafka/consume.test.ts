import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { cliEnv, groupLag, produceSequenced, uniqueName, withAdmin } from '../helpers/kafka.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-consume-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const auditLines = (f: string): number[] => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number) : []);

/** Starts `cma-demo consume …` in the background; resolves once it printed its ready line. */
async function startConsumer(args: string[]): Promise<{ proc: ResultPromise; stderr: () => string }> {
  const proc = execa(process.execPath, [BIN, 'consume', ...args], { env: { NO_COLOR: '1', ...cliEnv() }, reject: false, timeout: 120_000 });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const t0 = Date.now();
  while (!err.includes('consume: ready')) {
    if (proc.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`consumer did not get ready:\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, stderr: () => err };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cma-demo consume (the binary, shared test broker)', () => {
  it('--max-messages N: exits 0 after exactly N records, committed (lag 0), every sequence number audited once', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 5000, { partitions: 4 });
    expect(await groupLag(group, topic)).toEqual({ total: 5000, uncommitted: 4 });
    const audit = path.join(tmp, `${group}.audit`);
    const r = await runCli(
      ['consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--max-messages', '5000', '--audit-file', audit, '-o', 'json'],
      { env: cliEnv() },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ group, topic, records: 5000, audited: 5000, reason: 'max-messages' });
    expect(r.stderr).toMatch(/consume: ready \(group .*, partitions 0,1,2,3\)/);
    expect(r.stderr).toContain('consume: stopped after 5000 records (max-messages)');
    expect(await groupLag(group, topic)).toEqual({ total: 0, uncommitted: 0 });
    const seen = auditLines(audit).sort((a, b) => a - b);
    expect(seen).toHaveLength(5000);
    expect(seen[0]).toBe(0);
    expect(seen[4999]).toBe(4999);
  });

  it('--max-messages below the backlog leaves exactly the rest as lag', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 3000, { partitions: 3 });
    const r = await runCli(['consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--max-messages', '1000', '-o', 'json'], {
      env: cliEnv(),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).records).toBe(1000);
    expect((await groupLag(group, topic)).total).toBe(2000);
  });

  it('commits the starting position (latest) of partitions without a commit, like a Java consumer; --fault-no-commit does not', async () => {
    const topic = uniqueName('t');
    await produceSequenced(topic, 800, { partitions: 4 });
    for (const [fault, expectUncommitted] of [
      [false, 0],
      [true, 4],
    ] as const) {
      const group = uniqueName('g');
      const c = await startConsumer(['--group', group, '--topic', topic, '--offset-reset', 'latest', ...(fault ? ['--fault-no-commit'] : [])]);
      if (!fault) await waitFor(async () => (await groupLag(group, topic)).uncommitted === 0);
      else await new Promise((r) => setTimeout(r, 1500));
      c.proc.kill('SIGTERM');
      const res = await c.proc;
      expect(res.exitCode).toBe(0);
      const lag = await groupLag(group, topic);
      expect(lag.uncommitted).toBe(expectUncommitted);
      // latest: nothing of the existing backlog counts as lag once the start is committed
      if (!fault) expect(lag.total).toBe(0);
    }
  });

  it('SIGTERM: finishes the in-flight record, commits what it processed, leaves the group, exits 0', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 2000, { partitions: 2 });
    const audit = path.join(tmp, `${group}.audit`);
    const c = await startConsumer(['--group', group, '--topic', topic, '--offset-reset', 'earliest', '--process-ms', '5', '--audit-file', audit, '-o', 'json']);
    await waitFor(() => auditLines(audit).length >= 50);
    c.proc.kill('SIGTERM');
    const res = await c.proc;
    expect(res.exitCode, c.stderr()).toBe(0);
    const doc = JSON.parse(String(res.stdout));
    expect(doc.reason).toBe('SIGTERM');
    expect(doc.records).toBeGreaterThan(0);
    expect(doc.records).toBeLessThan(2000);
    expect(c.stderr()).toContain(`consume: stopped after ${doc.records} records (SIGTERM)`);
    // Everything processed is committed and audited: lag = backlog − processed.
    expect((await groupLag(group, topic)).total).toBe(2000 - doc.records);
    expect(auditLines(audit)).toHaveLength(doc.records);
    // It left the group (no member waits for a session timeout).
    const g = await withAdmin((a) => a.describeGroup(group));
    expect(g.members).toHaveLength(0);
  });

  it('SIGINT: the same graceful stop, exit 130', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 1000, { partitions: 2 });
    const c = await startConsumer(['--group', group, '--topic', topic, '--offset-reset', 'earliest', '--process-ms', '5', '-o', 'json']);
    await waitFor(async () => (await groupLag(group, topic)).total < 1000);
    c.proc.kill('SIGINT');
    const res = await c.proc;
    expect(res.exitCode).toBe(130);
    const doc = JSON.parse(String(res.stdout));
    expect(doc.reason).toBe('SIGINT');
    expect((await groupLag(group, topic)).total).toBe(1000 - doc.records);
  });

  it('--fault-drop-every N leaves every N-th record out of the audit (the audit can catch a loss)', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 1000, { partitions: 2 });
    const audit = path.join(tmp, `${group}.audit`);
    const r = await runCli(
      [
        'consume',
        '--group',
        group,
        '--topic',
        topic,
        '--offset-reset',
        'earliest',
        '--max-messages',
        '1000',
        '--audit-file',
        audit,
        '--fault-drop-every',
        '10',
      ],
      { env: cliEnv() },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(auditLines(audit)).toHaveLength(900);
  });

  it('--audit-topic gets one record per processed sequence number', async () => {
    const topic = uniqueName('t');
    const auditTopic = uniqueName('audit');
    const group = uniqueName('g');
    await produceSequenced(topic, 500, { partitions: 2 });
    await withAdmin((a) => a.ensureTopic(auditTopic, 1));
    const r = await runCli(
      ['consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--max-messages', '500', '--audit-topic', auditTopic],
      { env: cliEnv() },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const ends = await withAdmin((a) => a.endOffsets(auditTopic));
    expect(ends.reduce((s, e) => s + e.high, 0)).toBe(500);
  });

  it('--stall-partitions: those partitions keep their lag while the others are drained', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 2000, { partitions: 4 });
    const ends = await withAdmin((a) => a.endOffsets(topic));
    const stalled = ends.find((e) => e.partition === 1)!.high;
    const c = await startConsumer(['--group', group, '--topic', topic, '--offset-reset', 'earliest', '--stall-partitions', '1']);
    await waitFor(async () => (await groupLag(group, topic)).total === stalled, 30_000);
    c.proc.kill('SIGTERM');
    expect((await c.proc).exitCode).toBe(0);
    const committed = await withAdmin((a) => a.committedOffsets(group, [topic]));
    expect(committed.find((x) => x.partition === 1)?.offset).toBe(0);
    expect((await groupLag(group, topic)).total).toBe(stalled);
  });

  it('serves /healthz and /metrics with the processed total', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 300, { partitions: 2 });
    const c = await startConsumer(['--group', group, '--topic', topic, '--offset-reset', 'earliest', '--port', '0', '--metrics-host', '127.0.0.1']);
    const url = /metrics on (http:\/\/\S+)\/metrics/.exec(c.stderr())![1];
    await waitFor(async () => (await groupLag(group, topic)).total === 0);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`cma_demo_consumer_records_processed_total\\{group="${group}",topic="${topic}"\\} 300\\n`));
    expect(metrics).toContain('# TYPE cma_demo_consumer_records_per_second gauge');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    c.proc.kill('SIGTERM');
    expect((await c.proc).exitCode).toBe(0);
  });

  it('scaling a group up and down loses nothing: the audits together hold every sequence number', async () => {
    const topic = uniqueName('t');
    const group = uniqueName('g');
    const n = 4000;
    await produceSequenced(topic, n, { partitions: 6 });
    const audits = ['a', 'b', 'c'].map((x) => path.join(tmp, `${group}.${x}.audit`));
    const args = (i: number) => [
      '--group',
      group,
      '--topic',
      topic,
      '--offset-reset',
      'earliest',
      '--process-ms',
      '2',
      '--session-timeout-ms',
      '6000',
      '--audit-file',
      audits[i],
    ];
    const a = await startConsumer(args(0));
    await waitFor(() => auditLines(audits[0]).length > 200);
    const b = await startConsumer(args(1));
    const c = await startConsumer(args(2));
    await waitFor(() => auditLines(audits[1]).length > 50 && auditLines(audits[2]).length > 50);
    b.proc.kill('SIGTERM'); // scale down by one while the others keep going
    expect((await b.proc).exitCode).toBe(0);
    await waitFor(async () => (await groupLag(group, topic)).total === 0, 60_000);
    a.proc.kill('SIGTERM');
    c.proc.kill('SIGTERM');
    expect((await a.proc).exitCode).toBe(0);
    expect((await c.proc).exitCode).toBe(0);
    const seen = new Set(audits.flatMap(auditLines));
    expect(seen.size).toBe(n);
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(n - 1);
  });

  it('waits for a topic that does not exist yet, then consumes it', async () => {
    const topic = uniqueName('late');
    const group = uniqueName('g');
    const proc = execa(process.execPath, [BIN, 'consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--max-messages', '200'], {
      env: { NO_COLOR: '1', ...cliEnv() },
      reject: false,
      timeout: 60_000,
    });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor(() => err.includes(`waiting for topic ${topic} to exist`));
    expect(proc.exitCode).toBeNull();
    await produceSequenced(topic, 200, { partitions: 2 });
    const res = await proc;
    expect(res.exitCode, err).toBe(0);
    expect(err).toContain('consume: stopped after 200 records (max-messages)');
  });

  it('rejects bad flags with exit 2 before connecting', async () => {
    for (const args of [
      ['--offset-reset', 'middle'],
      ['--process-ms', '-1'],
      ['--stall-partitions', '0,x'],
      ['--audit-file', 'a', '--audit-topic', 'b'],
    ]) {
      const r = await runCli(['consume', '--group', 'g', '--topic', 't', ...args], { env: cliEnv() });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error: .*\nhint: /);
    }
  });
});

describe('cross-check with the Java tool', () => {
  it('kafka-consumer-groups --describe (from the same jars) reports the lag our admin reads', async () => {
    const { KAFKA_TOOLS, runKafkaTool } = await import('../../src/local/java.js');
    const { requireTestKafka } = await import('../helpers/kafka.js');
    const topic = uniqueName('t');
    const group = uniqueName('g');
    await produceSequenced(topic, 1200, { partitions: 3 });
    const r = await runCli(['consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--max-messages', '500'], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(0);
    const ours = await withAdmin(async (a) => {
      const ends = await a.endOffsets(topic);
      const committed = await a.committedOffsets(group, [topic]);
      return ends.map((e) => ({ partition: e.partition, end: e.high, committed: committed.find((c) => c.partition === e.partition)!.offset }));
    });
    const tool = await runKafkaTool(KAFKA_TOOLS.consumerGroups, ['--bootstrap-server', requireTestKafka().bootstrap, '--describe', '--group', group]);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …
    const rows = tool.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[1] === topic)
      .map((c) => ({ partition: Number(c[2]), committed: Number(c[3]), end: Number(c[4]), lag: Number(c[5]) }));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const o = ours.find((x) => x.partition === row.partition)!;
      expect(row).toEqual({ partition: o.partition, committed: o.committed, end: o.end, lag: o.end - o.committed! });
    }
    expect(rows.reduce((s, x) => s + x.lag, 0)).toBe(700);
  });
});
