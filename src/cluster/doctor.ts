/** status (doctor): one row per check, a hint per red line. The checks read the cluster; the table is pure. */
import type { Platform } from '../manifests/params.js';
import type { Kube, Obj } from './kube.js';
import {
  apiServiceVerdict,
  crdVerdict,
  kafkaTopicVerdict,
  kafkaUserVerdict,
  kafkaVerdict,
  kedaControllerVerdict,
  scaledObjectVerdict,
  type Verdict,
} from './readiness.js';

export type CheckState = 'ok' | 'missing' | 'warn';
export interface Check {
  check: string;
  state: CheckState;
  detail: string;
  hint?: string;
}

export interface DoctorInput {
  namespace: string;
  kedaNamespace: string;
  cluster: string;
  user: string;
  topics: string[];
  app: string;
  scaledObject: string;
  credentialSecret: string;
}

const fromVerdict = (check: string, v: Verdict, okDetail: string, hint: string): Check =>
  v.state === 'ready'
    ? { check, state: 'ok', detail: okDetail }
    : { check, state: 'missing', detail: v.state === 'failed' ? `${v.reason}: ${v.message}` : v.detail, hint };

export async function runDoctor(kube: Kube, platform: Platform, d: DoctorInput): Promise<Check[]> {
  const checks: Check[] = [];
  const ver = await kube.run(['version', '--client', '-o', 'json']);
  checks.push(
    ver.exitCode === 0
      ? { check: `${kube.bin} present`, state: 'ok', detail: String((JSON.parse(ver.stdout) as Obj).clientVersion?.gitVersion ?? 'yes') }
      : { check: `${kube.bin} present`, state: 'missing', detail: ver.stderr.trim().split('\n')[0] ?? '', hint: `install ${kube.bin}` },
  );
  const server = await kube.run(['get', '--raw', '/version'], { timeoutMs: 20_000 });
  if (server.exitCode !== 0) {
    checks.push({
      check: 'logged in',
      state: 'missing',
      detail: server.stderr.trim().split('\n')[0] ?? 'no answer',
      hint: platform === 'openshift' ? 'oc login <api-url>' : 'kubectl config use-context <ctx>, or pass --kubeconfig/--context',
    });
    return checks;
  }
  checks.push({ check: 'logged in', state: 'ok', detail: `${(await kube.serverUrl()) ?? ''} (Kubernetes ${(JSON.parse(server.stdout) as Obj).gitVersion})` });
  const can: Array<[string, string, string | undefined]> = [
    ['create', 'namespaces', undefined],
    ['create', 'kafkas.kafka.strimzi.io', d.namespace],
    ['create', 'scaledobjects.keda.sh', d.namespace],
    ['create', 'secrets', d.namespace],
    ['create', 'deployments.apps', d.namespace],
  ];
  if (platform === 'openshift')
    can.push(['create', 'subscriptions.operators.coreos.com', d.kedaNamespace], ['create', 'buildconfigs.build.openshift.io', d.namespace]);
  const denied: string[] = [];
  for (const [verb, res, ns] of can) if (!(await kube.canI(verb, res, ns))) denied.push(`${verb} ${res}${ns ? ` in ${ns}` : ''}`);
  checks.push(
    denied.length
      ? { check: 'permissions (auth can-i)', state: 'missing', detail: `denied: ${denied.join(', ')}`, hint: 'ask a cluster admin for these permissions' }
      : { check: 'permissions (auth can-i)', state: 'ok', detail: `${can.length} checks allowed` },
  );
  const crds = [
    'scaledobjects.keda.sh',
    'triggerauthentications.keda.sh',
    'kafkas.kafka.strimzi.io',
    'kafkanodepools.kafka.strimzi.io',
    'kafkatopics.kafka.strimzi.io',
    'kafkausers.kafka.strimzi.io',
  ];
  if (platform === 'openshift') crds.push('kedacontrollers.keda.sh');
  const notEst: string[] = [];
  for (const c of crds) if (crdVerdict(await kube.get('crd', c)).state !== 'ready') notEst.push(c);
  checks.push(
    notEst.length
      ? { check: 'operators (CRDs)', state: 'missing', detail: `not established: ${notEst.join(', ')}`, hint: 'cma-demo setup --only operators' }
      : { check: 'operators (CRDs)', state: 'ok', detail: `${crds.length} CRDs established` },
  );
  if (platform === 'openshift') {
    const kc = await kube.get('kedacontrollers.keda.sh', 'keda', d.kedaNamespace);
    checks.push(fromVerdict('KedaController', kedaControllerVerdict(kc), String(kc?.status?.reason ?? 'Installation Succeeded'), 'cma-demo setup --only keda'));
  }
  checks.push(
    fromVerdict(
      'KEDA metrics APIService',
      apiServiceVerdict(await kube.get('apiservice', 'v1beta1.external.metrics.k8s.io')),
      'v1beta1.external.metrics.k8s.io Available',
      'check the keda-metrics-apiserver Deployment and its logs',
    ),
  );
  const kafka = await kube.get('kafkas.kafka.strimzi.io', d.cluster, d.namespace);
  checks.push(
    fromVerdict(
      `Kafka ${d.cluster}`,
      kafkaVerdict(kafka),
      `Ready${kafka?.status?.kafkaVersion ? ` (Kafka ${kafka.status.kafkaVersion})` : ''}`,
      'cma-demo setup --only kafka; see the strimzi-cluster-operator logs',
    ),
  );
  checks.push(
    fromVerdict(
      `KafkaUser ${d.user}`,
      kafkaUserVerdict(await kube.get('kafkausers.kafka.strimzi.io', d.user, d.namespace)),
      'Ready',
      'cma-demo setup --only kafka',
    ),
  );
  for (const t of d.topics)
    checks.push(
      fromVerdict(`KafkaTopic ${t}`, kafkaTopicVerdict(await kube.get('kafkatopics.kafka.strimzi.io', t, d.namespace)), 'Ready', 'cma-demo setup --only kafka'),
    );
  const sec = await kube.get('secret', d.credentialSecret, d.namespace);
  checks.push(
    sec
      ? { check: `Secret ${d.credentialSecret}`, state: 'ok', detail: 'username + password present' }
      : { check: `Secret ${d.credentialSecret}`, state: 'missing', detail: 'not found', hint: 'cma-demo setup --only credentials' },
  );
  const dep = await kube.get('deployment', d.app, d.namespace);
  checks.push(
    dep
      ? { check: `Deployment ${d.app}`, state: 'ok', detail: `replicas ${dep.spec?.replicas ?? 0}, ready ${dep.status?.readyReplicas ?? 0}` }
      : { check: `Deployment ${d.app}`, state: 'missing', detail: 'not found', hint: 'cma-demo setup --only consumer' },
  );
  const so = await kube.get('scaledobjects.keda.sh', d.scaledObject, d.namespace);
  const soV = scaledObjectVerdict(so);
  const active = ((so?.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Active');
  checks.push(
    fromVerdict(
      `ScaledObject ${d.scaledObject}`,
      soV,
      `Ready, Active=${active?.status ?? 'Unknown'}`,
      'cma-demo setup --only scaledobject; see the keda-operator logs',
    ),
  );
  const hpaName = (so?.status?.hpaName as string | undefined) ?? `keda-hpa-${d.scaledObject}`;
  const hpa = await kube.get('horizontalpodautoscalers.autoscaling', hpaName, d.namespace);
  checks.push(
    hpa
      ? { check: `HPA ${hpaName}`, state: 'ok', detail: `current ${hpa.status?.currentReplicas ?? 0}, desired ${hpa.status?.desiredReplicas ?? 0}` }
      : {
          check: `HPA ${hpaName}`,
          state: so ? 'missing' : 'missing',
          detail: 'not found',
          hint: 'KEDA creates it for a Ready ScaledObject; check the keda-operator logs',
        },
  );
  return checks;
}

/** A plain table: state, check, detail; hints under red lines. */
export function renderChecks(checks: Check[], color: { red: (s: string) => string; green: (s: string) => string; yellow: (s: string) => string }): string {
  const w = Math.max(...checks.map((c) => c.check.length));
  const lines: string[] = [];
  for (const c of checks) {
    const mark = c.state === 'ok' ? color.green('ok     ') : c.state === 'warn' ? color.yellow('warn   ') : color.red('MISSING');
    lines.push(`${mark}  ${c.check.padEnd(w)}  ${c.detail}`);
    if (c.hint && c.state !== 'ok') lines.push(`${' '.repeat(9 + w)}  hint: ${c.hint}`);
  }
  return lines.join('\n') + '\n';
}
