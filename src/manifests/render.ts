/**
 * Renders what `setup` applies, step by step, for one platform. Pure given the template texts; loadTemplates()
 * is the only file access (the manifests/ folder shipped in the package).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { renderTemplate, type K8sObject } from './template.js';
import { MANAGED_BY, MANAGED_BY_LABEL, STEP_IDS, templateParams, type SetupParams, type StepId } from './params.js';

export type { K8sObject } from './template.js';

export const MANIFESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../manifests');

/** Which template files make up each step, per platform. */
const STEP_FILES: Record<'openshift' | 'kubernetes', Partial<Record<StepId, string[]>>> = {
  openshift: {
    namespace: ['common/namespace.yaml'],
    operators: ['openshift/operators.yaml'],
    keda: ['openshift/keda.yaml'],
    kafka: ['common/kafka.yaml'],
    credentials: ['common/credentials.yaml'],
    consumer: ['openshift/build.yaml', 'common/consumer.yaml'],
    scaledobject: ['common/scaledobject.yaml'],
  },
  kubernetes: {
    namespace: ['common/namespace.yaml'],
    kafka: ['common/kafka.yaml'],
    credentials: ['common/credentials.yaml'],
    consumer: ['common/consumer.yaml'],
    scaledobject: ['common/scaledobject.yaml'],
  },
};

export type Templates = Record<string, string>;

export function loadTemplates(dir = MANIFESTS_DIR): Templates {
  const t: Templates = {};
  for (const files of Object.values(STEP_FILES)) {
    for (const list of Object.values(files)) for (const f of list ?? []) t[f] ??= fs.readFileSync(path.join(dir, f), 'utf8');
  }
  return t;
}

export interface RenderedStep {
  id: StepId;
  objects: K8sObject[];
  /** Upstream release manifests applied server-side (Kubernetes operators). */
  urls: string[];
  /** Lines printed as YAML comments in --dry-run. */
  notes: string[];
}

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'APIService']);

/** Adds the ownership label and the namespace to every object. */
export function finishObject(o: K8sObject, namespace: string): K8sObject {
  o.metadata.labels = { ...(o.metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY };
  if (!CLUSTER_SCOPED.has(o.kind) && !o.metadata.namespace) o.metadata.namespace = namespace;
  return o;
}

export function renderSetup(p: SetupParams, templates: Templates): RenderedStep[] {
  const params = templateParams(p);
  const files = STEP_FILES[p.platform];
  const steps: RenderedStep[] = [];
  for (const id of STEP_IDS) {
    const objects: K8sObject[] = [];
    for (const f of files[id] ?? []) {
      const text = templates[f];
      if (text === undefined) throw new Error(`template ${f} not loaded`);
      for (const o of renderTemplate(text, params, f)) objects.push(finishObject(o, p.namespace));
    }
    const urls: string[] = [];
    const notes: string[] = [];
    if (p.kafka) adaptToExternalKafka(id, objects, p, notes);
    if (id === 'operators' && p.platform === 'kubernetes' && p.kafka) {
      urls.push(p.kedaManifestUrl);
      notes.push(
        `operators: kubectl apply --server-side of the pinned KEDA release (skipped when KEDA already runs, e.g. on \`cma-demo lab\`); no Strimzi (--kafka ${p.kafka.mode})`,
      );
    } else if (id === 'operators' && p.platform === 'kubernetes') {
      urls.push(p.kedaManifestUrl, p.strimziManifestUrl);
      notes.push('operators: kubectl apply --server-side of the pinned upstream releases (skipped when already installed)');
      notes.push(`the Strimzi release is installed into namespace ${p.namespace} (it watches its own namespace)`);
    }
    if (id === 'keda' && p.platform === 'kubernetes') continue;
    if (id === 'keda')
      notes.push(`an existing KedaController ${p.kedaNamespace}/keda is never re-specced or relabelled; its watchNamespace must cover ${p.namespace}`);
    if (id === 'credentials' && p.kafka) {
      notes.push(
        `Secret ${p.namespace}/${p.credentialSecret} (the given Kafka credentials${p.kafka.hasCa ? ' and CA' : ''}) is created at apply time; it is not printed`,
      );
      notes.push(`offsets of group ${p.group} are pre-committed at log end for partitions with no commit (--no-precommit skips it)`);
    } else if (id === 'credentials') {
      notes.push(
        `Secret ${p.namespace}/${p.credentialSecret} (username + password copied from the KafkaUser's Secret) is created at apply time; it is not printed`,
      );
      notes.push(`offsets of group ${p.group} are pre-committed at log end for partitions with no commit (--no-precommit skips it)`);
    }
    if (id === 'consumer' && p.platform === 'openshift') notes.push(`image built by oc start-build ${p.app} --from-dir=<npm pack output> --follow`);
    steps.push({ id, objects, urls, notes });
  }
  return steps;
}

/**
 * `--kafka local|existing`: no Strimzi objects (the topics are made with the Kafka admin API at apply time), and the
 * credentials, TriggerAuthentication and consumer follow the given connection instead of the KafkaUser's.
 */
function adaptToExternalKafka(id: string, objects: K8sObject[], p: SetupParams, notes: string[]): void {
  const k = p.kafka!;
  if (id === 'kafka') {
    objects.length = 0;
    notes.push(
      `--kafka ${k.mode}: no Strimzi objects; topics ${p.topic} and ${p.auditTopic} (${p.partitions} partitions × ${p.topicReplicas} replicas) ` +
        `are created with the Kafka admin API at ${k.bootstrap} when missing; an existing topic is used as it is`,
    );
    return;
  }
  const sasl = k.securityProtocol === 'SASL_PLAINTEXT' || k.securityProtocol === 'SASL_SSL';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const o of objects as Array<K8sObject & Record<string, any>>) {
    if (o.kind === 'TriggerAuthentication') {
      const refs: Array<{ parameter: string; name: string; key: string }> = [];
      if (sasl)
        refs.push({ parameter: 'username', name: p.credentialSecret, key: 'username' }, { parameter: 'password', name: p.credentialSecret, key: 'password' });
      if (k.hasCa) refs.push({ parameter: 'ca', name: p.credentialSecret, key: 'ca.crt' });
      o.spec = { secretTargetRef: refs };
    }
    if (o.kind === 'Deployment') {
      const c = o.spec.template.spec.containers[0];
      const env = (c.env as Array<{ name: string; value?: string }>).filter(
        (e) => sasl || !['CMA_DEMO_USERNAME', 'CMA_DEMO_KAFKA_PASSWORD', 'CMA_DEMO_SASL_MECHANISM'].includes(e.name),
      );
      for (const e of env) {
        if (e.name === 'CMA_DEMO_SECURITY_PROTOCOL') e.value = k.securityProtocol;
        if (e.name === 'CMA_DEMO_SASL_MECHANISM' && k.saslMechanism) e.value = k.saslMechanism;
      }
      if (k.hasCa) {
        env.push({ name: 'CMA_DEMO_CA_FILE', value: '/etc/cma-demo/kafka-ca/ca.crt' });
        c.volumeMounts = [{ name: 'kafka-ca', mountPath: '/etc/cma-demo/kafka-ca', readOnly: true }];
        o.spec.template.spec.volumes = [{ name: 'kafka-ca', secret: { secretName: p.credentialSecret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }];
      }
      c.env = env;
    }
  }
}

/** The one document `setup --dry-run` prints: a v1 List, each step's objects preceded by comments. */
export function dryRunDocument(steps: RenderedStep[], header: string[]): YAML.Document {
  const items: K8sObject[] = [];
  const comments: Array<string | undefined> = [];
  const pending: string[] = [];
  for (const s of steps) {
    pending.push(` step: ${s.id}`);
    for (const n of s.notes) pending.push(` ${n}`);
    for (const u of s.urls) pending.push(` would apply ${u}`);
    for (const o of s.objects) {
      items.push(o);
      comments.push(pending.splice(0).join('\n'));
    }
  }
  const doc = new YAML.Document({ apiVersion: 'v1', kind: 'List', items });
  doc.commentBefore = header.map((h) => ` ${h}`).join('\n');
  const seq = doc.get('items', true) as YAML.YAMLSeq;
  seq.items.forEach((node, i) => {
    const c = comments[i];
    if (c) (node as YAML.Node).commentBefore = c;
  });
  if (pending.length) doc.comment = pending.join('\n');
  return doc;
}

/** All objects of the chosen steps, in apply order. */
export const allObjects = (steps: RenderedStep[]): K8sObject[] => steps.flatMap((s) => s.objects);
