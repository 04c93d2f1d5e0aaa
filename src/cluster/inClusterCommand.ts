/**
 * `--in-cluster` for client commands (produce, lag): instead of connecting from this machine, run the same command
 * as a Job with the consumer's image and connection (src/cluster/inCluster.ts), stream its output back and exit
 * with its exit code. inClusterArgs (pure) rewrites the user's arguments for the pod.
 */
import crypto from 'node:crypto';
import { ExitCode, usageError } from '../errors.js';
import type { Platform } from '../manifests/params.js';
import type { Output } from '../output.js';
import { binFor, detectPlatform, kubeFromGlobals } from './connect.js';
import { discoverInClusterParams, runInCluster } from './inCluster.js';

/** Options that select the cluster from this machine: meaningless in the pod, dropped with their value. */
const DROP_WITH_VALUE = new Set(['--target', '-n', '--namespace', '--context', '--kubeconfig']);
/** Connection options: the Job connects exactly as the consumer does (its bootstrap, its credential Secret). */
const REFUSE = [
  '--bootstrap-server',
  '--security-protocol',
  '--sasl-mechanism',
  '--username',
  '--password-file',
  '--password',
  '--ca-file',
  '--command-config',
  '--producer.config',
  '--scaledobject',
];

/** The user's arguments (after the binary) rewritten for the Job: --in-cluster and cluster-selection options dropped, connection options refused. */
export function inClusterArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.split('=')[0]! : a;
    if (name === '--in-cluster') continue;
    if (REFUSE.includes(name)) {
      throw usageError(
        `${name} cannot be used with --in-cluster: the Job connects like the consumer (its bootstrap server and the credential Secret), and files or secrets of this machine are never passed to it`,
        `drop ${name}, or run without --in-cluster to connect from this machine`,
        'IN_CLUSTER_ARG',
      );
    }
    if (DROP_WITH_VALUE.has(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    if (/^-n./.test(a)) continue; // -nNAMESPACE
    out.push(a);
  }
  return out;
}

/** A DNS-1123 run id: the command name plus a random suffix. */
export function inClusterRunId(command: string): string {
  return `${command
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 20)}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Where the Job runs: the cluster coordinates the caller resolved (flags, environment, last setup, defaults). */
export interface InClusterCoordinates {
  namespace: string;
  context?: string;
  kubeconfig?: string;
  kubectl?: string;
  /** Detected from the API groups when not known. */
  platform?: Platform;
}

/**
 * Runs the command `command` (produce, lag) in the cluster; returns the pod's exit code (130 when interrupted).
 * argv: the user's arguments after the binary (default: this process's).
 */
export async function runCommandInCluster(command: string, at: InClusterCoordinates, out: Output, argv: string[] = process.argv.slice(2)): Promise<number> {
  const args = inClusterArgs(argv);
  const namespace = at.namespace;
  const base = kubeFromGlobals({ kubeconfig: at.kubeconfig, context: at.context, kubectl: at.kubectl });
  const kube = base.withBin(binFor(at.platform ?? (await detectPlatform(base)), { kubectl: at.kubectl }));
  const params = await discoverInClusterParams(kube, namespace, inClusterRunId(command), args);
  out.info(`${command}: running in the cluster as Job ${namespace}/cma-demo-${params.runId} (image ${params.image}): cma-demo ${args.join(' ')}`);
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.on('SIGINT', onSig);
  try {
    const r = await runInCluster(kube, params, {
      timeoutMs: ((params.deadlineSeconds ?? 3600) + 120) * 1000,
      onLine: (l) => out.raw(l + '\n'),
      onStatus: (d) => out.info(`${command}: Job ${d}`),
      signal: ac.signal,
    });
    if (r.reason) out.info(`${command}: Job ${r.job} failed: ${r.reason}`);
    return r.exitCode;
  } catch (err) {
    if (ac.signal.aborted) return ExitCode.INTERRUPTED;
    throw err;
  } finally {
    process.off('SIGINT', onSig);
  }
}
