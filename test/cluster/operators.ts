/**
 * Plays the operators in the lab (none run there): writes the status shapes of docs/design.md §9 when the
 * objects setup creates appear. `faults` choose a bad status for one component to test fail-fast paths.
 */
import type { Lab } from '../lab/lab.js';

export interface PlayerOptions {
  namespace: string;
  kafkaCluster?: string;
  /** The external listener reported in Kafka status (the local broker's SASL listener). */
  externalBootstrap: string;
  /** KafkaUser .status.username (the SCRAM user of the local broker). */
  username: string;
  /** When set, the player writes the KafkaUser's Secret (keys password + sasl.jaas.config) as the User Operator does. */
  password?: string;
  faults?: {
    subscription?: { reason: string; message: string };
    csvFailed?: { reason: string; message: string };
    kedaPhase?: string;
    kafkaNotReady?: { reason: string; message: string };
    topic?: { reason: string; message: string };
    scaledObject?: { reason: string; message: string };
    /** Leave this kind without any status (for timeouts). */
    silent?: string[];
  };
}

const now = () => new Date().toISOString();
const cond = (type: string, status: string, reason?: string, message?: string) => ({ type, status, reason, message, lastTransitionTime: now() });

export class OperatorPlayer {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly seenCreating = new Set<string>();
  constructor(
    private readonly lab: Lab,
    public opts: PlayerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 250);
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
  }

  private async list(resource: string, ns?: string): Promise<any[]> {
    const r = await this.lab.kubectl(['get', resource, '-o', 'json', ...(ns ? ['-n', ns] : ['--all-namespaces'])]);
    return r.exitCode === 0 ? JSON.parse(r.stdout).items : [];
  }

  private silent(kind: string): boolean {
    return (this.opts.faults?.silent ?? []).includes(kind);
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const f = this.opts.faults ?? {};
      const ns = this.opts.namespace;
      for (const sub of await this.list('subscriptions.operators.coreos.com')) {
        if (sub.status || this.silent('Subscription')) continue;
        const sns = sub.metadata.namespace;
        if (f.subscription) {
          await this.lab.setStatus('subscriptions.operators.coreos.com', sub.metadata.name, sns, {
            lastUpdated: now(),
            conditions: [cond('ResolutionFailed', 'True', f.subscription.reason, f.subscription.message)],
          });
          continue;
        }
        const csv = `${sub.spec.name}.v9.9.9`;
        await this.lab.kubectl(
          ['apply', '--server-side', '--field-manager=player', '-f', '-'],
          JSON.stringify({
            apiVersion: 'operators.coreos.com/v1alpha1',
            kind: 'ClusterServiceVersion',
            metadata: { name: csv, namespace: sns },
            spec: { displayName: sub.spec.name, install: { strategy: 'deployment' } },
          }),
        );
        await this.lab.setStatus(
          'clusterserviceversions.operators.coreos.com',
          csv,
          sns,
          f.csvFailed ? { phase: 'Failed', reason: f.csvFailed.reason, message: f.csvFailed.message } : { phase: 'Succeeded', reason: 'InstallSucceeded' },
        );
        await this.lab.setStatus('subscriptions.operators.coreos.com', sub.metadata.name, sns, {
          lastUpdated: now(),
          installedCSV: csv,
          currentCSV: csv,
          state: 'AtLatestKnown',
        });
      }
      for (const kc of await this.list('kedacontrollers.keda.sh')) {
        if (kc.status?.phase || this.silent('KedaController')) continue;
        const phase = f.kedaPhase ?? 'Installation Succeeded';
        await this.lab.setStatus('kedacontrollers.keda.sh', kc.metadata.name, kc.metadata.namespace, {
          phase,
          reason: phase === 'Installation Succeeded' ? "KEDA v2.19.0 is installed in namespace 'openshift-keda'" : 'Not able to install KEDA Metrics Server',
          version: '2.19.0',
        });
      }
      for (const k of await this.list('kafkas.kafka.strimzi.io', ns)) {
        if (this.silent('Kafka')) continue;
        const key = `${k.metadata.name}/${k.metadata.generation}`;
        const ready =
          (k.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') && k.status?.observedGeneration === k.metadata.generation;
        if (ready) continue;
        if (!this.seenCreating.has(key)) {
          this.seenCreating.add(key);
          await this.lab.setStatus('kafkas.kafka.strimzi.io', k.metadata.name, ns, {
            observedGeneration: k.metadata.generation,
            conditions: [cond('NotReady', 'True', 'Creating', 'Kafka cluster is being deployed')],
          });
          continue;
        }
        if (f.kafkaNotReady) {
          await this.lab.setStatus('kafkas.kafka.strimzi.io', k.metadata.name, ns, {
            observedGeneration: k.metadata.generation,
            conditions: [cond('NotReady', 'True', f.kafkaNotReady.reason, f.kafkaNotReady.message)],
          });
          continue;
        }
        const [host, port] = this.opts.externalBootstrap.split(':');
        await this.lab.setStatus('kafkas.kafka.strimzi.io', k.metadata.name, ns, {
          observedGeneration: k.metadata.generation,
          conditions: [cond('Ready', 'True')],
          kafkaVersion: '4.1.1',
          listeners: [
            {
              name: 'client',
              bootstrapServers: `${k.metadata.name}-kafka-bootstrap.${ns}.svc:9092`,
              addresses: [{ host: `${k.metadata.name}-kafka-bootstrap.${ns}.svc`, port: 9092 }],
            },
            { name: 'external', bootstrapServers: this.opts.externalBootstrap, addresses: [{ host, port: Number(port) }] },
          ],
        });
      }
      for (const u of await this.list('kafkausers.kafka.strimzi.io', ns)) {
        if (u.status?.secret || this.silent('KafkaUser')) continue;
        if (this.opts.password) {
          const pw = this.opts.password;
          await this.lab.k(
            ['apply', '--server-side', '--field-manager=user-operator', '-f', '-'],
            JSON.stringify({
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: {
                name: u.metadata.name,
                namespace: ns,
                labels: { 'strimzi.io/cluster': u.metadata.labels?.['strimzi.io/cluster'] ?? '', 'strimzi.io/kind': 'KafkaUser' },
              },
              data: {
                password: Buffer.from(pw).toString('base64'),
                'sasl.jaas.config': Buffer.from(
                  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${this.opts.username}" password="${pw}";`,
                ).toString('base64'),
              },
            }),
          );
        }
        await this.lab.setStatus('kafkausers.kafka.strimzi.io', u.metadata.name, ns, {
          observedGeneration: u.metadata.generation,
          username: this.opts.username,
          secret: u.metadata.name,
          conditions: [cond('Ready', 'True')],
        });
      }
      for (const t of await this.list('kafkatopics.kafka.strimzi.io', ns)) {
        if (this.silent('KafkaTopic') || t.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'cma-demo') continue;
        const want = f.topic ? cond('Ready', 'False', f.topic.reason, f.topic.message) : cond('Ready', 'True');
        const cur = (t.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        if (cur && cur.status === want.status && cur.reason === want.reason) continue;
        await this.lab.setStatus('kafkatopics.kafka.strimzi.io', t.metadata.name, ns, {
          observedGeneration: t.metadata.generation,
          topicName: t.metadata.name,
          conditions: [want],
        });
      }
      for (const so of await this.list('scaledobjects.keda.sh', ns)) {
        if (this.silent('ScaledObject')) continue;
        const want = f.scaledObject
          ? cond('Ready', 'False', f.scaledObject.reason, f.scaledObject.message)
          : cond('Ready', 'True', 'ScaledObjectReady', 'ScaledObject is defined correctly and is ready for scaling');
        const cur = (so.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        if (cur && cur.status === want.status && cur.reason === want.reason) continue;
        await this.lab.setStatus('scaledobjects.keda.sh', so.metadata.name, ns, {
          scaleTargetKind: 'apps/v1.Deployment',
          originalReplicaCount: 1,
          hpaName: `keda-hpa-${so.metadata.name}`,
          conditions: [
            want,
            cond('Active', 'False', 'ScalerNotActive', 'Scaling is not performed because triggers are not active'),
            cond('Fallback', 'False', 'NoFallbackFound', 'No fallbacks are active on this scaled object'),
          ],
        });
      }
    } catch (err) {
      process.stderr.write(`operator player: ${(err as Error).message}\n`);
    } finally {
      this.busy = false;
    }
  }
}

/** What exists before setup on an OpenShift-like lab: catalog PackageManifests, openshift-operators, KEDA's operands. */
export async function seedOpenShift(lab: Lab): Promise<void> {
  for (const ns of ['openshift-marketplace', 'openshift-operators', 'openshift-keda']) {
    await lab.kubectl(['create', 'namespace', ns]);
  }
  for (const [pkg, source] of [
    ['openshift-custom-metrics-autoscaler-operator', 'redhat-operators'],
    ['amq-streams', 'redhat-operators'],
    ['strimzi-kafka-operator', 'community-operators'],
  ]) {
    await lab.k(
      ['apply', '--server-side', '--field-manager=seed', '-f', '-'],
      JSON.stringify({ apiVersion: 'packages.operators.coreos.com/v1', kind: 'PackageManifest', metadata: { name: pkg, namespace: 'openshift-marketplace' } }),
    );
    await lab.setStatus('packagemanifests.packages.operators.coreos.com', pkg, 'openshift-marketplace', {
      catalogSource: source,
      catalogSourceNamespace: 'openshift-marketplace',
      packageName: pkg,
      defaultChannel: 'stable',
      channels: [{ name: 'stable', currentCSV: `${pkg}.v9.9.9` }],
    });
  }
  await seedKedaOperands(lab, 'openshift-keda');
}

/** KEDA's Deployments (Available) and a local external-metrics APIService (Available without a backing service). */
export async function seedKedaOperands(lab: Lab, ns: string): Promise<void> {
  await lab.kubectl(['create', 'namespace', ns]);
  for (const d of ['keda-operator', 'keda-metrics-apiserver']) {
    await lab.k(
      ['apply', '--server-side', '--field-manager=seed', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: d, namespace: ns, labels: { app: d, 'app.kubernetes.io/part-of': 'keda-operator' } },
        spec: {
          selector: { matchLabels: { app: d } },
          template: { metadata: { labels: { app: d } }, spec: { containers: [{ name: d, image: `ghcr.io/kedacore/${d}:2.19.0` }] } },
        },
      }),
    );
    await lab.setStatus('deployment', d, ns, {
      observedGeneration: 1,
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' }],
    });
  }
  await lab.k(
    ['apply', '--server-side', '--field-manager=seed', '-f', '-'],
    JSON.stringify({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.external.metrics.k8s.io' },
      spec: { group: 'external.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 },
    }),
  );
}
