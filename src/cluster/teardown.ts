/**
 * teardown: reverse order of setup, only objects labelled app.kubernetes.io/managed-by=cma-demo, waiting for
 * finalizers. Operators (KedaController, Subscriptions and their CSVs, OperatorGroup, openshift-keda) and the demo
 * Namespace only with --all, and only when cma-demo created them.
 */
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../manifests/params.js';
import type { Kube, Obj } from './kube.js';

export interface TeardownStep {
  title: string;
  /** resource (plural.group) and where to look */
  resource: string;
  namespaces: string[];
  all?: boolean;
  wait?: boolean;
}

export const SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

export function teardownPlan(namespace: string, o: { all: boolean; kedaNamespace?: string; platform: 'openshift' | 'kubernetes' }): TeardownStep[] {
  const kns = o.kedaNamespace ?? DEMO_DEFAULTS.kedaNamespaceOpenShift;
  const steps: TeardownStep[] = [
    { title: 'ScaledObject', resource: 'scaledobjects.keda.sh', namespaces: [namespace] },
    { title: 'TriggerAuthentication', resource: 'triggerauthentications.keda.sh', namespaces: [namespace] },
    { title: 'consumer Deployment', resource: 'deployments.apps', namespaces: [namespace] },
    { title: 'credential Secret', resource: 'secrets', namespaces: [namespace] },
  ];
  if (o.platform === 'openshift') {
    steps.push({ title: 'BuildConfig', resource: 'buildconfigs.build.openshift.io', namespaces: [namespace] });
    steps.push({ title: 'ImageStream', resource: 'imagestreams.image.openshift.io', namespaces: [namespace] });
  }
  steps.push(
    { title: 'KafkaTopics', resource: 'kafkatopics.kafka.strimzi.io', namespaces: [namespace] },
    { title: 'KafkaUser', resource: 'kafkausers.kafka.strimzi.io', namespaces: [namespace] },
    { title: 'Kafka', resource: 'kafkas.kafka.strimzi.io', namespaces: [namespace] },
    { title: 'KafkaNodePool', resource: 'kafkanodepools.kafka.strimzi.io', namespaces: [namespace] },
  );
  if (o.all && o.platform === 'openshift') {
    steps.push(
      { title: 'KedaController', resource: 'kedacontrollers.keda.sh', namespaces: [kns], all: true },
      { title: 'Subscriptions (and their CSVs)', resource: 'subscriptions.operators.coreos.com', namespaces: [kns, 'openshift-operators'], all: true },
      { title: 'OperatorGroup', resource: 'operatorgroups.operators.coreos.com', namespaces: [kns], all: true },
    );
  }
  if (o.all) steps.push({ title: 'Namespaces', resource: 'namespaces', namespaces: [], all: true, wait: false });
  return steps;
}

export interface Deleted {
  object: string;
  note?: string;
}

/**
 * Runs one step: lists labelled objects and deletes them (waiting for finalizers unless wait=false). With `dryRun`
 * it only lists them: the objects (and a Subscription's installed CSV) it would delete, nothing deleted.
 */
export async function runTeardownStep(
  kube: Kube,
  s: TeardownStep,
  o: { namespace: string; kedaNamespace: string; timeoutMs: number; log?: (s: string) => void; dryRun?: boolean },
): Promise<Deleted[]> {
  const out: Deleted[] = [];
  const targets: Array<{ ns?: string; obj: Obj }> = [];
  if (s.resource === 'namespaces') {
    for (const n of await kube.list('namespaces', { selector: SELECTOR })) {
      if (n.metadata.name === o.namespace || n.metadata.name === o.kedaNamespace) targets.push({ obj: n });
    }
  } else {
    for (const ns of s.namespaces) for (const obj of await kube.list(s.resource, { namespace: ns, selector: SELECTOR })) targets.push({ ns, obj });
  }
  if (o.dryRun) {
    for (const t of targets) {
      out.push({ object: `${t.obj.kind}/${t.obj.metadata.name}${t.ns ? ` -n ${t.ns}` : ''}` });
      const csv = s.resource === 'subscriptions.operators.coreos.com' ? (t.obj.status?.installedCSV as string | undefined) : undefined;
      if (csv) out.push({ object: `ClusterServiceVersion/${csv} -n ${t.ns}` });
    }
    return out;
  }
  for (const t of targets) {
    const name = t.obj.metadata.name as string;
    if (s.resource === 'subscriptions.operators.coreos.com') {
      const csv = t.obj.status?.installedCSV as string | undefined;
      await kube.delete(s.resource, name, t.ns, { wait: true, timeoutMs: o.timeoutMs });
      out.push({ object: `Subscription/${name} -n ${t.ns}` });
      if (csv && (await kube.delete('clusterserviceversions.operators.coreos.com', csv, t.ns, { wait: true, timeoutMs: o.timeoutMs })))
        out.push({ object: `ClusterServiceVersion/${csv} -n ${t.ns}` });
      continue;
    }
    o.log?.(`deleting ${t.obj.kind}/${name}`);
    await kube.delete(s.resource, name, t.ns, { wait: s.wait !== false, timeoutMs: o.timeoutMs });
    out.push({
      object: `${t.obj.kind}/${name}${t.ns ? ` -n ${t.ns}` : ''}`,
      note: s.resource === 'namespaces' ? 'deletion continues in the cluster (Terminating)' : undefined,
    });
  }
  return out;
}
