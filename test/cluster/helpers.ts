/** Helpers for the cluster tests: the CLI against a lab, with an isolated state dir. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startLab, type Lab } from '../lab/lab.js';
import { requireTestKafka } from '../helpers/kafka.js';
import { OperatorPlayer, seedKedaOperands, type PlayerOptions } from './operators.js';
import type { Kube } from '../../src/cluster/kube.js';
import { paramsFromFlags } from '../../src/cluster/setupParams.js';
import { allObjects, loadTemplates, renderSetup } from '../../src/manifests/render.js';

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

/**
 * A Kubernetes lab (Strimzi v1 CRDs) with the operator player (tests play the operators) pointing Kafka's status
 * and the KafkaUser Secret at the shared test broker's SASL listener, so discovery and credentials run for real.
 */
export async function startPlayedLab(
  namespace: string,
  opts: { faults?: PlayerOptions['faults']; seedKeda?: boolean } = {},
): Promise<{ lab: Lab; player: OperatorPlayer; password: string }> {
  const k = requireTestKafka();
  const password = fs.readFileSync(k.passwordFile, 'utf8').trim();
  const lab = await startLab({ strimzi: 'v1', log: labLog });
  if (opts.seedKeda) await seedKedaOperands(lab, 'keda');
  const player = new OperatorPlayer(lab, {
    namespace,
    externalBootstrap: k.saslBootstrap,
    username: k.username,
    password,
    ...(opts.faults ? { faults: opts.faults } : {}),
  });
  player.start();
  return { lab, player, password };
}

/** Applies what `setup --platform kubernetes` renders for a namespace (the Namespace first), without the CLI. */
export async function applyRenderedSetup(kube: Kube, namespace: string): Promise<void> {
  const p = paramsFromFlags({ image: 'x/y:1' }, { namespace }, { platform: 'kubernetes', strimziApi: 'v1', sourceHash: 'h' });
  const objs = allObjects(renderSetup(p, loadTemplates()));
  await kube.apply(objs.filter((o) => o.kind === 'Namespace'));
  await kube.apply(objs.filter((o) => o.kind !== 'Namespace'));
}
