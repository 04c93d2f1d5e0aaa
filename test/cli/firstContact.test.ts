/** The binary's answers to the first-contact mistakes of issue 11: each exits with the right code, early, naming the culprit. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv } from '../helpers/kafka.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-first-contact-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const FILE = path.join(scratch, 'FILE');
fs.writeFileSync(FILE, 'a regular file\n');

describe('directories are checked before any work starts', () => {
  it('run case1 --report-dir FILE/sub exits 3 naming the path and the flag, before producing anything', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast', '--report-dir', path.join(FILE, 'sub')], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/sub (--report-dir)`);
    expect(r.stderr).not.toContain('created topic');
    expect(r.stderr).not.toContain('bug');
    expect(r.stdout).toBe('');
  });

  it('CMA_DEMO_STATE under a regular file exits 3 naming the variable', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast'], { env: cliEnv({ CMA_DEMO_STATE: path.join(FILE, 'state') }) });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/state (CMA_DEMO_STATE)`);
    expect(r.stderr).not.toContain('created topic');
  });

  it('CMA_DEMO_STATE=/proc/x: local up exits 3 instead of spinning', async () => {
    const r = await runCli(['local', 'up'], { env: { CMA_DEMO_STATE: '/proc/x' } });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('(CMA_DEMO_STATE)');
  });

  it('CMA_DEMO_CACHE under a regular file exits 3 naming the variable', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast'], { env: cliEnv({ CMA_DEMO_CACHE: path.join(FILE, 'cache') }) });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/cache (CMA_DEMO_CACHE)`);
  });
});
