// The built binary: the KEDA-parity Must-shows of issue 8 for `cma-demo lag` (exit codes, named fields, numbers).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv, uniqueName, withAdmin } from '../helpers/kafka.js';

describe('cma-demo lag: KEDA parity', () => {
  it("--partition-limitation 0,2-3 on the issue's example: totalLag 701, metric 701; neighbour without it 1501 / 800", async () => {
    const topic = uniqueName('pl');
    const group = uniqueName('g');
    const env = cliEnv();
    await withAdmin((a) => a.ensureTopic(topic, 4));
    expect((await runCli(['produce', '--topic', topic, '--num-records', '4000', '--partitions', '4'], { env })).exitCode).toBe(0);
    // produce spreads over all four partitions: move the commits so the lags are the example's.
    const ends = await withAdmin((a) => a.endOffsets(topic));
    const e = (p: number) => ends.find((x) => x.partition === p)!.high;
    await withAdmin((a) =>
      a.commitOffsets(group, topic, [
        { partition: 0, offset: e(0) - 700 },
        { partition: 1, offset: e(1) - 800 },
        { partition: 2, offset: e(2) },
      ]),
    );
    const limited = await runCli(['lag', '--group', group, '--topic', topic, '--partition-limitation', '0,2-3', '-o', 'json'], { env });
    expect(limited.exitCode, limited.stderr).toBe(0);
    const d = JSON.parse(limited.stdout);
    expect([d.totalLag, d.keda.metric]).toEqual([701, 701]);
    expect(d.versions).toEqual({ kedaModel: '2.18' });
    const all = JSON.parse((await runCli(['lag', '--group', group, '--topic', topic, '-o', 'json'], { env })).stdout);
    expect([all.totalLag, all.keda.metric]).toEqual([1501, 800]);
  });

  it('--limit-to-partitions-with-lag without --topic exits 2 naming topic, before any Kafka call; neighbour with --topic runs', async () => {
    const env = cliEnv({ CMA_DEMO_BOOTSTRAP_SERVER: '127.0.0.1:1' }); // unreachable: a Kafka call would be exit 3
    const r = await runCli(['lag', '--group', 'g', '--limit-to-partitions-with-lag'], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/limitToPartitionsWithLag \(--limit-to-partitions-with-lag\) needs a topic/);
    const ok = await runCli(['lag', '--group', 'g', '--topic', 't', '--limit-to-partitions-with-lag'], { env });
    expect(ok.exitCode).toBe(3); // valid settings: it got as far as Kafka
  });

  it('a ScaledObject with idleReplicaCount 2, minReplicaCount 1 exits 2 naming both with file:line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-so-'));
    const file = path.join(dir, 'so.yaml');
    const yaml = (idle: number) =>
      [
        'apiVersion: keda.sh/v1alpha1',
        'kind: ScaledObject',
        'metadata: { name: demo }',
        'spec:',
        '  scaleTargetRef: { name: kafka-consumer }',
        '  minReplicaCount: 1',
        `  idleReplicaCount: ${idle}`,
        '  triggers:',
        '    - type: kafka',
        '      metadata: { bootstrapServers: "k:9092", consumerGroup: g, topic: t }',
      ].join('\n');
    fs.writeFileSync(file, yaml(2));
    const env = cliEnv({ CMA_DEMO_BOOTSTRAP_SERVER: '127.0.0.1:1' });
    const r = await runCli(['lag', '--scaledobject', file], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`spec.idleReplicaCount (${file}:7) 2 is not below spec.minReplicaCount (${file}:6) 1`);
    fs.writeFileSync(file, yaml(0));
    expect((await runCli(['lag', '--scaledobject', file], { env })).exitCode).toBe(3);
  });

  it('a commit past the log end: metric 0 with --keda-version 2.20, negative with --keda-version 2.18', async () => {
    const topic = uniqueName('neg');
    const group = uniqueName('g');
    const env = cliEnv();
    expect((await runCli(['produce', '--topic', topic, '--num-records', '10', '--partitions', '1'], { env })).exitCode).toBe(0);
    await withAdmin((a) => a.commitOffsets(group, topic, [{ partition: 0, offset: 15 }]));
    const at = async (v: string) => JSON.parse((await runCli(['lag', '--group', group, '--topic', topic, '--keda-version', v, '-o', 'json'], { env })).stdout);
    const new_ = await at('2.20');
    const old = await at('2.18');
    expect([new_.totalLag, new_.keda.metric, new_.versions.kedaModel]).toEqual([-5, 0, '2.20']);
    expect([old.totalLag, old.keda.metric, old.versions.kedaModel]).toEqual([-5, -5, '2.18']);
    expect(old.warnings.find((w: { code: string }) => w.code === 'NEGATIVE_LAG').message).toMatch(/^1 partition shows /);
  });

  it('-o prom: no members gauge for a group that does not exist', async () => {
    const topic = uniqueName('prom');
    const env = cliEnv();
    expect((await runCli(['produce', '--topic', topic, '--num-records', '10', '--partitions', '1'], { env })).exitCode).toBe(0);
    const r = await runCli(['lag', '--group', uniqueName('nobody'), '--topic', topic, '-o', 'prom'], { env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^kafka_topic_partitions\{topic="[^"]+"\} 1$/m);
    expect(r.stdout).not.toMatch(/^kafka_consumergroup_members/m);
  });
});
