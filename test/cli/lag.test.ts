// The built binary as a process: cma-demo lag against the shared test broker.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { cliEnv, uniqueName, withAdmin } from '../helpers/kafka.js';

describe('cma-demo lag', () => {
  it('Must show: produce 20000 → lag (earliest) 20000 with raw lag null → consume 20000 → lag 0', async () => {
    const topic = uniqueName('t1');
    const group = uniqueName('g1');
    const env = cliEnv();
    const p = await runCli(['produce', '--topic', topic, '--num-records', '20000', '-o', 'json'], { env });
    expect(p.exitCode, p.stderr).toBe(0);

    const before = await runCli(['lag', '--group', group, '--topic', topic, '--offset-reset-policy', 'earliest', '-o', 'json'], { env });
    expect(before.exitCode).toBe(0);
    const d1 = JSON.parse(before.stdout);
    expect(Object.keys(d1).sort()).toEqual(['group', 'keda', 'partitions', 'settings', 'totalLag', 'versions', 'warnings']);
    expect(d1.totalLag).toBe(20000);
    expect(d1.partitions).toHaveLength(10);
    expect(d1.partitions.every((p: { lag: unknown; committedOffset: unknown }) => p.lag === null && p.committedOffset === null)).toBe(true);
    expect(d1.keda).toEqual({ metric: 2000, active: true, desiredReplicas: 10, persistentIncludedLag: 20000 });
    expect(d1.versions).toEqual({ kedaModel: '2.18' });
    expect(before.stderr.split('\n')[0]).toMatch(new RegExp(`^lag: Kafka 127\\.0\\.0\\.1:\\d+ PLAINTEXT \\[local broker\\], group ${group}, topic ${topic}`));

    // The same group under the default latest policy: the seed's trap.
    const latest = JSON.parse((await runCli(['lag', '--group', group, '--topic', topic, '-o', 'json'], { env })).stdout);
    expect(latest.totalLag).toBe(10);
    expect(latest.keda.active).toBe(false);
    expect(latest.warnings.map((w: { code: string }) => w.code)).toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');

    const c = await runCli(['consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--max-messages', '20000'], { env });
    expect(c.exitCode).toBe(0);
    const after = JSON.parse((await runCli(['lag', '--group', group, '--topic', topic, '-o', 'json'], { env })).stdout);
    expect(after.totalLag).toBe(0);
    expect(after.partitions.every((p: { lag: number }) => p.lag === 0)).toBe(true);
    expect(after.keda).toEqual({ metric: 0, active: false, desiredReplicas: 0, persistentIncludedLag: 0 });
  });

  it('--watch -o json: one object per line; persistent-lag memory carries across samples', async () => {
    const topic = uniqueName('w');
    const group = uniqueName('g');
    const env = cliEnv();
    await withAdmin(async (a) => {
      await a.ensureTopic(topic, 2);
      await a.commitOffsets(group, topic, [
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
      ]);
    });
    expect((await runCli(['produce', '--topic', topic, '--num-records', '600'], { env })).exitCode).toBe(0);
    const r = await runCli(
      ['lag', '--group', group, '--topic', topic, '--exclude-persistent-lag', '--watch', '--interval', '0.3', '--count', '2', '-o', 'json'],
      { env },
    );
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [s1, s2] = lines.map((l) => JSON.parse(l));
    expect(s1.totalLag).toBe(600);
    expect(s1.keda.metric).toBe(400); // 600/200 = 3 > 2 partitions → capped at 2 × 200
    expect(s2.totalLag).toBe(0); // commits unchanged: persistent lag left out of the metric…
    expect(s2.keda).toMatchObject({ metric: 0, active: true, desiredReplicas: 1 }); // …but activation still counts it
    expect(s2.keda.persistentIncludedLag).toBe(600);
    expect(s2.partitions.map((p: { lag: number }) => p.lag)).toEqual([300, 300]);
    expect(s2.warnings.map((w: { code: string }) => w.code)).toContain('PERSISTENT_LAG_KEEPS_ACTIVE');
    // Neighbour: without --watch every run starts without memory.
    const once = JSON.parse((await runCli(['lag', '--group', group, '--topic', topic, '--exclude-persistent-lag', '-o', 'json'], { env })).stdout);
    expect(once.totalLag).toBe(600);
  });

  it('-o prom: kafka_exporter names; no topic → every topic the group committed to', async () => {
    const topic = uniqueName('p');
    const group = uniqueName('g');
    const env = cliEnv();
    await withAdmin(async (a) => {
      await a.ensureTopic(topic, 2);
      await a.commitOffsets(group, topic, [{ partition: 0, offset: 0 }]);
    });
    await runCli(['produce', '--topic', topic, '--num-records', '10'], { env });
    const r = await runCli(['lag', '--group', group, '-o', 'prom'], { env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`kafka_consumergroup_lag{consumergroup="${group}",partition="0",topic="${topic}"} 5`);
    expect(r.stdout).toContain(`kafka_consumergroup_lag{consumergroup="${group}",partition="1",topic="${topic}"} -1`);
    expect(r.stdout).toContain(`kafka_consumergroup_lag_sum{consumergroup="${group}",topic="${topic}"} 5`);
    expect(r.stdout).not.toMatch(/^\{/m);
  });

  it('--scaledobject: the seed file gives group, topic and thresholds, and its kind mistake becomes a warning', async () => {
    const r = await runCli(['lag', '--scaledobject', path.join(ROOT, '../shared/seed-demo/ScaledObject.yaml'), '--lag-threshold', '100', '-o', 'json'], {
      env: cliEnv(),
    });
    // The seed's topic test-in may not exist on the test broker: then exit 3 naming it; otherwise a document.
    if (r.exitCode === 0) {
      const d = JSON.parse(r.stdout);
      expect(d.group).toBe('test-cg');
      expect(d.settings.lagThreshold).toBe(100);
      expect(d.settings.activationLagThreshold).toBe(10);
      expect(d.warnings.map((w: { code: string }) => w.code)).toContain('SCALE_TARGET_KIND');
    } else {
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain('test-in');
      expect(r.stderr).toContain('SCALE_TARGET_KIND');
    }
  });

  it('bad input → exit 2; missing topic → exit 3', async () => {
    const env = cliEnv();
    for (const args of [
      ['--watch', '-o', 'prom'],
      ['--interval', '0', '--watch'],
      ['--count', '2'],
      ['--lag-threshold', '0'],
      ['--offset-reset-policy', 'oldest'],
      ['--allow-idle-consumers', '--limit-to-partitions-with-lag'],
      ['--scaledobject', '/nonexistent.yaml'],
    ]) {
      const r = await runCli(['lag', '--group', 'g', '--topic', 't', ...args], { env });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
    const r = await runCli(['lag', '--group', 'g', '--topic', uniqueName('nope'), '-o', 'json'], { env });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
  });
});
