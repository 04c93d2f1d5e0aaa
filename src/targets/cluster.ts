/**
 * ClusterTarget: the Target seam on a real cluster (oc/kubectl + the real KEDA). Replicas from the Deployment, the
 * HPA's view, the ScaledObject's conditions, KEDA's real external metric (get --raw), patch and restore of the
 * ScaledObject (and the consumer's arguments), diagnostics into the report directory.
 */
import { kedaVersionOfRelease, type KedaVersion } from '../scaling/kedaVersion.js';
import fs from 'node:fs';
import path from 'node:path';
import { kedaNamespaceOf } from '../demoDefaults.js';
import { CmaError, ExitCode } from '../errors.js';
import type { KafkaConnection } from '../kafka/client.js';
import { binFor, detectPlatform, kubeFromGlobals } from '../cluster/connect.js';
import { clusterKafkaConnection } from '../cluster/kafkaAccess.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { connectionFromSecret } from '../cluster/externalKafka.js';
import { readLastTarget } from '../state/lastTarget.js';
import { Kube, type Obj } from '../cluster/kube.js';
import { parseQuantity } from '../cluster/quantity.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';
import { resolveClusterTarget } from '../state/resolveTarget.js';
import type { CaseSpec, Target, TargetSample } from './target.js';

export interface ClusterTargetOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  kubectl?: string;
  kube?: Kube;
  platform?: 'openshift' | 'kubernetes';
  kafkaCluster?: string;
  kafkaUser?: string;
  app?: string;
  scaledObject?: string;
  log?: (s: string) => void;
  warn?: (code: string, message: string) => void;
  /** The Kafka the runner's producer and lag monitor use instead of the discovered listener (run's --bootstrap-server …). */
  kafka?: () => Promise<KafkaConnection>;
}

const cond = (o: Obj | null, type: string): Obj | undefined => ((o?.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);
const bool = (c: Obj | undefined): boolean | null => (c ? (c.status === 'True' ? true : c.status === 'False' ? false : null) : null);

/** The ScaledObject merge of a case's settings onto the current object (pure). */
export function scaledObjectPatch(current: Obj, s: ScaledObjectSettings, spec: Pick<CaseSpec, 'topic' | 'group' | 'annotations' | 'allTopics'>): Obj {
  const triggers = structuredClone((current.spec?.triggers ?? []) as Obj[]);
  const t = triggers.find((x) => x.type === 'kafka');
  if (!t)
    throw new CmaError(`ScaledObject ${current.metadata?.name} has no kafka trigger`, {
      exitCode: ExitCode.ENV,
      hint: 'rerun cma-demo setup --only scaledobject',
    });
  t.metadata = {
    ...(t.metadata ?? {}),
    topic: spec.topic,
    consumerGroup: spec.group,
    lagThreshold: String(s.lagThreshold),
    activationLagThreshold: String(s.activationLagThreshold),
    offsetResetPolicy: s.offsetResetPolicy,
    allowIdleConsumers: String(s.allowIdleConsumers),
    scaleToZeroOnInvalidOffset: String(s.scaleToZeroOnInvalidOffset),
    excludePersistentLag: String(s.excludePersistentLag),
    limitToPartitionsWithLag: String(s.limitToPartitionsWithLag),
    ensureEvenDistributionOfPartitions: String(s.ensureEvenDistributionOfPartitions),
  };
  // A merge patch of the whole triggers list: a key left out here is gone from the object.
  if (s.partitionLimitation !== null) t.metadata.partitionLimitation = s.partitionLimitation;
  else delete t.metadata.partitionLimitation;
  if (spec.allTopics) delete t.metadata.topic; // KEDA reads every topic the group has commits for
  const patch: Obj = {
    spec: {
      pollingInterval: s.pollingInterval,
      cooldownPeriod: s.cooldownPeriod,
      minReplicaCount: s.minReplicaCount,
      maxReplicaCount: s.maxReplicaCount,
      idleReplicaCount: s.idleReplicaCount,
      fallback: s.fallback,
      advanced: { horizontalPodAutoscalerConfig: { behavior: s.behavior } },
      triggers,
    },
  };
  if (s.initialCooldownPeriod) patch.spec.initialCooldownPeriod = s.initialCooldownPeriod;
  if (spec.annotations && Object.keys(spec.annotations).length) patch.metadata = { annotations: spec.annotations };
  return patch;
}

/** Replaces the values of --group/--topic/--process-ms/--offset-reset in the consumer's args (pure). */
export function consumerArgs(args: string[], spec: CaseSpec): string[] {
  const out = [...args];
  const set = (flag: string, v: string) => {
    const i = out.indexOf(flag);
    if (i >= 0 && i + 1 < out.length) out[i + 1] = v;
    else out.push(flag, v);
  };
  set('--group', spec.group);
  set('--topic', [spec.topic, ...(spec.consumerTopics ?? [])].join(','));
  set('--process-ms', String(spec.consumer.processMs));
  set('--offset-reset', spec.consumer.offsetReset);
  return out;
}

export class ClusterTarget implements Target {
  readonly kind = 'cluster' as const;
  private kube: Kube | null;
  private readonly o: ClusterTargetOptions;
  readonly namespace: string;
  private savedSo: Obj | null = null;
  private savedArgs: string[] | null = null;
  private spec: CaseSpec | null = null;
  private platform: 'openshift' | 'kubernetes' | undefined;

  /** What the options leave open follows the one precedence of state/resolveTarget.ts (env, last setup, DEMO_DEFAULTS). */
  constructor(o: ClusterTargetOptions = {}) {
    const at = resolveClusterTarget(o, { kubectl: o.kubectl, platform: o.platform, kafkaCluster: o.kafkaCluster, kafkaUser: o.kafkaUser });
    this.o = {
      ...o,
      context: at.context,
      kubeconfig: at.kubeconfig,
      kubectl: at.kubectl,
      kafkaCluster: at.kafkaCluster,
      kafkaUser: at.kafkaUser,
      app: o.app ?? at.app,
      scaledObject: o.scaledObject ?? at.scaledObject,
    };
    this.namespace = at.namespace;
    this.kube = o.kube ?? null;
    this.platform = at.platform;
  }

  private async k(): Promise<Kube> {
    if (this.kube) return this.kube;
    const base = kubeFromGlobals({ kubeconfig: this.o.kubeconfig, context: this.o.context, kubectl: this.o.kubectl });
    this.platform ??= await detectPlatform(base);
    this.kube = base.withBin(binFor(this.platform, { kubectl: this.o.kubectl }));
    this.o.log?.(`target: cluster ${(await this.kube.serverUrl()) ?? '?'} (context ${(await this.kube.currentContext()) ?? '?'}), namespace ${this.namespace}`);
    return this.kube;
  }

  async connection(): Promise<KafkaConnection> {
    if (this.o.kafka) return this.o.kafka();
    const kube = await this.k();
    // `setup --kafka local|existing` recorded how to reach a Kafka it did not install; its credentials are in the cluster.
    const last = readLastTarget();
    if (last?.kafka && last.namespace === this.namespace) {
      const secret = await kube.get('secret', DEMO_DEFAULTS.credentialSecret, this.namespace);
      return connectionFromSecret(last.kafka, secret?.data as Record<string, string> | undefined, `Secret ${this.namespace}/${DEMO_DEFAULTS.credentialSecret}`);
    }
    return clusterKafkaConnection(kube, this.namespace, this.o.kafkaCluster!, this.o.kafkaUser!);
  }

  supports(feature: string): { ok: true } | { ok: false; reason: string } {
    if (feature === 'stallPartitions' || feature === 'stall-partitions') return { ok: false, reason: 'the cluster consumer cannot stall chosen partitions' };
    // The consumer Deployment setup renders writes every record's sequence number to its --audit-topic: read back after the case.
    return { ok: true };
  }

  async prepare(spec: CaseSpec): Promise<void> {
    const kube = await this.k();
    this.spec = spec;
    const so = await kube.get('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace);
    if (!so)
      throw new CmaError(`ScaledObject ${this.namespace}/${this.o.scaledObject} does not exist`, {
        exitCode: ExitCode.ENV,
        hint: 'run cma-demo setup first (or pass -n)',
      });
    const dep = await kube.get('deployment', this.o.app!, this.namespace);
    if (!dep)
      throw new CmaError(`Deployment ${this.namespace}/${this.o.app} does not exist`, { exitCode: ExitCode.ENV, hint: 'run cma-demo setup --only consumer' });
    this.savedSo ??= { spec: so.spec, annotations: so.metadata?.annotations ?? {} };
    this.savedArgs ??= (dep.spec.template.spec.containers[0].args ?? []) as string[];
    await kube.patch(
      'deployment',
      this.o.app!,
      this.namespace,
      [
        { op: 'replace', path: '/spec/template/spec/containers/0/args', value: consumerArgs(this.savedArgs, spec) },
        { op: 'add', path: '/spec/replicas', value: spec.startReplicas },
      ],
      { type: 'json' },
    );
    await kube.patch('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace, scaledObjectPatch(so, spec.settings, spec), { type: 'merge' });
    this.scaleDowns = 0;
    this.lastReplicas = spec.startReplicas;
    this.auditStart = null;
    const i = this.savedArgs.indexOf('--audit-topic');
    this.auditTopic = i >= 0 ? (this.savedArgs[i + 1] ?? null) : null;
    if (this.auditTopic) {
      // Where the case's audit starts; a Kafka this machine cannot reach leaves the case without an audit (a warning).
      try {
        const { openAdmin } = await import('../kafka/kafkajs.js');
        const admin = await openAdmin(await this.connection());
        try {
          const topics = await admin.listTopics();
          this.auditStart = new Map(topics.includes(this.auditTopic) ? (await admin.endOffsets(this.auditTopic)).map((e) => [e.partition, e.high]) : []);
        } finally {
          await admin.close();
        }
      } catch (err) {
        this.o.warn?.('AUDIT_UNAVAILABLE', `the audit topic ${this.auditTopic} cannot be read from here: ${(err as Error).message}`);
      }
    }
  }

  private auditTopic: string | null = null;
  /** End offsets of the audit topic when the case started: the case's audit is what comes after. */
  private auditStart: Map<number, number> | null = null;
  /** Scale-downs seen in the samples (each a SIGTERM to a consumer that then exits): duplicates are allowed per scale-down. */
  private scaleDowns = 0;
  private lastReplicas = 0;

  /** The audit the consumers wrote to their audit topic during the case; null when the Deployment writes none. */
  async audit(): Promise<{ seqs: Iterable<number>; scaleDowns: number } | null> {
    if (!this.auditTopic || !this.auditStart) return null;
    const conn = await this.connection();
    const { openAdmin } = await import('../kafka/kafkajs.js');
    const admin = await openAdmin(conn);
    let to: Map<number, number>;
    try {
      to = new Map((await admin.endOffsets(this.auditTopic)).map((e) => [e.partition, e.high]));
    } finally {
      await admin.close();
    }
    const { readTopicRange } = await import('../kafka/kafkajsReader.js');
    const values = await readTopicRange(conn, this.auditTopic, this.auditStart, to);
    const seqs = values.map(Number).filter((n) => Number.isInteger(n));
    return { seqs, scaleDowns: this.scaleDowns };
  }

  /** KEDA's real metric through the external metrics API; null when it cannot be read. */
  async externalMetric(hpa: Obj | null): Promise<number | null> {
    const name = (hpa?.spec?.metrics as Obj[] | undefined)?.find((m) => m.type === 'External')?.external?.metric?.name as string | undefined;
    if (!name) return null;
    this.metricName = name;
    return this.externalMetricNamed(name);
  }

  private async externalMetricNamed(name: string): Promise<number | null> {
    const kube = await this.k();
    const p = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${this.namespace}/${name}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${this.o.scaledObject}`)}`;
    const r = await kube.run(['get', '--raw', p], { timeoutMs: 20_000 });
    if (r.exitCode !== 0) return null;
    const items = (JSON.parse(r.stdout) as Obj).items as Obj[] | undefined;
    return items?.length ? parseQuantity(items[0]!.value as string) : null;
  }

  /** The HPA and metric names seen last: a sample then reads all four objects at once instead of one after another. */
  private hpaName: string | null = null;
  private metricName: string | null = null;

  async sample(): Promise<TargetSample> {
    const kube = await this.k();
    const hpaName = this.hpaName ?? `keda-hpa-${this.o.scaledObject}`;
    const [dep, so, hpa, named] = await Promise.all([
      kube.get('deployment', this.o.app!, this.namespace),
      kube.get('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace),
      kube.get('horizontalpodautoscalers.autoscaling', hpaName, this.namespace),
      this.metricName ? this.externalMetricNamed(this.metricName) : Promise.resolve(undefined),
    ]);
    const soHpa = so?.status?.hpaName as string | undefined;
    if (soHpa && soHpa !== hpaName) {
      // The ScaledObject names another HPA (spec.advanced.horizontalPodAutoscalerConfig.name): read that one from now on.
      this.hpaName = soHpa;
      return this.sample();
    }
    const replicas = Number(dep?.spec?.replicas ?? 0);
    if (replicas < this.lastReplicas) this.scaleDowns += this.lastReplicas - replicas;
    this.lastReplicas = replicas;
    return {
      replicas,
      readyReplicas: Number(dep?.status?.readyReplicas ?? 0),
      desiredReplicas: hpa?.status?.desiredReplicas === undefined ? null : Number(hpa.status.desiredReplicas),
      active: bool(cond(so, 'Active')),
      metric: named !== undefined ? named : await this.externalMetric(hpa),
    };
  }

  /** The ScaledObject's Ready/Active/Fallback conditions and the HPA's view (for lag --watch and reports). */
  async conditions(): Promise<{
    ready: boolean | null;
    active: boolean | null;
    fallback: boolean | null;
    hpa: { current: number | null; desired: number | null; metric: number | null };
  }> {
    const kube = await this.k();
    const so = await kube.get('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace);
    const hpa = await kube.get(
      'horizontalpodautoscalers.autoscaling',
      (so?.status?.hpaName as string | undefined) ?? `keda-hpa-${this.o.scaledObject}`,
      this.namespace,
    );
    const cur = ((hpa?.status?.currentMetrics ?? []) as Obj[]).find((m) => m.type === 'External')?.external?.current;
    return {
      ready: bool(cond(so, 'Ready')),
      active: bool(cond(so, 'Active')),
      fallback: bool(cond(so, 'Fallback')),
      hpa: {
        current: hpa?.status?.currentReplicas === undefined ? null : Number(hpa.status.currentReplicas),
        desired: hpa?.status?.desiredReplicas === undefined ? null : Number(hpa.status.desiredReplicas),
        metric: parseQuantity((cur?.averageValue ?? cur?.value) as string | undefined),
      },
    };
  }

  /**
   * What `explain` and `check` put beside their computed figures: the ScaledObject, its HPA and scale target as the
   * cluster has them, KEDA's real metric (external metrics API), the HPA's status value of it, and the namespace's
   * events (explain keeps those about these objects). A missing ScaledObject is an environment error naming it.
   */
  async explainSnapshot(): Promise<{
    scaledObject: Obj;
    hpa: Obj | null;
    deployment: Obj | null;
    metric: number | null;
    hpaMetric: number | null;
    events: Obj[];
  }> {
    const kube = await this.k();
    const so = await kube.get('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace);
    if (!so) {
      throw new CmaError(`ScaledObject ${this.namespace}/${this.o.scaledObject} does not exist`, {
        exitCode: ExitCode.ENV,
        hint: `list them with: kubectl get scaledobjects.keda.sh -n ${this.namespace} (or run cma-demo setup)`,
      });
    }
    const hpaName = (so.status?.hpaName ?? so.spec?.advanced?.horizontalPodAutoscalerConfig?.name ?? `keda-hpa-${this.o.scaledObject}`) as string;
    const ref = (so.spec?.scaleTargetRef ?? {}) as Obj;
    const kind = String(ref.kind ?? 'Deployment').toLowerCase() === 'statefulset' ? 'statefulset' : 'deployment';
    const [hpa, deployment, events] = await Promise.all([
      kube.get('horizontalpodautoscalers.autoscaling', hpaName, this.namespace),
      kube.get(kind, String(ref.name ?? this.o.app), this.namespace),
      kube.list('events', { namespace: this.namespace }).catch(() => [] as Obj[]),
    ]);
    const cur = ((hpa?.status?.currentMetrics ?? []) as Obj[]).find((m) => m.type === 'External')?.external?.current;
    return {
      scaledObject: so,
      hpa,
      deployment,
      metric: await this.externalMetric(hpa),
      hpaMetric: parseQuantity((cur?.averageValue ?? cur?.value) as string | undefined),
      events,
    };
  }

  /** A TriggerAuthentication's secretTargetRef and the key names (never the values) of the Secrets it names. */
  async triggerAuthentication(
    name: string,
    kind = 'TriggerAuthentication',
  ): Promise<{ found: boolean; params: Array<{ parameter: string; secret: string; key: string }>; secretKeys: Record<string, string[] | null> }> {
    const kube = await this.k();
    const ta =
      kind === 'ClusterTriggerAuthentication'
        ? await kube.get('clustertriggerauthentications.keda.sh', name)
        : await kube.get('triggerauthentications.keda.sh', name, this.namespace);
    if (!ta) return { found: false, params: [], secretKeys: {} };
    const params = ((ta.spec?.secretTargetRef ?? []) as Obj[]).map((r) => ({ parameter: String(r.parameter), secret: String(r.name), key: String(r.key) }));
    const secretKeys: Record<string, string[] | null> = {};
    for (const s of new Set(params.map((p) => p.secret))) {
      const sec = await kube.get('secret', s, this.namespace);
      secretKeys[s] = sec ? Object.keys({ ...(sec.data ?? {}), ...(sec.stringData ?? {}) }) : null;
    }
    return { found: true, params, secretKeys };
  }

  /**
   * This target's Kafka connection with the username and password a TriggerAuthentication's Secret holds, for a
   * handshake as KEDA would make it; null when the Secret lacks them. The password stays in memory, never printed.
   */
  async connectionWithTriggerAuth(
    params: Array<{ parameter: string; secret: string; key: string }>,
    sasl: string | undefined,
  ): Promise<KafkaConnection | null> {
    const mechanism = ({ scram_sha512: 'scram-sha-512', scram_sha256: 'scram-sha-256', plaintext: 'plain' } as const)[
      (sasl ?? '').toLowerCase() as 'plaintext'
    ];
    if (!mechanism) return null;
    const kube = await this.k();
    const value = async (parameter: string): Promise<string | null> => {
      const p = params.find((x) => x.parameter === parameter);
      const data = p ? ((await kube.get('secret', p.secret, this.namespace))?.data as Record<string, string> | undefined) : undefined;
      const v = p ? data?.[p.key] : undefined;
      return v === undefined ? null : Buffer.from(v, 'base64').toString('utf8');
    };
    const [username, password] = await Promise.all([value('username'), value('password')]);
    if (username === null || password === null) return null;
    const base = await this.connection();
    const protocol = base.securityProtocol === 'SSL' || base.securityProtocol === 'SASL_SSL' ? 'SASL_SSL' : 'SASL_PLAINTEXT';
    return { ...base, securityProtocol: protocol, sasl: { mechanism, username, password }, source: `TriggerAuthentication credentials through ${base.source}` };
  }

  async restore(): Promise<void> {
    if (!this.kube) return;
    const kube = this.kube;
    if (this.savedSo) {
      const cur = await kube.get('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace);
      if (cur) {
        const ops: Obj[] = [{ op: 'replace', path: '/spec', value: this.savedSo.spec }];
        ops.push({ op: 'add', path: '/metadata/annotations', value: this.savedSo.annotations });
        await kube.patch('scaledobjects.keda.sh', this.o.scaledObject!, this.namespace, ops, { type: 'json' });
      }
      this.savedSo = null;
    }
    if (this.savedArgs) {
      if (await kube.get('deployment', this.o.app!, this.namespace)) {
        await kube.patch('deployment', this.o.app!, this.namespace, [{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: this.savedArgs }], {
          type: 'json',
        });
      }
      this.savedArgs = null;
    }
  }

  async diagnostics(dir: string): Promise<string[]> {
    const kube = await this.k();
    fs.mkdirSync(dir, { recursive: true });
    const ns = this.namespace;
    const kedaNs = kedaNamespaceOf(this.platform);
    const so = await kube.get('scaledobjects.keda.sh', this.o.scaledObject!, ns).catch(() => null);
    const hpaName = (so?.status?.hpaName as string | undefined) ?? `keda-hpa-${this.o.scaledObject}`;
    const items: Array<[string, string[]]> = [
      ['events.yaml', ['get', 'events', '-n', ns, '-o', 'yaml']],
      ['scaledobject.yaml', ['get', 'scaledobjects.keda.sh', this.o.scaledObject!, '-n', ns, '-o', 'yaml']],
      ['hpa.yaml', ['get', 'horizontalpodautoscalers.autoscaling', hpaName, '-n', ns, '-o', 'yaml']],
      ['deployment.yaml', ['get', 'deployment', this.o.app!, '-n', ns, '-o', 'yaml']],
      ['keda-operator.log', ['logs', '-n', kedaNs, 'deployment/keda-operator', '--all-containers', '--tail=2000']],
      ['keda-metrics-apiserver.log', ['logs', '-n', kedaNs, 'deployment/keda-metrics-apiserver', '--all-containers', '--tail=2000']],
      ['consumer.log', ['logs', '-n', ns, `deployment/${this.o.app}`, '--all-containers', '--tail=2000']],
    ];
    const files: string[] = [];
    // On `cma-demo lab` KEDA runs as processes of this machine: its logs are the lab's files, the consumers' the pod runner's.
    const lab = await this.lab();
    if (lab) {
      const { labDir } = await import('../lab/lab.js');
      const tail = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-2000).join('\n') : `# ${f} does not exist\n`);
      for (const c of lab.components.filter((x) => x.name === 'keda-operator' || x.name === 'keda-adapter' || x.name === 'kube-controller-manager')) {
        const f = path.join(dir, `${c.name}.log`);
        fs.writeFileSync(f, tail(c.logFile));
        files.push(f);
      }
      const podDir = path.join(labDir(), 'pods');
      const pods = fs.existsSync(podDir) ? fs.readdirSync(podDir).filter((x) => x.startsWith(`${ns}_${this.o.app}-`)) : [];
      const f = path.join(dir, 'consumer.log');
      fs.writeFileSync(f, pods.map((x) => `==> ${x} <==\n${tail(path.join(podDir, x))}`).join('\n'));
      files.push(f);
      items.splice(4, 3);
    }
    for (const [name, args] of items) {
      const r = await kube.run(args, { timeoutMs: 60_000 });
      const f = path.join(dir, name);
      fs.writeFileSync(
        f,
        r.exitCode === 0 ? r.stdout : `# ${kube.bin} ${args.join(' ')} failed (exit ${r.exitCode}):\n# ${r.stderr.trim().split('\n').join('\n# ')}\n`,
      );
      files.push(f);
    }
    const vf = path.join(dir, 'versions.json');
    fs.writeFileSync(vf, JSON.stringify(await this.versions(), null, 2) + '\n');
    files.push(vf);
    return files;
  }

  async versions(): Promise<Record<string, string>> {
    const kube = await this.k();
    const v: Record<string, string> = {};
    const server = await kube.version().catch(() => null);
    if (server?.gitVersion) v.kubernetes = String(server.gitVersion);
    const kedaNs = kedaNamespaceOf(this.platform);
    const ko = await kube.get('deployment', 'keda-operator', kedaNs).catch(() => null);
    const img = ko?.spec?.template?.spec?.containers?.[0]?.image as string | undefined;
    if (img) v.keda = img.split(':').pop() ?? img;
    if (this.platform === 'openshift') {
      const kc = await kube.get('kedacontrollers.keda.sh', 'keda', kedaNs).catch(() => null);
      if (kc?.status?.version) v.keda = String(kc.status.version);
    }
    const kafka = await kube.get('kafkas.kafka.strimzi.io', this.o.kafkaCluster!, this.namespace).catch(() => null);
    if (kafka?.status?.kafkaVersion) v.kafka = String(kafka.status.kafkaVersion);
    if (kafka?.status?.operatorLastSuccessfulVersion) v.strimzi = String(kafka.status.operatorLastSuccessfulVersion);
    v.platform = this.platform ?? 'unknown';
    const lab = await this.lab();
    if (lab) {
      v.keda = lab.versions.keda;
      v.lab = 'cma-demo lab: KEDA operator + metrics adapter and kube-controller-manager as local processes';
      v.hpaSyncPeriodSeconds = String(lab.hpaSyncPeriodSeconds);
    }
    return v;
  }

  /**
   * The KEDA release running on the cluster (the operator's image tag, the KedaController's status on OpenShift, the
   * lab's build), as the model to use when --keda-version is not given; null when it cannot be read or is not modelled.
   */
  async kedaVersion(): Promise<KedaVersion | null> {
    const v = (await this.versions().catch(() => ({}) as Record<string, string>)).keda;
    return v ? kedaVersionOfRelease(v) : null;
  }

  /** The `cma-demo lab` this target's API server belongs to, if any. */
  private async lab(): Promise<import('../lab/lab.js').LabState | null> {
    const { readLabState } = await import('../lab/lab.js');
    const st = readLabState();
    if (!st?.server) return null;
    const server = await (await this.k()).serverUrl().catch(() => null);
    return server === st.server ? st : null;
  }

  async close(): Promise<void> {
    await this.restore();
  }
}

/** The factory run and lag use: a ClusterTarget from resolved coordinates (state/resolveTarget.ts) or options. */
export async function createClusterTarget(o: ClusterTargetOptions): Promise<ClusterTarget> {
  return new ClusterTarget(o);
}
