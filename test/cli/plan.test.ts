import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const SEED = path.resolve(ROOT, '../shared/seed-demo/ScaledObject.yaml');
const seedArgs = ['plan', '--scaledobject', SEED, '--partitions', '10', '--load', '1000000@10000', '--consumer-rate', '2000'];

describe('cma-demo plan', () => {
  it('predicts the seed ScaledObject: one JSON document on stdout, peak between 7 and 9, kind warning', async () => {
    const r = await runCli([...seedArgs, '-o', 'json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout); // throws if stdout holds anything but one document
    expect(doc.peak).toBeGreaterThanOrEqual(7);
    expect(doc.peak).toBeLessThanOrEqual(9);
    expect(doc.peak).toBe(9);
    expect(doc.returnToZeroS).toBe(165);
    expect(doc.settings).toMatchObject({ pollingInterval: 30, cooldownPeriod: 30, lagThreshold: 200, activationLagThreshold: 10, maxReplicaCount: 10 });
    expect(doc.assumptions).toMatchObject({
      partitions: 10,
      consumerRate: 2000,
      podStartDelayS: 10,
      boundary: 'exclusive',
      firstKedaPollS: 15,
      firstHpaSyncS: 5,
    });
    expect(doc.timeline[0]).toEqual({ t: 0, replicas: 0, desiredReplicas: null, active: false, lag: 0, metric: 0 });
    expect(Object.keys(doc.timeline[20]).sort()).toEqual(['active', 'desiredReplicas', 'lag', 'metric', 'replicas', 't']);
    expect(doc.variants.map((v: { name: string; peak: number }) => [v.name, v.peak])).toContainEqual(['inclusive-boundary', 7]);
    expect(doc.warnings.map((w: { code: string }) => w.code)).toContain('SCALE_TARGET_KIND');
    expect(r.stderr).toMatch(/warning: .*kind/);
  });

  it('warns that the deployment never activates with --no-committed-offsets', async () => {
    const r = await runCli([...seedArgs, '--no-committed-offsets', '-o', 'json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.peak).toBe(0);
    expect(doc.timeline.every((p: { replicas: number }) => p.replicas === 0)).toBe(true);
    expect(doc.warnings.find((w: { code: string }) => w.code === 'NEVER_ACTIVATES')?.message).toMatch(/never activates/);
    expect(r.stderr).toMatch(/never activates/);
  });

  it('prints a table, a chart and the summary as text', async () => {
    const r = await runCli(['plan']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/110s\s+7 → 9\s+HPA/);
    expect(r.stdout).toMatch(/peak 9 replicas/);
    expect(r.stdout).toMatch(/back to 0 at 165 s/);
    expect(r.stdout).toMatch(/inclusive-boundary: peak 7/);
    expect(r.stdout).toMatch(/^\s+9 \|/m);
  });

  it('writes YAML with -o yaml', async () => {
    const r = await runCli(['plan', '-o', 'yaml', '--load', '200@5', '--consumer-rate', '50']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^settings:/m);
    expect(r.stdout).toMatch(/^peak: 1$/m);
  });

  it('exits 2 with a clear message on a bad --load, and prints nothing on stdout', async () => {
    const r = await runCli(['plan', '--load', '10x', '-o', 'json']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--load "10x"/);
    expect(r.stderr).toMatch(/hint: .*RECORDS@RATE/);
  });

  it('minReplicaCount 1: the HPA reconciled the idle topic before the load, so the first scale-up waits for its zeros to age out (issue 8)', async () => {
    const r = await runCli(['plan', '--min-replicas', '1', '-o', 'json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.steps.slice(0, 2).map((x: { t: number; to: number; by: string }) => [x.t, x.to, x.by])).toEqual([
      [20, 3, 'hpa'],
      [50, 5, 'hpa'],
    ]);
    // --scaledobject-age changes it: created with the load, the initial recommendation holds it until 35 s.
    const young = JSON.parse((await runCli(['plan', '--min-replicas', '1', '--scaledobject-age', '0', '-o', 'json'])).stdout);
    expect(young.steps[0]).toMatchObject({ t: 35, to: 3 });
    expect(young.assumptions.scaledObjectAgeS).toBe(0);
  });

  it('returns to 0 at 52.5 s with half-second polls: lastActiveTime 22.5 is stored as 22 (issue 8)', async () => {
    const r = await runCli(['plan', '--polling-interval', '15', '--cooldown-period', '30', '--load', '100000@1000', '-o', 'json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.returnToZeroS).toBe(52.5);
    expect(doc.steps.find((x: { to: number }) => x.to === 0)).toMatchObject({ t: 52.5, by: 'keda' });
  });

  it('refuses a load beyond the stated bound at once: exit 2 naming 30 days, nothing on stdout (issue 10)', async () => {
    const r = await runCli(['plan', '--load', '1000000000000@1', '-o', 'json']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/at most 2,592,000 s \(30 days\)/);
    expect(r.stderr).toMatch(/hint: /);
  });

  it('exits 2 on other bad flags and files', async () => {
    for (const args of [
      ['--partitions', '0'],
      ['--consumer-rate', 'fast'],
      ['--pod-start-delay', '-1'],
      ['--boundary', 'sideways'],
      ['--lag-threshold', '0'],
      ['--scaledobject', '/nonexistent/so.yaml'],
    ]) {
      const r = await runCli(['plan', ...args, '-o', 'json']);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(/error: /);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'cma-plan-'));
    const f = path.join(dir, 'none.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const r = await runCli(['plan', '--scaledobject', f]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/holds no ScaledObject/);
  });
});
