import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const emptyState = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-basics-'));
afterAll(() => fs.rmSync(emptyState, { recursive: true, force: true }));

describe('cma-demo binary', () => {
  it('prints the version from package.json', async () => {
    const r = await runCli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with a message on an unknown command', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
  });

  it('rejects an unknown output format with exit 2', async () => {
    const r = await runCli(['-o', 'xml', 'plan']);
    expect(r.exitCode).toBe(2);
  });

  it("--help lists every command; a command's --help shows its options, its examples and the global options", async () => {
    const root = await runCli(['--help']);
    expect(root.exitCode).toBe(0);
    for (const c of ['local', 'produce', 'lag', 'consume', 'setup', 'teardown', 'status', 'run', 'plan', 'lab'])
      expect(root.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    const plan = await runCli(['plan', '--help']);
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain('--consumer-rate <n>');
    expect(plan.stdout).toContain('--lag-threshold <n>'); // the shared settings options
    expect(plan.stdout).toContain('$ cma-demo plan --scaledobject ScaledObject.yaml');
    expect(plan.stdout).toMatch(/Global Options:[\s\S]*-o, --output <format>[\s\S]*--kubeconfig <file>/);
  });

  it('local status with no broker: exit 3, the document on stdout with -o json, the error on stderr (one exit path)', async () => {
    const r = await runCli(['-o', 'json', 'local', 'status'], { env: { CMA_DEMO_STATE: emptyState } });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ running: false, warnings: [] });
    expect(r.stderr).toBe('error: no local Kafka broker runs\nhint: start one with: cma-demo local up'); // execa strips the final newline
  });

  it('teardown without a TTY and without --yes is a usage error: exit 2, nothing on stdout', async () => {
    const r = await runCli(['teardown'], { env: { CMA_DEMO_STATE: emptyState }, stdin: 'ignore' });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/needs a confirmation a non-interactive run cannot give\nhint: rerun with --yes/);
  });
});
