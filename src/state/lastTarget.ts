/** The record of the last successful setup: the default target of later commands (contracts). */
import fs from 'node:fs';
import path from 'node:path';
import { stateDir, usableStateDir } from '../paths.js';

export interface LastTarget {
  cluster: string | null;
  context: string | null;
  kubeconfig: string | null;
  namespace: string;
  platform: 'openshift' | 'kubernetes';
  kafkaCluster: string;
  kafkaUser: string;
  topic: string;
  auditTopic?: string;
  group: string;
  /** `setup --kafka local|existing`: how the pods and this machine reach that Kafka (credentials live in the cluster's Secret). */
  kafka?: { mode: 'local' | 'existing'; bootstrap: string; securityProtocol: string; saslMechanism: string | null };
  /** Topics setup created with the admin API: the only topics teardown deletes. */
  createdTopics?: string[];
  recordedAt: string;
}

export const lastTargetFile = (env: NodeJS.ProcessEnv = process.env): string => path.join(stateDir(env), 'last-setup.json');

export function readLastTarget(env: NodeJS.ProcessEnv = process.env): LastTarget | null {
  try {
    return JSON.parse(fs.readFileSync(lastTargetFile(env), 'utf8')) as LastTarget;
  } catch {
    return null;
  }
}

export function writeLastTarget(t: LastTarget, env: NodeJS.ProcessEnv = process.env): void {
  const f = lastTargetFile(env);
  usableStateDir(env);
  const tmp = `${f}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(t, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, f);
}

export function clearLastTarget(env: NodeJS.ProcessEnv = process.env): void {
  fs.rmSync(lastTargetFile(env), { force: true });
}
