/** `cma-demo run` end to end on the shared test broker: case1, case2 (--fast) with reports, Ctrl-C, a bad scenario. */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { validateJUnit } from '../helpers/junitSchema.js';
import { cliEnv } from '../helpers/kafka.js';
import { parseReport, pidsMentioning, replicaPath, runId, tmpDir } from './runHelpers.js';

describe('cma-demo run --target local', () => {
  it('--list lists the catalogue, one case a line, with its variants', async () => {
    const r = await runCli(['run', '--list']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const names = lines.map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual([
      'case1',
      'case2',
      'case3',
      'case4',
      'activation-hold',
      'broker-outage',
      'even-distribution',
      'multi-topic',
      'partition-cap',
      'partition-limitation',
      'partitions-with-lag',
      'paused',
      'persistent-lag',
      'retention-gap',
      'transactions',
      'zero-loss',
    ]);
    expect(lines.find((l) => l.startsWith('activation-hold'))).toMatch(/\[variants: earliest, latest\]$/);
    expect(lines.find((l) => l.startsWith('broker-outage'))).toMatch(/\[local only\] \[variants: no-fallback, fallback, short-stall\]$/);
  });

  it('a scenario with a wrongly typed field exits 2 naming file:line', async () => {
    const f = path.join(tmpDir('bad'), 'bad.yaml');
    fs.writeFileSync(f, 'name: bad\ndescription: d.\npartitions: three\nexpectations:\n  - { kind: no-loss }\n');
    const r = await runCli(['run', f, '--target', 'local'], { env: cliEnv() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${f}:3: partitions: must be of type integer`);
    expect(r.stdout).toBe('');
  });

  it('case1 --fast -o json exits 0; replicas go 0 → ≥1 → 0', async () => {
    const id = runId('c1');
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast', '-o', 'json', '--run-id', id], { env: cliEnv(), timeout: 240_000 });
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.profile).toEqual({ fast: true, factor: 5 });
    expect(rep.cases[0]!.verdict).toBe('pass');
    const p = replicaPath(rep);
    expect(p[0]).toBe(0);
    expect(Math.max(...p)).toBeGreaterThanOrEqual(1);
    expect(p[p.length - 1]).toBe(0);
    expect(rep.cases[0]!.timeline[0]!.produceRate).toBe(0); // first sample before any load
    expect(rep.cases[0]!.audit).toMatchObject({ lost: 0 });
    expect(rep.cases[0]!.settings.lagThreshold).toBe(40);
  });

  it('case2 --fast --report-dir --junit passes with a replica peak ≥ 3; JUnit validates, HTML is self-contained', async () => {
    const dir = tmpDir('c2');
    const id = runId('c2');
    const r = await runCli(['run', 'case2', '--target', 'local', '--fast', '--run-id', id, '--report-dir', dir, '--junit', path.join(dir, 'junit.xml')], {
      env: cliEnv(),
      timeout: 420_000,
    });
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const rep = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(rep.passed).toBe(true);
    expect(Math.max(...replicaPath(rep))).toBeGreaterThanOrEqual(3);
    expect(rep.cases[0].audit.lost).toBe(0);
    const x = await validateJUnit(fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8'));
    expect(x.ok, x.errors).toBe(true);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain(`data-points="${rep.cases[0].timeline.length}"`);
  }, 480_000);

  it('SIGINT during case2 exits 130, writes the partial report and leaves no consumer or producer process', async () => {
    const dir = tmpDir('int');
    const id = runId('int');
    const child = execa(process.execPath, [BIN, 'run', 'case2', '--target', 'local', '--fast', '--run-id', id, '--report-dir', dir], {
      env: { NO_COLOR: '1', ...cliEnv() },
      reject: false,
    });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no scale-up seen: ${seen.slice(-1000)}`)), 120_000);
      child.stderr!.on('data', (b: Buffer) => {
        seen += b.toString();
        if (/replicas=[1-9]/.test(seen) && /ready=[1-9]/.test(seen)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    expect(pidsMentioning(id).length).toBeGreaterThan(1); // the run and its consumers
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    const rep = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(rep.interrupted).toBe(true);
    expect(rep.cases[0].verdict).toBe('error');
    // Records the stopped consumers never reached are not "lost": no-loss is not evaluated (the load was still running).
    const noLoss = rep.cases[0].expectations.find((e: { kind: string }) => e.kind === 'no-loss');
    expect(noLoss.ok, noLoss.observed).toBeNull();
    expect(noLoss.observed).toMatch(/^not evaluated: the run was interrupted with \d+ of \d+ acknowledged records not yet consumed/);
    expect(pidsMentioning(id)).toEqual([]);
  }, 240_000);
});
