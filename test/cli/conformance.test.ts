/**
 * `cma-demo conformance` end to end on the shared test broker, without a cluster: the hidden `--against local`
 * runs the "cluster" side on the local target too, so the same case run twice must agree within tolerance.
 * The lab (real KEDA) side is exercised by the lab suite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv } from '../helpers/kafka.js';
import type { ConformanceReport } from '../../src/scenarios/conformanceReport.js';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `cma-conf-${p}-`));
const id = (p: string) => `${p}-${Math.random().toString(16).slice(2, 8)}`;

describe('cma-demo conformance', () => {
  it('case1 --fast run twice on the local target agrees; -o json holds both timelines, plan and the comparisons; the report dir gets JSON and the overlaid chart', async () => {
    const dir = tmp('report');
    const r = await runCli(['conformance', 'case1', '--fast', '--against', 'local', '-o', 'json', '--report-dir', dir, '--run-id', id('c1')], {
      env: cliEnv(),
      timeout: 400_000,
    });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(r.stdout) as ConformanceReport; // stdout is exactly one document
    expect(doc).toMatchObject({ command: 'conformance', against: 'local', verdict: 'agree', agreed: true, profile: { fast: true, factor: 5 } });
    const c = doc.cases[0]!;
    expect(c.verdict).toBe('agree');
    // --fast: pollingInterval 30 / 5 = 6 s, the emulator's HPA sync 15 / 5 = 3 s.
    expect(c.tolerance).toEqual({ seconds: 9, pollingInterval: 6, hpaSyncSeconds: 3 });
    for (const side of [c.local, c.cluster]) {
      expect(side.target).toBe('local');
      expect(side.timeline.length).toBeGreaterThan(5);
      expect(side.events.loadStart).not.toBeNull();
      expect(side.landmarks).toMatchObject({ baseline: 0, peak: 1 });
      expect(side.landmarks!.activation).toBeGreaterThan(0);
      expect(side.landmarks!.return).toBeGreaterThan(side.landmarks!.activation!);
    }
    expect(c.plan!.timeline.length).toBeGreaterThan(5);
    expect(c.plan!.landmarks).toMatchObject({ peak: 1 });
    expect(c.comparisons.map((x) => x.metric)).toEqual(['activation (s)', 'peak (replicas)', 'lag drained (s)', 'back to 0 after the drain (s)']);
    expect(c.comparisons.every((x) => x.ok && (x.unit === 'replicas' || Math.abs(x.delta!) <= 9))).toBe(true);
    expect(c.differences).toEqual([]);
    expect(r.stderr.split('\n')[0]).toMatch(/^conformance: target local, then the local target again/);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'conformance.json'), 'utf8')) as ConformanceReport;
    expect(saved.cases[0]!.comparisons).toEqual(c.comparisons);
    const html = fs.readFileSync(path.join(dir, 'conformance.html'), 'utf8');
    for (const cls of ['replicas', 'overlay-replicas', 'plan-replicas']) expect(html, cls).toMatch(new RegExp(`<polyline class="${cls}" data-points="\\d+"`));
    expect(html).not.toMatch(/https?:\/\/|<script/);
  }, 420_000);

  it('a scenario file: the text output is one table per case and a verdict line', async () => {
    const f = path.join(tmp('mini'), 'mini.yaml');
    fs.writeFileSync(
      f,
      `name: mini
description: a short case for the conformance command.
partitions: 3
settings: { pollingInterval: 2, cooldownPeriod: 2, lagThreshold: 100, activationLagThreshold: 5 }
consumer: { processMs: 1, startupDelaySeconds: 1 }
load:
  - { records: 60, throughput: 30 }
expectations:
  - { kind: reach, replicas: 1, within: 20 }
  - { kind: return, replicas: 0, within: 30, after: load-end }
timeout: 120
`,
    );
    const r = await runCli(['conformance', f, '--against', 'local', '--run-id', id('t')], { env: cliEnv(), timeout: 300_000 });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/^mini — AGREE$/m);
    // Real time: pollingInterval 2 s + the emulator's HPA sync 15 s.
    expect(r.stdout).toContain('tolerance 17 s = pollingInterval 2 s + HPA sync 15 s');
    expect(r.stdout).toMatch(/metric +local +local \(again\) +plan +Δ +within tolerance\?/);
    expect(r.stdout).toMatch(/^ {2}peak \(replicas\) +1 +1 +1 +±0 +yes$/m);
    expect(r.stdout).toMatch(/^AGREE: 1 agree, 0 disagree, 0 errors, 0 skipped$/m);
  }, 320_000);

  it.each<[string, number, string[], RegExp]>([
    ['no case', 2, [], /missing required argument 'cases'/],
    ['an unknown case', 2, ['no-such-case', '--against', 'local'], /no-such-case/],
    ['a bad --against', 2, ['case1', '--against', 'mars'], /--against <target>' argument 'mars' is invalid/],
    ['a bad --fast', 2, ['case1', '--fast=x', '--against', 'local'], /--fast/],
  ])('%s exits %i before any target is touched', async (_n, code, args, msg) => {
    const r = await runCli(['conformance', ...args], { env: cliEnv() });
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toContain('local target:');
    expect(r.stdout).toBe('');
  });

  it('with no setup recorded and no kubeconfig or context there is no cluster to compare against: exit 3, nothing run', async () => {
    const state = tmp('nosetup');
    const r = await runCli(['conformance', 'case1', '--fast'], { env: { ...cliEnv(), CMA_DEMO_STATE: state, KUBECONFIG: '', CMA_DEMO_CONTEXT: '' } });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('no cluster to compare against');
    expect(r.stderr).toContain('cma-demo lab up && cma-demo setup --kafka local');
    expect(r.stderr).not.toContain('local target:');
  });
});
