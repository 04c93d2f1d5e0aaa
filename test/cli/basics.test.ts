import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

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
});
