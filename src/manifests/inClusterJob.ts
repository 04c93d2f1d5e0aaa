/**
 * The in-cluster mode (docs/design.md §10): where no external Kafka listener is allowed, a client command (produce, lag,
 * …) runs as a Job using the same cma-demo image as the consumer, with the same connection environment
 * (internal SCRAM listener, credentials from a secretKeyRef — the password never appears in the object).
 * Pure: renders the object only; src/cluster/inCluster.ts applies it and streams its output back.
 */
import type { K8sObject } from './template.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from './params.js';
import { envError, usageError } from '../errors.js';

export const IN_CLUSTER_RUN_LABEL = 'cma-demo.io/in-cluster-run';

export interface InClusterJobParams {
  namespace: string;
  /** DNS-1123 suffix that identifies this run (the Job is `cma-demo-<runId>`). */
  runId: string;
  image: string;
  /** Arguments after the binary, e.g. ['lag', '--group', 'g']; validated to carry no secret-looking flag. */
  args: string[];
  bootstrap: string;
  credentialSecret: string;
  securityProtocol?: string;
  saslMechanism?: string;
  /** Kill the pod after this many seconds (activeDeadlineSeconds). */
  deadlineSeconds?: number;
  /** Garbage-collect the finished Job after this many seconds. */
  ttlSeconds?: number;
}

const RUN_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Flags that would put a secret into the pod spec (argv is visible to anyone who can read the Job). */
const SECRET_FLAGS = /^--(password|sasl-password|kafka-password)(=|$)/;

export function jobName(runId: string): string {
  return `cma-demo-${runId}`;
}

export function renderInClusterJob(p: InClusterJobParams): K8sObject {
  if (!RUN_ID.test(p.runId) || jobName(p.runId).length > 63) {
    throw usageError(
      `in-cluster run id "${p.runId}" is not a DNS-1123 label of at most ${63 - 'cma-demo-'.length} characters`,
      'use lower-case letters, digits and "-"',
    );
  }
  if (p.args.length === 0) throw usageError('in-cluster run needs a command', 'e.g. lag --group my-group');
  const bad = p.args.find((a) => SECRET_FLAGS.test(a));
  if (bad)
    throw usageError(
      `in-cluster run: ${bad.split('=')[0]} would put a secret into the Job's command line`,
      'the Job reads the password from the credential Secret; drop the flag',
    );
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, 'app.kubernetes.io/name': 'cma-demo', [IN_CLUSTER_RUN_LABEL]: p.runId };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(p.runId), namespace: p.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: p.ttlSeconds ?? 600,
      activeDeadlineSeconds: p.deadlineSeconds ?? 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'cma-demo',
              image: p.image,
              args: p.args,
              env: [
                { name: 'CMA_DEMO_BOOTSTRAP_SERVER', value: p.bootstrap },
                { name: 'CMA_DEMO_SECURITY_PROTOCOL', value: p.securityProtocol ?? 'SASL_PLAINTEXT' },
                { name: 'CMA_DEMO_SASL_MECHANISM', value: p.saslMechanism ?? 'scram-sha-512' },
                { name: 'CMA_DEMO_USERNAME', valueFrom: { secretKeyRef: { name: p.credentialSecret, key: 'username' } } },
                { name: 'CMA_DEMO_KAFKA_PASSWORD', valueFrom: { secretKeyRef: { name: p.credentialSecret, key: 'password' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  } as K8sObject;
}

export type JobState = { state: 'running'; detail: string } | { state: 'succeeded' } | { state: 'failed'; reason: string; message: string };

/** The Job's outcome from its status (batch/v1 Complete/Failed conditions, counters as a fallback). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jobVerdict(job: Record<string, any> | null): JobState {
  if (!job) return { state: 'failed', reason: 'NotFound', message: 'the Job is gone (deleted while running?)' };
  const conds = (job.status?.conditions ?? []) as Array<{ type: string; status: string; reason?: string; message?: string }>;
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { state: 'failed', reason: failed.reason ?? 'Failed', message: failed.message ?? '' };
  if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) return { state: 'succeeded' };
  if ((job.status?.succeeded ?? 0) > 0) return { state: 'succeeded' };
  if ((job.status?.failed ?? 0) > 0) return { state: 'failed', reason: 'PodFailed', message: `${job.status.failed} pod(s) failed` };
  const active = job.status?.active ?? 0;
  return { state: 'running', detail: active > 0 ? `${active} pod(s) active` : 'no pod started yet' };
}

/**
 * The Job's parameters from the consumer Deployment setup made: the same image (already resolved by OpenShift's
 * image trigger), bootstrap, protocol, mechanism and credential Secret — so the Job connects exactly as the
 * consumer does. Throws an environment error (exit 3) naming what is missing.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jobParamsFromConsumer(deployment: Record<string, any>, runId: string, args: string[]): InClusterJobParams {
  const where = `Deployment ${deployment.metadata?.namespace}/${deployment.metadata?.name}`;
  const c = (deployment.spec?.template?.spec?.containers ?? [])[0] as
    { image?: string; env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }> } | undefined;
  const env = c?.env ?? [];
  const val = (n: string): string | undefined => env.find((e) => e.name === n)?.value;
  const secret = env.find((e) => e.name === 'CMA_DEMO_KAFKA_PASSWORD')?.valueFrom?.secretKeyRef?.name;
  const bootstrap = val('CMA_DEMO_BOOTSTRAP_SERVER');
  const missing = [!c?.image && 'an image', !bootstrap && 'CMA_DEMO_BOOTSTRAP_SERVER', !secret && 'a secretKeyRef for CMA_DEMO_KAFKA_PASSWORD'].filter(Boolean);
  if (missing.length)
    throw envError(
      `${where} lacks ${missing.join(', ')}: cannot run a client in the cluster like the consumer`,
      'run `cma-demo setup --only consumer` first',
      'NO_CONSUMER_SPEC',
    );
  return {
    namespace: String(deployment.metadata.namespace),
    runId,
    image: c!.image!,
    args,
    bootstrap: bootstrap!,
    credentialSecret: secret!,
    securityProtocol: val('CMA_DEMO_SECURITY_PROTOCOL'),
    saslMechanism: val('CMA_DEMO_SASL_MECHANISM'),
  };
}
