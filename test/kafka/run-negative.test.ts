/** Zero loss, case4, and the negative controls (SIGKILL → duplicates, dropped audit → lost, no commits → fail). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv } from '../helpers/kafka.js';
import { miniScenario, parseReport, runId } from './runHelpers.js';

const run = (args: string[], timeout = 300_000) => runCli(['run', ...args, '--target', 'local', '-o', 'json'], { env: cliEnv(), timeout });

describe('cma-demo run: audit and negative controls', () => {
  it('zero-loss --fast: lost 0 after at least 2 graceful scale-downs', async () => {
    const r = await run(['zero-loss', '--fast', '--run-id', runId('zl')]);
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const c = parseReport(r.stdout).cases[0]!;
    expect(c.audit!.lost).toBe(0);
    expect(c.audit!.produced).toBe(8000);
    expect(c.audit!.scaleDowns).toBeGreaterThanOrEqual(2);
  }, 360_000);

  it('a consumer SIGKILLed mid-batch (audited, not committed) gives duplicates > 0 and still nothing lost', async () => {
    const r = await run(['zero-loss', '--fast', '--run-id', runId('zk'), '--fault-sigkill-after-audits', '3']);
    const c = parseReport(r.stdout).cases[0]!;
    expect(c.audit!.duplicates).toBeGreaterThan(0);
    expect(c.audit!.lost).toBe(0);
    expect(r.stderr).toContain('CONSUMER_CRASHED');
  }, 360_000);

  it('the mini case passes without faults (the control of the two below)', async () => {
    const r = await run([miniScenario(), '--run-id', runId('mini')]);
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
  }, 200_000);

  it('an injected audit drop gives lost > 0 and exit 1', async () => {
    const r = await run([miniScenario(), '--run-id', runId('drop'), '--fault-drop-every', '7']);
    expect(r.exitCode).toBe(1);
    const c = parseReport(r.stdout).cases[0]!;
    expect(c.verdict).toBe('fail');
    expect(c.audit!.lost).toBeGreaterThan(0);
    expect(c.expectations.find((e) => e.kind === 'no-loss')!.ok).toBe(false);
  }, 200_000);

  it('consumers that never commit make the case fail', async () => {
    const r = await run([miniScenario(), '--run-id', runId('nc'), '--fault-no-commit']);
    expect(r.exitCode).toBe(1);
    const c = parseReport(r.stdout).cases[0]!;
    expect(c.verdict).toBe('fail');
    expect(c.expectations.find((e) => e.kind === 'lag-drains')!.ok).toBe(false);
  }, 200_000);

  it('case4 --fast: every invalid-offset variant behaves as KEDA rules say', async () => {
    const r = await run(['case4', '--fast', '--run-id', runId('c4')], 600_000);
    const rep = parseReport(r.stdout);
    expect(rep.cases.map((c) => [c.name, c.verdict, c.reason])).toEqual([
      ['case4/latest-trap', 'pass', null],
      ['case4/latest-one', 'pass', null],
      ['case4/latest-zero', 'pass', null],
      ['case4/earliest', 'pass', null],
      ['case4/earliest-zero', 'pass', null],
    ]);
    expect(r.exitCode).toBe(0);
    const trap = rep.cases[0]!;
    expect(Math.max(...trap.timeline.map((p) => p.replicas))).toBe(0);
    expect(trap.timeline.every((p) => p.active !== true)).toBe(true);
  }, 660_000);
});
