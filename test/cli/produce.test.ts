// The built binary as a process: cma-demo produce against the shared test broker.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { cliEnv, uniqueName, withAdmin } from '../helpers/kafka.js';
import { SUMMARY_RE } from '../../src/kafka/stats.js';

describe('cma-demo produce', () => {
  it('Must show: 20000 records at 5000 rec/s, -o json → stdout is only the summary document, rate within ±10 %', async () => {
    const topic = uniqueName('t1');
    const r = await runCli(['produce', '--topic', topic, '--num-records', '20000', '--throughput', '5000', '-o', 'json'], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.records).toBe(20000);
    for (const k of ['recordsPerSec', 'mbPerSec', 'avgLatencyMs', 'maxLatencyMs', 'p50Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'durationMs'])
      expect(typeof doc[k]).toBe('number');
    expect(Math.abs(doc.recordsPerSec - 5000) / 5000).toBeLessThan(0.1);
    expect(r.stderr.split('\n')[0]).toMatch(/^produce: Kafka 127\.0\.0\.1:\d+ PLAINTEXT \[local broker\], topic /);
    expect(r.stderr).toContain('created with 10 partitions');
  });

  it('text: stdout is exactly the Java-format summary line; the positional form works', async () => {
    const topic = uniqueName('pos');
    const r = await runCli(['produce', '3000', '-1', '50', '--topic', topic, '--partitions', '3'], { env: cliEnv() });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(SUMMARY_RE);
    expect(lines[0]).toMatch(/^3000 records sent, /);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends.map((e) => e.high)).toEqual([1000, 1000, 1000]);
  });

  it('unlimited runs of ≥ 200,000 records use two producer threads; every record lands once, sequence ranges complete', async () => {
    const topic = uniqueName('threads');
    const r = await runCli(['produce', '200000', '-1', '10', '--topic', topic, '--sequence', '-o', 'json'], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('on each of 2 producer threads');
    const doc = JSON.parse(r.stdout);
    expect(doc.records).toBe(200000);
    expect(doc.ackedSequences).toEqual([[0, 199999]]);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends.reduce((a, e) => a + e.high, 0)).toBe(200000);
    // Neighbour: one thread when asked.
    const one = await runCli(['produce', '200000', '-1', '10', '--topic', topic], { env: cliEnv({ CMA_DEMO_PRODUCER_THREADS: '1' }) });
    expect(one.exitCode).toBe(0);
    expect(one.stderr).not.toContain('producer threads');
  });

  it('SIGINT: stops, prints the summary of what was sent, exit 130', async () => {
    const topic = uniqueName('sigint');
    const p = execa(process.execPath, [BIN, 'produce', '--topic', topic, '--num-records', '1000000', '--throughput', '2000', '-o', 'json'], {
      env: { NO_COLOR: '1', ...cliEnv() },
      reject: false,
    });
    let err = '';
    await new Promise<void>((resolve) => {
      p.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (/created with|ready with/.test(err)) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1000));
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(130);
    const doc = JSON.parse(String(r.stdout));
    expect(doc.interrupted).toBe(true);
    expect(doc.records).toBeGreaterThan(0);
    expect(doc.records).toBeLessThan(1_000_000);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends.reduce((a, e) => a + e.high, 0)).toBe(doc.records);
  });

  it('bad input → exit 2 with a hint, nothing produced', async () => {
    for (const args of [
      ['--throughput', '0'],
      ['--num-records', 'abc'],
      ['--producer-props', 'acks'],
      ['--producer-props', 'compression.type=zstd'],
      ['--partitions', '0'],
    ]) {
      const r = await runCli(['produce', '--topic', uniqueName('bad'), ...args], { env: cliEnv() });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/error: /);
    }
  });

  it('unreachable bootstrap → exit 3 within 10 s', async () => {
    const t0 = Date.now();
    const r = await runCli(['produce', '--bootstrap-server', '127.0.0.1:1', '--num-records', '1', '-o', 'json'], { env: cliEnv() });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
