/**
 * The in-cluster mode: runs a cma-demo command as a Job (same image as the consumer, credentials from the
 * credential Secret through a secretKeyRef), streams the pod's output back line by line, and returns the
 * container's exit code. The Job is deleted afterwards unless `keep` is set. The password is never read here.
 */
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { CmaError, ExitCode } from '../errors.js';
import { jobName, jobParamsFromConsumer, jobVerdict, renderInClusterJob, type InClusterJobParams } from '../manifests/inClusterJob.js';
import type { Kube, Obj } from './kube.js';
import { sleep } from '../util/sleep.js';

export interface InClusterOptions {
  timeoutMs: number;
  pollMs?: number;
  onLine: (line: string) => void;
  onStatus?: (detail: string) => void;
  signal?: AbortSignal;
  /** Leave the finished Job in place (diagnostics). */
  keep?: boolean;
}

export interface InClusterResult {
  job: string;
  exitCode: number;
  reason?: string;
  logsStreamed: boolean;
}

/** The container's exit code from the Job's pod (null while unknown). */
export function podExitCode(pod: Obj | null | undefined): number | null {
  const cs = ((pod?.status?.containerStatuses ?? []) as Obj[]).find((c) => c.name === 'cma-demo') ?? pod?.status?.containerStatuses?.[0];
  const code = cs?.state?.terminated?.exitCode;
  return typeof code === 'number' ? code : null;
}

export async function runInCluster(kube: Kube, p: InClusterJobParams, o: InClusterOptions): Promise<InClusterResult> {
  const job = renderInClusterJob(p);
  const name = jobName(p.runId);
  const what = `Job ${p.namespace}/${name}`;
  await kube.apply([job], { what: `create ${what}` });
  const logsAbort = new AbortController();
  const onAbort = (): void => logsAbort.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let logs: Promise<unknown> | null = null;
  let logsStreamed = false;
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  try {
    for (;;) {
      if (o.signal?.aborted) throw new CmaError(`${what}: interrupted`, { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
      const j = await kube.get('job', name, p.namespace);
      const v = jobVerdict(j);
      const pods = await kube.list('pods', { namespace: p.namespace, selector: `job-name=${name}` });
      const pod = pods[0];
      const phase = pod?.status?.phase as string | undefined;
      if (!logs && pod && (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed')) {
        logs = kube
          .stream(
            ['logs', '-f', `pod/${pod.metadata.name}`, '-c', 'cma-demo', '-n', p.namespace],
            (l) => {
              logsStreamed = true;
              o.onLine(l);
            },
            { signal: logsAbort.signal },
          )
          .catch(() => {});
      }
      if (v.state !== 'running') {
        // Let the log stream drain (it ends with the container), but never hang on it.
        if (logs) await Promise.race([logs, sleep(10_000)]);
        const code = podExitCode(pod);
        if (v.state === 'succeeded') return { job: name, exitCode: code ?? 0, logsStreamed };
        return { job: name, exitCode: code && code !== 0 ? code : ExitCode.ENV, reason: `${v.reason}${v.message ? `: ${v.message}` : ''}`, logsStreamed };
      }
      const detail = pod ? `${v.detail}, pod ${pod.metadata.name} ${phase ?? 'Pending'}` : v.detail;
      if (detail !== last) o.onStatus?.(detail);
      last = detail;
      if (Date.now() > deadline) {
        throw new CmaError(`${what} did not complete within ${Math.round(o.timeoutMs / 1000)} s (condition Complete; last: ${last})`, {
          exitCode: ExitCode.ENV,
          code: 'IN_CLUSTER_TIMEOUT',
          hint: `check the pod (kubectl describe pod -l job-name=${name} -n ${p.namespace}): can the cluster pull ${p.image}? raise --timeout for long runs`,
        });
      }
      await sleep(o.pollMs ?? 2000, o.signal);
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    logsAbort.abort();
    if (!o.keep) await kube.delete('job', name, p.namespace).catch(() => false);
  }
}

/** Reads the consumer Deployment (default `kafka-consumer`) and derives the Job's parameters from it. */
export async function discoverInClusterParams(
  kube: Kube,
  namespace: string,
  runId: string,
  args: string[],
  app: string = DEMO_DEFAULTS.app,
): Promise<InClusterJobParams> {
  const d = await kube.get('deployment', app, namespace);
  if (!d)
    throw new CmaError(`Deployment ${namespace}/${app} does not exist: the in-cluster mode uses the consumer's image and credentials`, {
      exitCode: ExitCode.ENV,
      code: 'NO_CONSUMER',
      hint: 'run `cma-demo setup` (or --only consumer) first',
    });
  return jobParamsFromConsumer(d, runId, args);
}
