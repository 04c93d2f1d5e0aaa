import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { RunReport } from '../../src/scenarios/report.js';

export const runId = (p: string) => `${p}-${crypto.randomBytes(3).toString('hex')}`;
export const tmpDir = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `cma-${p}-`));
export const parseReport = (stdout: string) => JSON.parse(stdout) as RunReport;
export function replicaPath(r: RunReport, i = 0): number[] {
  const out: number[] = [];
  for (const p of r.cases[i]!.timeline) if (out[out.length - 1] !== p.replicas) out.push(p.replicas);
  return out;
}

/** A short case for the negative controls (seconds, not minutes). */
export function miniScenario(): string {
  const dir = tmpDir('mini');
  const f = path.join(dir, 'mini.yaml');
  fs.writeFileSync(
    f,
    `name: mini
description: a short case for negative controls.
partitions: 3
settings: { pollingInterval: 2, cooldownPeriod: 2, lagThreshold: 100, activationLagThreshold: 5 }
consumer: { processMs: 1, startupDelaySeconds: 1 }
load:
  - { records: 60, throughput: 30 }
expectations:
  - { kind: reach, replicas: 1, within: 20 }
  - { kind: lag-drains, lag: 0, within: 20 }
  - { kind: return, replicas: 0, within: 30, after: load-end }
  - { kind: no-loss }
timeout: 120
`,
  );
  return f;
}

/** Pids whose command line mentions s (children left behind). */
export function pidsMentioning(s: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(s)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
