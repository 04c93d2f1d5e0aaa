/** Helpers for the cluster tests: the CLI against a lab, with an isolated state dir. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import type { Lab } from '../lab/lab.js';

export function tempState(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-cluster-state-'));
}

/** Runs the binary against the lab (its kubeconfig), never touching the user's state. */
export function cli(lab: Lab, args: string[], env: Record<string, string> = {}) {
  return runCli(['--kubeconfig', lab.kubeconfig, ...args], { env: { CMA_DEMO_POLL_MS: '200', ...env } });
}

export const labLog = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
