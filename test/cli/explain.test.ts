/**
 * The built binary as a process: explain, check and recommend against the shared test broker, with the seed demo's
 * ScaledObject (../shared/seed-demo/ScaledObject.yaml). The three "must show" runs of issue 9, exit codes, --watch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { cliEnv, produceSequenced, requireTestKafka, uniqueName, withAdmin } from '../helpers/kafka.js';

const SEED = path.resolve(ROOT, '../shared/seed-demo/ScaledObject.yaml');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-explain-cli-'));

describe('cma-demo explain', () => {
  it('during a run on the local target, explain with no flags shows the emulator chain of the running case; after it, the record is gone', async () => {
    const k = requireTestKafka();
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-explain-live-'));
    const env = { NO_COLOR: '1', CMA_DEMO_STATE: state };
    const run = execa(process.execPath, [BIN, 'run', 'case1', '--target', 'local', '--fast', '--bootstrap-server', k.bootstrap], { env, reject: false });
    try {
      const liveFile = path.join(state, 'live-run.json');
      const deadline = Date.now() + 120_000;
      while (!fs.existsSync(liveFile) && Date.now() < deadline && run.exitCode === null) await new Promise((r) => setTimeout(r, 200));
      expect(fs.existsSync(liveFile), 'the running case writes its record').toBe(true);
      const r = await runCli(['explain', '-o', 'json'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.source).toMatchObject({ kind: 'local-run', run: { case: 'case1', pid: run.pid } });
      expect(doc.group).toMatch(/^cma-case1/);
      expect(doc.emulator).toHaveProperty('desiredReplicas');
      expect(doc.replicas.currentSource).toMatch(/the emulator of the running case case1/);
      const text = await runCli(['explain'], { env });
      expect(text.stdout).toMatch(/\(the case case1 running on the local target, pid \d+\)/);
      expect(text.stdout).toMatch(/^emulator \(the running case\): metric /m);
    } finally {
      const done = await run;
      expect(done.exitCode, String(done.stderr).slice(-2000)).toBe(0);
    }
    expect(fs.existsSync(path.join(state, 'live-run.json'))).toBe(false);
    fs.rmSync(state, { recursive: true, force: true });
  }, 300_000);

  it("Must show: a never-committed group on 10 partitions with the seed's ScaledObject ends with a verdict naming activationLagThreshold; -o json has the per-partition rules", async () => {
    const topic = uniqueName('ex-cli');
    const group = uniqueName('ex-cli-g');
    await produceSequenced(topic, 500, { partitions: 10 });
    const env = cliEnv();
    const r = await runCli(['explain', '--group', group, '--topic', topic, '--scaledobject', SEED], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const last = lines[lines.length - 1]!;
    expect(last).toMatch(/^verdict: never activates: 10 uncommitted partitions × 1 = 10, not above activationLagThreshold 10 — fix: /);
    expect(r.stdout).toContain('3. activation       no  10 is not above activationLagThreshold 10');
    expect(r.stderr).toContain('[SCALE_TARGET_KIND]');
    expect(r.stderr.split('\n').find((l) => l.startsWith('explain:'))).toMatch(
      new RegExp(`explain: ScaledObject kafka-consumer-scaledobject \\(file\\), Kafka .*, group ${group}, topic ${topic}`),
    );

    const j = await runCli(['explain', '--group', group, '--topic', topic, '--scaledobject', SEED, '-o', 'json'], { env });
    expect(j.exitCode, j.stderr).toBe(0);
    const d = JSON.parse(j.stdout);
    expect(d.partitions).toHaveLength(10);
    for (const p of d.partitions) expect(p).toMatchObject({ topic, committedOffset: null, rule: 'no-commit-latest', setting: 'offsetResetPolicy', lag: 1 });
    expect(d.steps.map((s: { id: string }) => s.id)).toEqual([
      'total',
      'cap',
      'metric',
      'activation',
      'keda',
      'hpa-proposal',
      'hpa-tolerance',
      'hpa-min-max',
      'hpa-scale-up',
      'hpa-scale-down',
      'fallback',
      'replicas',
    ]);
    expect(d.verdict).toMatchObject({ kind: 'never-activates', setting: 'activationLagThreshold', level: 'problem' });
    expect(d.versions).toEqual({ kedaModel: '2.18' });
    expect(d.warnings.map((w: { code: string }) => w.code)).toContain('SCALE_TARGET_KIND');
  });

  it('neighbour: the same group after it committed → not the trap; --watch -o json gives one object a sample with what changed', async () => {
    const topic = uniqueName('ex-cli2');
    const group = uniqueName('ex-cli2-g');
    await produceSequenced(topic, 500, { partitions: 10 });
    await withAdmin((a) =>
      a.commitOffsets(
        group,
        topic,
        Array.from({ length: 10 }, (_, partition) => ({ partition, offset: 0 })),
      ),
    );
    const r = await runCli(
      ['explain', '--group', group, '--topic', topic, '--scaledobject', SEED, '--watch', '--interval', '0.2', '--count', '2', '-o', 'json'],
      { env: cliEnv() },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const docs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    expect(docs[0].verdict.kind).toBe('activates');
    expect(docs[0].changed).toEqual([]);
    expect(docs[1].changed).toEqual([]); // nothing moved between the samples
    expect(typeof docs[1].time).toBe('string');
  });

  it('usage errors exit 2 before reading anything; an unreachable Kafka exits 3', async () => {
    const env = cliEnv();
    const both = await runCli(['explain', 'some-name', '--scaledobject', SEED], { env });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/either a ScaledObject name .* or --scaledobject/);
    const count = await runCli(['explain', '--scaledobject', SEED, '--count', '2'], { env });
    expect(count.exitCode).toBe(2);
    const missing = await runCli(['explain', '--scaledobject', path.join(tmp, 'nope.yaml')], { env });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('cannot read --scaledobject');
    const down = await runCli(['explain', '--scaledobject', SEED, '--bootstrap-server', '127.0.0.1:1'], { env });
    expect(down.exitCode).toBe(3);
    expect(down.stdout).toBe('');
  });
});

describe('cma-demo check', () => {
  it("Must show: the seed's ScaledObject against a 3-partition topic exits 1 and lists the partition cap and the never-committed trap", async () => {
    const topic = uniqueName('ck');
    await produceSequenced(topic, 30, { partitions: 3 });
    const group = uniqueName('ck-g');
    const r = await runCli(['check', '--scaledobject', SEED, '--topic', topic, '--group', group], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/ERROR\s+NEVER_COMMITTED_CANNOT_ACTIVATE\s+spec\.triggers\[0\]\.metadata\.activationLagThreshold/);
    expect(r.stdout).toMatch(/WARNING\s+PARTITIONS_BELOW_MAX\s+spec\.maxReplicaCount/);
    expect(r.stdout).toMatch(/ERROR\s+SCALE_TARGET_KIND\s+spec\.scaleTargetRef\.kind/);
    expect(r.stdout).toContain(`maxReplicaCount 10 but topic ${topic} has 3 partitions`);

    const j = await runCli(['check', '--scaledobject', SEED, '--topic', topic, '--group', group, '-o', 'json'], { env: cliEnv() });
    expect(j.exitCode).toBe(1);
    const d = JSON.parse(j.stdout);
    const codes = d.findings.map((f: { code: string }) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['NEVER_COMMITTED_CANNOT_ACTIVATE', 'PARTITIONS_BELOW_MAX', 'SCALE_TARGET_KIND']));
    for (const f of d.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['code', 'level', 'field', 'message', 'fix']));
    expect(d.summary.errors).toBeGreaterThanOrEqual(2);
    expect(d.partitions).toBe(3);
  });

  it('neighbour: a corrected ScaledObject on a committed 10-partition topic exits 0', async () => {
    const topic = uniqueName('ck-ok');
    const group = uniqueName('ck-ok-g');
    await produceSequenced(topic, 100, { partitions: 10 });
    await withAdmin((a) =>
      a.commitOffsets(
        group,
        topic,
        Array.from({ length: 10 }, (_, partition) => ({ partition, offset: 0 })),
      ),
    );
    const fixed = path.join(tmp, 'fixed.yaml');
    fs.writeFileSync(fixed, fs.readFileSync(SEED, 'utf8').replace('kind: deployment', 'kind: Deployment').replace("unsafeSsl: 'true'", "unsafeSsl: 'false'"));
    const r = await runCli(['check', '--scaledobject', fixed, '--topic', topic, '--group', group, '-o', 'json'], { env: cliEnv() });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).summary.errors).toBe(0);
  });

  it('exit 2 on bad input, 3 when Kafka cannot be reached; --no-kafka checks the object alone', async () => {
    const env = cliEnv();
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, 'kind: Deployment\nmetadata: {name: x}\n');
    const r2 = await runCli(['check', '--scaledobject', bad], { env });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain('holds no ScaledObject');
    const r3 = await runCli(['check', '--scaledobject', SEED, '--bootstrap-server', '127.0.0.1:1'], { env });
    expect(r3.exitCode).toBe(3);
    const off = await runCli(['check', '--scaledobject', SEED, '--no-kafka', '--bootstrap-server', '127.0.0.1:1', '-o', 'json'], { env });
    expect(off.exitCode).toBe(1); // kind: deployment is an error on its own
    const d = JSON.parse(off.stdout);
    expect(d.findings.map((f: { code: string }) => f.code)).not.toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
    expect(d.skipped.join(' ')).toContain('--no-kafka');
  });
});

describe('cma-demo recommend', () => {
  it("Must show: -o yaml prints a ScaledObject which, replayed by plan --scaledobject on its partition count, drains within 120 s of the load's end", async () => {
    const r = await runCli(['recommend', '--load', '1000000@10000', '--consumer-rate', '2000', '--drain-within', '120s', '-o', 'yaml']);
    expect(r.exitCode, r.stderr).toBe(0);
    const file = path.join(tmp, 'recommended.yaml');
    fs.writeFileSync(file, r.stdout);
    expect(r.stdout).toMatch(/^apiVersion: keda\.sh\/v1alpha1\nkind: ScaledObject\n/);
    const partitions = /cma-demo\/partitions: "(\d+)"/.exec(r.stdout)?.[1];
    expect(partitions).toBeDefined();
    // no --partitions: plan takes them from the file's cma-demo/partitions annotation
    const p = await runCli(['plan', '--scaledobject', file, '--load', '1000000@10000', '--consumer-rate', '2000', '-o', 'json']);
    expect(p.exitCode, p.stderr).toBe(0);
    const plan = JSON.parse(p.stdout);
    expect(plan.drainedS).not.toBeNull();
    expect(plan.drainedS - plan.loadEndS).toBeLessThanOrEqual(120);
    // The file is what plan used: its settings carry the recommended maxReplicaCount.
    expect(plan.settings.maxReplicaCount).toBe(Number(partitions));
    expect(plan.assumptions.partitions).toBe(Number(partitions));
  });

  it('neighbour: a goal no combination reaches exits 1 and says why; missing goal flags exit 2', async () => {
    const r = await runCli(['recommend', '--load', '1000000@10000', '--consumer-rate', '2000', '--drain-within', '5s', '--max-replicas', '2', '-o', 'json']);
    expect(r.exitCode).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(d.candidates).toEqual([]);
    expect(d.warnings.map((w: { code: string }) => w.code)).toContain('GOAL_UNREACHABLE');
    const u = await runCli(['recommend', '--load', '1000000@10000', '--drain-within', '120s']);
    expect(u.exitCode).toBe(2);
    expect(u.stderr).toContain('--consumer-rate is required');
  });
});

describe('cma-demo recommend without --load', () => {
  it("measures the topic's produce rate while a producer runs", async () => {
    const topic = uniqueName('rec-m');
    const env = cliEnv();
    const producer = execa(process.execPath, [BIN, 'produce', '--topic', topic, '--partitions', '4', '--num-records', '200000', '--throughput', '2000'], {
      env: { NO_COLOR: '1', ...env },
      reject: false,
    });
    try {
      // Wait until records arrive (a condition, not a fixed sleep).
      const t0 = Date.now();
      for (;;) {
        const n = await withAdmin(async (a) => ((await a.listTopics()).includes(topic) ? (await a.endOffsets(topic)).reduce((s, p) => s + p.high, 0) : 0));
        if (n > 0) break;
        if (Date.now() - t0 > 60_000) throw new Error('the producer sent nothing');
        await new Promise((r) => setTimeout(r, 200));
      }
      const r = await runCli(
        ['recommend', '--topic', topic, '--measure', '3', '--duration', '60', '--consumer-rate', '500', '--drain-within', '2m', '-o', 'json'],
        { env },
      );
      expect([0, 1]).toContain(r.exitCode);
      expect(r.stderr).toContain(`measuring the produce rate of topic ${topic} for 3 s`);
      const d = JSON.parse(r.stdout);
      expect(d.goal.load).toHaveLength(1);
      expect(d.goal.load[0].rate).toBeGreaterThan(0);
      expect(d.goal.load[0].records).toBe(Math.round(d.goal.load[0].rate * 60));
    } finally {
      producer.kill('SIGINT');
      await producer;
    }
  });

  it('neighbour: a topic nobody writes to → exit 2, there is no load to plan for', async () => {
    const topic = uniqueName('rec-idle');
    await withAdmin((a) => a.ensureTopic(topic, 2));
    const r = await runCli(['recommend', '--topic', topic, '--measure', '1', '--consumer-rate', '500', '--drain-within', '2m'], { env: cliEnv() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`topic ${topic} received no records in 1 s`);
  });
});
