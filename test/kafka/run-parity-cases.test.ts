/**
 * The KEDA-parity cases of issue 8, each with a failing variant: the same catalogue file with one thing changed that
 * the case exists to catch, so its expectations are shown to fail (exit 1) for the reason they check. The passing
 * runs are `run all --target local --fast` (and the catalogue listing below).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv } from '../helpers/kafka.js';
import { catalogueDir } from '../../src/scenarios/loader.js';
import type { ScenarioFile } from '../../src/scenarios/model.js';
import { parseReport, runId, tmpDir } from './runHelpers.js';

type Variant = NonNullable<ScenarioFile['variants']>[number];

/** A copy of a catalogue case with `edit` applied, written to a temp file (its name is the case's, with a suffix). */
function derived(name: string, edit: (s: ScenarioFile) => void): string {
  const s = YAML.parse(fs.readFileSync(path.join(catalogueDir(), `${name}.yaml`), 'utf8')) as ScenarioFile;
  edit(s);
  s.name = `${name}-neg`;
  const f = path.join(tmpDir('neg'), `${s.name}.yaml`);
  fs.writeFileSync(f, YAML.stringify(s));
  return f;
}
const only = (s: ScenarioFile, v: string): Variant => {
  s.variants = s.variants!.filter((x) => x.name === v);
  expect(s.variants).toHaveLength(1);
  return s.variants[0]!;
};

async function runFailing(file: string, env: Record<string, string> = {}) {
  const r = await runCli(['run', file, '--target', 'local', '--fast', '-o', 'json', '--run-id', runId('n')], { env: cliEnv(env), timeout: 420_000 });
  const rep = parseReport(r.stdout);
  expect(rep.cases).toHaveLength(1);
  const c = rep.cases[0]!;
  expect([r.exitCode, c.verdict], `${c.reason}\n${r.stderr.slice(-1500)}`).toEqual([1, 'fail']);
  return { c, failed: c.expectations.filter((e) => e.ok === false).map((e) => e.kind) };
}

describe('issue 8 cases: their failing variants', () => {
  it('run --list names the new cases', async () => {
    const r = await runCli(['run', '--list', '-o', 'json']);
    const doc = JSON.parse(r.stdout) as { cases: Array<{ name: string; variants: string[] }> };
    const byName = Object.fromEntries(doc.cases.map((c) => [c.name, c.variants]));
    expect(byName['activation-hold']).toEqual(['earliest', 'latest']);
    for (const n of ['multi-topic', 'even-distribution', 'partition-limitation', 'transactions', 'retention-gap', 'broker-outage'])
      expect(n in byName, n).toBe(true);
  });

  it('activation-hold with activationLagThreshold 0: the first record activates, so the 30 s hold fails', async () => {
    const f = derived('activation-hold', (s) => {
      only(s, 'latest');
      s.settings = { ...s.settings, activationLagThreshold: 0 };
    });
    const { c, failed } = await runFailing(f);
    expect(failed).toContain('stay');
    expect(c.expectations.find((e) => e.kind === 'stay')!.observed).toMatch(/^replicas 1 at t=/);
  }, 480_000);

  it('partition-limitation over all four partitions: the lag on 2 and 3 activates at once', async () => {
    const f = derived('partition-limitation', (s) => {
      s.settings = { ...s.settings, partitionLimitation: '0-3' };
    });
    const { failed } = await runFailing(f);
    expect(failed).toContain('stay');
  }, 480_000);

  it('even-distribution under KEDA e2e behaviour (Percent 100 per 15 s): the HPA caps the step and a non-divisor shows', async () => {
    const f = derived('even-distribution', (s) => {
      const v = only(s, 'divisors');
      const p = { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }] };
      v.settings = { behavior: { scaleUp: p, scaleDown: p } };
    });
    const { c, failed } = await runFailing(f);
    expect(failed).toContain('replicas-in');
    expect(c.expectations.find((e) => e.kind === 'replicas-in')!.observed).toMatch(/^replicas (3|4|6|7|8|9) at t=/);
  }, 480_000);

  it('multi-topic with the trigger naming one topic: the second topic no longer counts, so 4 (or 3) is never asked for', async () => {
    const f = derived('multi-topic', (s) => {
      s.topics = { ...s.topics, trigger: 'case' };
    });
    const { c, failed } = await runFailing(f);
    expect(failed).toContain('reach');
    expect(Math.max(...c.timeline.map((p) => p.replicas))).toBeLessThanOrEqual(2);
  }, 480_000);

  it('transactions with the old commit (last record + 1): the markers and aborted batches stay as lag and one replica stays', async () => {
    const f = derived('transactions', () => {});
    const { c, failed } = await runFailing(f, { CMA_DEMO_FAULT_COMMIT_RECORD_OFFSETS: '1' });
    expect(failed).toEqual(expect.arrayContaining(['lag-drains', 'return']));
    expect(c.timeline[c.timeline.length - 1]!.totalLag).toBeGreaterThan(0);
  }, 480_000);

  it('retention-gap: KEDA main does not count the deleted records, so what 2.18 does (scale out at once) does not happen', async () => {
    const f = derived('retention-gap', (s) => {
      const v = only(s, 'keda-2-18');
      v.settings = { kedaVersion: 'main' };
    });
    const { c, failed } = await runFailing(f);
    expect(failed).toEqual(expect.arrayContaining(['active', 'reach']));
    expect(Math.max(...c.timeline.map((p) => p.replicas))).toBe(0);
  }, 480_000);

  it('broker-outage with a fallback: the count does not hold through the outage, it goes to fallback.replicas', async () => {
    const f = derived('broker-outage', (s) => {
      const v = only(s, 'no-fallback');
      v.settings = { kedaVersion: '2.20', fallback: { failureThreshold: 1, replicas: 3 } };
    });
    const { c, failed } = await runFailing(f);
    expect(failed).toContain('stay');
    expect(c.expectations.find((e) => e.kind === 'stay')!.observed).toMatch(/^replicas 3 at t=/);
  }, 480_000);
});
