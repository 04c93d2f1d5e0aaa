/**
 * The record of a case running on the local target, so `explain` in another terminal can show the emulator's chain
 * while it runs: the case's settings, group and topic, the broker's address (loopback, no credentials), and the
 * emulator's latest decision. Written by the local target at prepare and on each sample, removed at restore.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../paths.js';

export interface LiveRun {
  pid: number;
  case: string;
  startedAt: string;
  updatedAt: string;
  /** Bootstrap servers of the broker the run uses (the local broker or --bootstrap-server; never credentials). */
  brokers: string[];
  securityProtocol: string;
  group: string;
  /** The trigger's topic; null = every topic the group committed to. */
  topic: string | null;
  /** The ScaledObject settings the emulator runs with (a ScaledObjectSettings, kept opaque at this layer). */
  settings: Record<string, unknown>;
  /** The Deployment's replicas as the emulator keeps them: spec and running pods. */
  replicas: { spec: number; status: number };
  pausedReplicas: number | null;
  /** The emulator's latest KEDA poll and HPA sync. */
  emulator: { metric: number | null; active: boolean | null; desiredReplicas: number | null; lastError: string | null };
}

export const liveRunFile = (env: NodeJS.ProcessEnv = process.env): string => path.join(stateDir(env), 'live-run.json');

/** The running case's record, or null (none, unreadable, or its process is gone). */
export function readLiveRun(env: NodeJS.ProcessEnv = process.env): LiveRun | null {
  let r: LiveRun;
  try {
    r = JSON.parse(fs.readFileSync(liveRunFile(env), 'utf8')) as LiveRun;
  } catch {
    return null;
  }
  try {
    process.kill(r.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return null;
  }
  return r;
}

/** Best effort: a state dir that cannot be written only costs `explain` its view of the run. */
export function writeLiveRun(r: LiveRun, env: NodeJS.ProcessEnv = process.env): void {
  const f = liveRunFile(env);
  try {
    const tmp = `${f}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(r) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, f);
  } catch {
    /* see above */
  }
}

/** Removes the record when it is this process's. */
export function clearLiveRun(env: NodeJS.ProcessEnv = process.env): void {
  try {
    const r = JSON.parse(fs.readFileSync(liveRunFile(env), 'utf8')) as LiveRun;
    if (r.pid === process.pid) fs.rmSync(liveRunFile(env), { force: true });
  } catch {
    /* none */
  }
}
