/**
 * The setup engine: each step a listr2 task with a title, waits with timeouts, and failure messages that name
 * the resource, the condition waited for, the reason the cluster gave and the next thing to try.
 * Ownership: an object that exists without our label is never re-specced or relabelled (it is reused).
 */
import path from 'node:path';
import { Listr, ListrLogger, ProcessOutput, type ListrDefaultRenderer, type ListrSimpleRenderer, type ListrTask, type ListrTaskWrapper } from 'listr2';
import { CmaError, ExitCode, envError } from '../errors.js';
import type { Output } from '../output.js';
import { MANAGED_BY, MANAGED_BY_LABEL, SOURCE_HASH_LABEL, validateSetupParams, type Platform, type SetupParams, type StepId } from '../manifests/params.js';
import { loadTemplates, renderSetup, type K8sObject, type RenderedStep } from '../manifests/render.js';
import { sourceHash } from '../manifests/sourceHash.js';
import { readLastTarget, writeLastTarget } from '../state/lastTarget.js';
import { parseDuration } from '../util/numbers.js';
import { sleep } from '../util/sleep.js';
import { clusterKafkaConnection, readUserCredentials } from './kafkaAccess.js';
import { strimziApiFromServed, type Kube, type Obj } from './kube.js';
import {
  apiServiceVerdict,
  buildVerdict,
  crdVerdict,
  csvVerdict,
  deploymentAvailableVerdict,
  kafkaTopicVerdict,
  kafkaUserVerdict,
  kafkaVerdict,
  kedaControllerVerdict,
  scaledObjectVerdict,
  subscriptionVerdict,
  type Verdict,
} from './readiness.js';
import { paramsFromFlags, setupPhases, type SetupFlags } from './setupParams.js';
import { fetchText, rewriteStrimziNamespace } from './releaseManifest.js';
import { checkReplicas, credentialSecretData, type ResolvedExternalKafka } from './externalKafka.js';

export interface SetupRunFlags {
  rebuild?: boolean;
  /** --image-base: the base of the image --build-image builds. */
  imageBase?: string;
  precommit?: boolean;
  timeout?: string;
}

export interface StepReport {
  id: StepId;
  status: 'ok' | 'skipped' | 'failed' | 'not-run';
  durationMs: number;
  notes: string[];
  objects: string[];
  error?: { message: string; hint?: string };
}

/** What the caller hands to runSetup. */
export interface SetupContext {
  kube: Kube;
  platform: Platform;
  flags: SetupFlags & SetupRunFlags;
  globals: { namespace?: string; context?: string; kubeconfig?: string };
  steps: StepId[];
  dryRunServer: boolean;
  out: Output;
  /** Aborts every wait at once (an interrupt): the waiting steps end with exit 130 and nothing further is applied. */
  signal?: AbortSignal;
  /** `--kafka local|existing`: the Kafka setup does not install, and the connection to it (holds the password). */
  external?: ResolvedExternalKafka;
}

const POLL_MS = Number(process.env.CMA_DEMO_POLL_MS ?? 2000);

/** The reason a run's own signal carries when a step failed: its sibling steps stop waiting. */
const STEP_FAILED = 'step-failed';

/** One wait: what is awaited, how to read it and judge it, and what to try when it fails. */
export interface WaitSpec {
  /** The resource, e.g. `Kafka ns/demo-cluster`. */
  what: string;
  /** The condition, e.g. `condition Ready=True`. */
  condition: string;
  read: () => Promise<Obj | null>;
  verdict: (o: Obj | null) => Verdict;
  /** The next thing to try, for the error's hint. */
  next: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /**
   * Stops the wait at once. Aborted with the reason `'step-failed'`: a sibling step failed (CmaError code ABORTED,
   * exit 3); any other reason is an interrupt (code INTERRUPTED, exit 130).
   */
  signal?: AbortSignal;
  /** Called with the condition's detail each time it changes. */
  onWait?: (detail: string) => void;
}

function stoppedError(what: string, signal: AbortSignal): CmaError {
  if (signal.reason === STEP_FAILED) {
    return new CmaError(`${what}: not waited for (another step failed)`, { exitCode: ExitCode.ENV, code: 'ABORTED' });
  }
  return new CmaError(`${what}: not waited for (interrupted)`, { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
}

/** Polls until the verdict is ready; throws a CmaError naming resource, condition, reason and next step. */
export async function waitFor(w: WaitSpec, o: WaitOptions): Promise<Obj> {
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  for (;;) {
    if (o.signal?.aborted) throw stoppedError(w.what, o.signal);
    const obj = await w.read();
    const v = w.verdict(obj);
    if (v.state === 'ready') return obj!;
    if (v.state === 'failed') {
      throw new CmaError(`${w.what}: waiting for ${w.condition}, the cluster reports ${v.reason}${v.message ? `: ${v.message}` : ''}`, {
        hint: w.next,
        exitCode: ExitCode.ENV,
        code: 'SETUP_FAILED',
      });
    }
    if (v.detail !== last) o.onWait?.(v.detail);
    last = v.detail;
    if (Date.now() >= deadline) {
      throw new CmaError(`${w.what}: timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for ${w.condition} (last seen: ${v.detail})`, {
        hint: `${w.next}; or rerun with a longer --timeout (setup resumes where it stopped)`,
        exitCode: ExitCode.ENV,
        code: 'SETUP_TIMEOUT',
      });
    }
    await sleep(Math.min(POLL_MS, Math.max(50, deadline - Date.now())), o.signal);
  }
}

const ref = (o: { kind: string; metadata: { name: string; namespace?: string } }): string =>
  `${o.kind}/${o.metadata.name}${o.metadata.namespace ? ` -n ${o.metadata.namespace}` : ''}`;

const ownedBy = (o: Obj | null): boolean => o?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

/** Applies what we own or what does not exist yet; an existing object without our label is left alone. */
async function applyOwned(kube: Kube, objs: K8sObject[], notes: string[]): Promise<Obj[]> {
  const toApply: K8sObject[] = [];
  const res: Obj[] = [];
  for (const o of objs) {
    const cur = await kube.get(o.kind, o.metadata.name, o.metadata.namespace);
    if (cur && !ownedBy(cur)) {
      notes.push(`${ref(o)} exists and was not created by cma-demo: left as it is`);
      res.push(cur);
    } else toApply.push(o);
  }
  res.push(...(await kube.apply(toApply)));
  return res;
}

function timeoutMs(flags: SetupRunFlags): number {
  return (parseDuration(flags.timeout, '--timeout', { unit: 's', exclusiveMin: true }) ?? 600) * 1000;
}

export async function resolveParams(ctx: SetupContext): Promise<SetupParams> {
  let strimziApi: 'v1' | 'v1beta2' | undefined;
  if (!ctx.flags.strimziApi) strimziApi = strimziApiFromServed(await ctx.kube.crdServedVersions('kafkas.kafka.strimzi.io')) ?? undefined;
  return paramsFromFlags(ctx.flags, ctx.globals, { platform: ctx.platform, strimziApi, sourceHash: sourceHash(), kafka: ctx.external?.kafka }, ctx.out);
}

export interface DryRunResult {
  object: string;
  result: 'valid' | 'rejected' | 'skipped';
  detail?: string;
}

/** Server-side dry-run of every rendered object; namespaced objects of a namespace that does not exist yet are validated in `default`. */
export async function serverDryRun(kube: Kube, steps: RenderedStep[]): Promise<DryRunResult[]> {
  const results: DryRunResult[] = [];
  const nsExists = new Map<string, boolean>();
  for (const s of steps) {
    for (const o of s.objects) {
      const obj = structuredClone(o);
      const ns = obj.metadata.namespace;
      if (ns) {
        if (!nsExists.has(ns)) nsExists.set(ns, (await kube.get('namespace', ns)) !== null);
        if (!nsExists.get(ns)) obj.metadata.namespace = 'default';
      }
      try {
        await kube.apply([obj], { dryRun: 'server' });
        results.push({ object: ref(o), result: 'valid' });
      } catch (err) {
        const msg = (err as Error).message;
        if (/no matches for kind|ensure CRDs are installed/i.test(msg)) {
          results.push({ object: ref(o), result: 'skipped', detail: 'its API is not served yet (installed by the operators step)' });
        } else results.push({ object: ref(o), result: 'rejected', detail: msg });
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------- the run

/** One setup run: what its steps share. Built by runSetup, never kept beyond it. */
interface SetupRun {
  readonly ctx: SetupContext;
  readonly kube: Kube;
  readonly out: Output;
  readonly p: SetupParams;
  readonly byId: ReadonlyMap<StepId, RenderedStep>;
  readonly timeoutMs: number;
  readonly reports: StepReport[];
  readonly titles: Record<StepId, string>;
  /** Aborted when a step fails (reason 'step-failed': its siblings stop waiting) or when ctx.signal aborts. */
  readonly abort: AbortController;
  /** Step promises still running, so a failed run can let its parallel siblings settle before reporting. */
  readonly inflight: Set<Promise<unknown>>;
  /** The first step error that is not a sibling's ABORTED. */
  firstError: unknown;
  /** Topics this run created with the admin API (--kafka local|existing): the only ones teardown may delete. */
  readonly createdTopics: string[];
}

/** What a step's implementation gets: the run's cluster and parameters, its own report, objects and progress line. */
interface StepEnv {
  readonly run: SetupRun;
  readonly kube: Kube;
  readonly p: SetupParams;
  readonly flags: SetupFlags & SetupRunFlags;
  /** The step's rendered objects (none for a step the platform does not render). */
  readonly objects: K8sObject[];
  readonly report: StepReport;
  readonly log: (s: string) => void;
  /** waitFor with the run's timeout and signal and the step's progress line. */
  wait(w: WaitSpec): Promise<Obj>;
  /** `--kafka local|existing`: the Kafka and its connection. */
  readonly external?: ResolvedExternalKafka;
  readonly createdTopics: string[];
}

function stepTitles(p: SetupParams): Record<StepId, string> {
  return {
    namespace: `Namespace ${p.namespace}`,
    operators:
      p.platform === 'openshift'
        ? 'Operators: Custom Metrics Autoscaler + Kafka (OLM)'
        : p.kafka
          ? 'Operators: KEDA release manifest'
          : 'Operators: KEDA + Strimzi release manifests',
    keda: `KedaController ${p.kedaNamespace}/keda`,
    kafka: p.kafka
      ? `Kafka (--kafka ${p.kafka.mode}, ${p.kafka.bootstrap}): topics ${p.topic}, ${p.auditTopic}`
      : `Kafka ${p.cluster}: node pool, user ${p.user}, topics ${p.topic}, ${p.auditTopic}`,
    credentials: `Credentials: Secret ${p.credentialSecret}, TriggerAuthentication, pre-commit of ${p.group}`,
    consumer: `Consumer Deployment ${p.app}${p.platform === 'openshift' ? ' (image built in the cluster)' : ''}`,
    scaledobject: `ScaledObject ${p.scaledObject}`,
  };
}

/** A rerun keeps the topics an earlier setup created on the same Kafka, so teardown still removes them. */
function previouslyCreatedTopics(ctx: SetupContext, p: SetupParams): string[] {
  const last = readLastTarget();
  if (!ctx.external || !last?.kafka || last.kafka.bootstrap !== ctx.external.kafka.bootstrap || last.namespace !== p.namespace) return [];
  return [...(last.createdTopics ?? [])];
}

function newSetupRun(ctx: SetupContext, p: SetupParams, rendered: RenderedStep[]): SetupRun {
  return {
    ctx,
    kube: ctx.kube,
    out: ctx.out,
    p,
    byId: new Map(rendered.map((s) => [s.id, s])),
    timeoutMs: timeoutMs(ctx.flags),
    reports: ctx.steps.map((id) => ({ id, status: 'not-run', durationMs: 0, notes: [], objects: [] })),
    titles: stepTitles(p),
    abort: new AbortController(),
    inflight: new Set(),
    firstError: null,
    createdTopics: previouslyCreatedTopics(ctx, p),
  };
}

function stepEnv(run: SetupRun, id: StepId, log: (s: string) => void): StepEnv {
  const signal = run.abort.signal;
  return {
    run,
    kube: run.kube,
    p: run.p,
    flags: run.ctx.flags,
    objects: run.byId.get(id)?.objects ?? [],
    report: run.reports.find((r) => r.id === id)!,
    log,
    wait: (w) => waitFor(w, { timeoutMs: run.timeoutMs, signal, onWait: log }),
    external: run.ctx.external,
    createdTopics: run.createdTopics,
  };
}

/** The steps' implementations, by id. */
const STEPS: Record<StepId, (env: StepEnv) => Promise<void>> = {
  namespace: async (env) => {
    const objs = await applyOwned(env.kube, env.objects, env.report.notes);
    env.report.objects.push(...objs.map((o) => `Namespace/${o.metadata.name}`));
  },
  operators: (env) => (env.p.platform === 'openshift' ? operatorsOpenShift(env) : operatorsKubernetes(env)),
  keda: async (env) => {
    if (env.p.platform !== 'openshift') {
      env.report.status = 'skipped';
      env.report.notes.push('Kubernetes: KEDA is installed by the operators step (no KedaController)');
      return;
    }
    await kedaStep(env);
  },
  kafka: (env) => kafkaStep(env),
  credentials: (env) => credentialsStep(env),
  consumer: (env) => consumerStep(env),
  scaledobject: async (env) => {
    const { kube, p } = env;
    const objs = await applyOwned(kube, env.objects, env.report.notes);
    env.report.objects.push(...objs.map((o) => `${o.kind}/${o.metadata.name}`));
    await env.wait({
      what: `ScaledObject ${p.namespace}/${p.scaledObject}`,
      condition: 'condition Ready=True',
      read: () => kube.get('scaledobject', p.scaledObject, p.namespace),
      verdict: scaledObjectVerdict,
      next: `check the keda-operator logs in ${p.platform === 'openshift' ? p.kedaNamespace : 'keda'} and the TriggerAuthentication ${p.triggerAuth}`,
    });
  },
};

type StepTask = ListrTask<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;
type StepTaskWrapper = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

/** Runs one step and keeps its report: ok, skipped, failed (the run is aborted), or not-run (stopped by the run's signal). */
async function runStep(run: SetupRun, id: StepId, task: StepTaskWrapper): Promise<void> {
  const title = run.titles[id];
  const env = stepEnv(run, id, (s) => {
    task.output = s;
  });
  const r = env.report;
  const t0 = Date.now();
  try {
    // A step that would start after an interrupt does not start: nothing more is applied.
    if (run.abort.signal.aborted) throw stoppedError(title, run.abort.signal);
    const running = STEPS[id](env);
    run.inflight.add(running.catch(() => {}));
    await running;
    if (r.status === 'not-run') r.status = 'ok';
    if (r.status === 'skipped') task.skip(`${title}: ${r.notes.join('; ')}`);
    else if (r.notes.length) task.title = `${title} — ${r.notes.join('; ')}`;
  } catch (err) {
    const code = (err as CmaError).code;
    if (code === 'ABORTED' || code === 'INTERRUPTED') {
      r.status = 'not-run';
      r.notes.push(code === 'ABORTED' ? 'stopped because another step failed' : 'stopped by an interrupt');
    } else {
      r.status = 'failed';
      r.error = { message: (err as Error).message, hint: (err as CmaError).hint };
      run.firstError ??= err;
      run.abort.abort(STEP_FAILED);
    }
    throw err;
  } finally {
    r.durationMs = Date.now() - t0;
  }
}

/**
 * The listr2 list: one task a phase; the independent steps of a phase (e.g. keda, kafka and the consumer build after
 * the operators) run in parallel as subtasks.
 */
function stepList(run: SetupRun): Listr<unknown, 'default', 'simple'> {
  const stepTask = (id: StepId): StepTask => ({ title: run.titles[id], task: (_ctx, task) => runStep(run, id, task) });
  const phaseTask = (ids: StepId[]): StepTask =>
    ids.length === 1
      ? stepTask(ids[0]!)
      : {
          title: ids.map((id) => run.titles[id]).join(' ∥ '),
          task: (_ctx, task) => task.newListr(ids.map(stepTask), { concurrent: true, exitOnError: true }),
        };
  const processOutput = new ProcessOutput(process.stderr as NodeJS.WriteStream, process.stderr as NodeJS.WriteStream);
  const logger = new ListrLogger({ processOutput });
  return new Listr<unknown, 'default', 'simple'>(setupPhases(run.ctx.steps).map(phaseTask), {
    concurrent: false,
    exitOnError: true,
    registerSignalListeners: false,
    renderer: 'default',
    fallbackRenderer: 'simple',
    // The live renderer only for a person reading text on a terminal.
    fallbackRendererCondition: !(run.out.stderrIsTTY && run.out.format === 'text'),
    rendererOptions: { logger },
    fallbackRendererOptions: { logger },
  });
}

/** Runs the steps; returns the error the run ends with (the first real failure), or null. */
async function runSteps(run: SetupRun): Promise<unknown> {
  let failure: unknown = null;
  try {
    await stepList(run).run();
  } catch (err) {
    failure = err;
    // Parallel siblings stop waiting once the run is aborted; let them settle so the report says what they did.
    await Promise.allSettled([...run.inflight]);
  }
  if (!failure && run.reports.some((r) => r.status === 'failed')) failure = run.firstError ?? new CmaError('a setup step failed');
  if (failure && (failure as CmaError).code === 'ABORTED' && run.firstError) failure = run.firstError;
  return failure;
}

/** Records the cluster and namespace as the default target of later commands (state/last-setup.json). */
async function recordLastTarget(run: SetupRun): Promise<void> {
  const { kube, p } = run;
  writeLastTarget({
    cluster: await kube.serverUrl(),
    context: await kube.currentContext(),
    kubeconfig: kube.kubeconfig ?? null,
    namespace: p.namespace,
    platform: p.platform,
    kafkaCluster: p.cluster,
    kafkaUser: p.user,
    topic: p.topic,
    auditTopic: p.auditTopic,
    group: p.group,
    ...(p.kafka
      ? {
          kafka: { mode: p.kafka.mode, bootstrap: p.kafka.bootstrap, securityProtocol: p.kafka.securityProtocol, saslMechanism: p.kafka.saslMechanism ?? null },
          createdTopics: [...new Set(run.createdTopics)],
        }
      : {}),
    recordedAt: new Date().toISOString(),
  });
}

/**
 * The document (machine formats, also after a failure: it says which steps ran) and the closing line; returns 0.
 * A failure is thrown as a CmaError with its exit code: src/cli.ts prints it (the one exit path).
 */
function finish(run: SetupRun, failure: unknown): number {
  const { out, p } = run;
  if (out.format !== 'text') {
    out.document({ platform: p.platform, namespace: p.namespace, strimziApi: p.strimziApi, ok: !failure, steps: run.reports, warnings: out.warnings });
  }
  if (failure) {
    if (failure instanceof CmaError) throw failure;
    throw new CmaError((failure as Error)?.message ?? String(failure), { exitCode: ExitCode.ENV, cause: failure });
  }
  out.info(`setup complete: namespace ${p.namespace} is the default cluster target now`);
  return ExitCode.OK;
}

/** `setup --dry-run=server`: every chosen object validated by the API server; nothing applied. */
async function dryRunServerSteps(ctx: SetupContext, p: SetupParams, rendered: RenderedStep[]): Promise<number> {
  const { kube, out } = ctx;
  const results = await serverDryRun(
    kube,
    rendered.filter((s) => ctx.steps.includes(s.id)),
  );
  const rejected = results.filter((r) => r.result === 'rejected');
  if (out.format !== 'text') {
    out.document({ dryRun: 'server', platform: p.platform, namespace: p.namespace, strimziApi: p.strimziApi, results, warnings: out.warnings });
  } else for (const r of results) out.text(`${r.result.padEnd(8)} ${r.object}${r.detail ? `  (${r.detail})` : ''}`);
  return rejected.length ? ExitCode.ENV : ExitCode.OK;
}

/**
 * Runs the chosen setup steps on the cluster (or validates them with --dry-run=server); returns the exit code,
 * or throws the failure (a CmaError with its exit code: 3 environment, 130 interrupted).
 */
export async function runSetup(ctx: SetupContext): Promise<number> {
  const { kube, out } = ctx;
  const p = await resolveParams(ctx);
  for (const w of validateSetupParams(p)) out.warn(w.code, w.message);
  const rendered = renderSetup(p, loadTemplates());
  const server = (await kube.serverUrl()) ?? '?';
  const context = (await kube.currentContext()) ?? '?';
  out.info(
    `target: cluster ${server} (context ${context}), namespace ${p.namespace}, platform ${p.platform}, ${p.kafka ? `Kafka ${p.kafka.bootstrap} (--kafka ${p.kafka.mode}, ${p.kafka.securityProtocol})` : `Strimzi API ${p.strimziApi}`}`,
  );
  if (ctx.dryRunServer) return dryRunServerSteps(ctx, p, rendered);

  const run = newSetupRun(ctx, p, rendered);
  const onInterrupt = () => run.abort.abort(ctx.signal?.reason ?? 'interrupted');
  if (ctx.signal?.aborted) onInterrupt();
  ctx.signal?.addEventListener('abort', onInterrupt, { once: true });
  let failure: unknown;
  try {
    failure = await runSteps(run);
  } finally {
    ctx.signal?.removeEventListener('abort', onInterrupt);
  }
  if (!failure && ctx.steps.includes('scaledobject')) await recordLastTarget(run);
  return finish(run, failure);
}

// ---------------------------------------------------------------- steps

const KEDA_CRDS = ['kedacontrollers.keda.sh', 'scaledobjects.keda.sh', 'triggerauthentications.keda.sh'];
const STRIMZI_CRDS = ['kafkas.kafka.strimzi.io', 'kafkanodepools.kafka.strimzi.io', 'kafkatopics.kafka.strimzi.io', 'kafkausers.kafka.strimzi.io'];

async function operatorsOpenShift(env: StepEnv): Promise<void> {
  const { kube, p, report: r, log } = env;
  const subs = env.objects.filter((o) => o.kind === 'Subscription');
  const toApply: K8sObject[] = [];
  const waitSubs: Array<{ name: string; namespace: string; pkg: string; crds: string[] }> = [];
  for (const sub of subs) {
    const pkg = String((sub.spec as Obj).name);
    const ns = sub.metadata.namespace!;
    const crds = pkg === 'openshift-custom-metrics-autoscaler-operator' ? KEDA_CRDS : STRIMZI_CRDS;
    const existing = (await kube.list('subscriptions.operators.coreos.com', { allNamespaces: true })).find((s) => s.spec?.name === pkg);
    if (existing) {
      r.notes.push(`${pkg} already subscribed (${existing.metadata.namespace}/${existing.metadata.name})`);
      waitSubs.push({ name: existing.metadata.name, namespace: existing.metadata.namespace, pkg, crds });
      continue;
    }
    // Preflight: the package must exist in the catalog (a disconnected cluster may lack it).
    const pm = await kube.get('packagemanifests.packages.operators.coreos.com', pkg, p.catalogNamespace);
    if (!pm) {
      throw envError(
        `package ${pkg} is not in the catalogs of ${p.catalogNamespace} (no PackageManifest)`,
        'on a disconnected cluster mirror the operator and pass --catalog-source/--catalog-namespace; for upstream Strimzi use --kafka-operator strimzi',
        'NO_PACKAGE',
      );
    }
    const spec = sub.spec as Obj;
    if (!p.channel && pkg !== 'openshift-custom-metrics-autoscaler-operator' && pm.status?.defaultChannel) spec.channel = pm.status.defaultChannel;
    const channels = ((pm.status?.channels ?? []) as Obj[]).map((c) => c.name as string);
    if (channels.length && !channels.includes(spec.channel)) {
      throw envError(
        `package ${pkg} has no channel "${spec.channel}" (channels: ${channels.join(', ')})`,
        `pass --channel/--cma-channel with one of: ${channels.join(', ')}`,
        'NO_CHANNEL',
      );
    }
    toApply.push(sub);
    waitSubs.push({ name: sub.metadata.name, namespace: ns, pkg, crds });
  }
  if (toApply.some((s) => s.metadata.namespace === p.kedaNamespace)) {
    const nsObj = env.objects.find((o) => o.kind === 'Namespace')!;
    await applyOwned(kube, [nsObj], r.notes);
    const ogs = await kube.list('operatorgroups.operators.coreos.com', { namespace: p.kedaNamespace });
    if (ogs.length === 0) await kube.apply(env.objects.filter((o) => o.kind === 'OperatorGroup'));
    else r.notes.push(`OperatorGroup ${ogs[0]!.metadata.name} in ${p.kedaNamespace} reused`);
  }
  await kube.apply(toApply);
  r.objects.push(...toApply.map(ref));
  for (const s of waitSubs) {
    log(`waiting for Subscription ${s.namespace}/${s.name}`);
    const sub = await env.wait({
      what: `Subscription ${s.namespace}/${s.name}`,
      condition: '.status.installedCSV',
      read: () => kube.get('subscriptions.operators.coreos.com', s.name, s.namespace),
      verdict: subscriptionVerdict,
      next: `inspect it with \`${kube.bin} get subscription ${s.name} -n ${s.namespace} -o yaml\`; check the catalog source and channel`,
    });
    const csvName = String(sub.status.installedCSV);
    await env.wait({
      what: `ClusterServiceVersion ${s.namespace}/${csvName}`,
      condition: 'phase Succeeded',
      read: () => kube.get('clusterserviceversions.operators.coreos.com', csvName, s.namespace),
      verdict: csvVerdict,
      next:
        `see \`${kube.bin} describe csv ${csvName} -n ${s.namespace}\` ` +
        '(NoOperatorGroup/TooManyOperatorGroups/UnsupportedOperatorGroup are OperatorGroup problems)',
    });
    for (const crd of s.crds) {
      await env.wait({
        what: `CRD ${crd}`,
        condition: 'condition Established',
        read: () => kube.get('crd', crd),
        verdict: crdVerdict,
        next: `the ${s.pkg} operator should install it; check its CSV`,
      });
    }
  }
}

/** Waits for a Deployment's Available condition. */
const deploymentAvailable = (env: StepEnv, namespace: string, name: string, next: string): Promise<Obj> =>
  env.wait({
    what: `Deployment ${namespace}/${name}`,
    condition: 'condition Available=True',
    read: () => env.kube.get('deployment', name, namespace),
    verdict: deploymentAvailableVerdict,
    next,
  });

/** Waits for KEDA's external metrics APIService to be Available. */
const externalMetricsAvailable = (env: StepEnv, next: string): Promise<Obj> =>
  env.wait({
    what: 'APIService v1beta1.external.metrics.k8s.io',
    condition: 'condition Available=True',
    read: () => env.kube.get('apiservice', 'v1beta1.external.metrics.k8s.io'),
    verdict: apiServiceVerdict,
    next,
  });

async function operatorsKubernetes(env: StepEnv): Promise<void> {
  const { kube, p, report: r, log } = env;
  const hasKeda = (await kube.get('crd', 'scaledobjects.keda.sh')) !== null;
  if (p.kafka && hasKeda) {
    const outside = await kedaOutsideCluster(env);
    if (outside) {
      r.status = 'skipped';
      r.notes.push(outside);
      return;
    }
  }
  const hasStrimzi = p.kafka ? true : (await kube.get('crd', 'kafkas.kafka.strimzi.io')) !== null;
  if (p.kafka) r.notes.push(`no Strimzi (--kafka ${p.kafka.mode})`);
  if (hasKeda) r.notes.push('KEDA already installed (skipped)');
  else {
    log(`applying ${p.kedaManifestUrl}`);
    await kube.applyUrl(p.kedaManifestUrl);
    r.objects.push(p.kedaManifestUrl);
  }
  if (hasStrimzi) r.notes.push('Strimzi already installed (skipped)');
  else {
    log(`applying ${p.strimziManifestUrl}`);
    const objs = rewriteStrimziNamespace(await fetchText(p.strimziManifestUrl), p.namespace);
    await kube.apply(objs, { what: `apply ${p.strimziManifestUrl} (${objs.length} objects, namespace ${p.namespace})` });
    r.objects.push(p.strimziManifestUrl);
  }
  for (const crd of [...KEDA_CRDS.filter((c) => c !== 'kedacontrollers.keda.sh'), ...(p.kafka ? [] : STRIMZI_CRDS)]) {
    await env.wait({
      what: `CRD ${crd}`,
      condition: 'condition Established',
      read: () => kube.get('crd', crd),
      verdict: crdVerdict,
      next: 'check the operator release manifest was applied',
    });
  }
  const kedaDeployments = await kube.list('deployments', { allNamespaces: true, selector: 'app.kubernetes.io/part-of=keda-operator' });
  const kedaNs = kedaDeployments[0]?.metadata?.namespace ?? 'keda';
  for (const d of ['keda-operator', 'keda-metrics-apiserver']) {
    await deploymentAvailable(env, kedaNs, d, `see \`kubectl -n ${kedaNs} describe deployment ${d}\``);
  }
  await externalMetricsAvailable(env, `KEDA's metrics server must serve it; see \`kubectl -n ${kedaNs} logs deploy/keda-metrics-apiserver\``);
  if (!p.kafka && (!hasStrimzi || (await kube.get('deployment', 'strimzi-cluster-operator', p.namespace)))) {
    await deploymentAvailable(env, p.namespace, 'strimzi-cluster-operator', `see \`kubectl -n ${p.namespace} logs deploy/strimzi-cluster-operator\``);
  }
  if (hasKeda && hasStrimzi) r.status = 'skipped';
}

/**
 * KEDA that runs outside the cluster's workloads (the `cma-demo lab` on this machine): its CRDs are there, the
 * external metrics APIService is Available and no keda-operator Deployment exists. On the lab the operator's
 * health is read from the lab itself. Returns the note to print, or null when KEDA must be installed as usual.
 */
async function kedaOutsideCluster(env: StepEnv): Promise<string | null> {
  const { kube } = env;
  const deployments = await kube.list('deployments', { allNamespaces: true, selector: 'app.kubernetes.io/part-of=keda-operator' });
  if (deployments.length > 0) return null;
  const api = await kube.get('apiservice', 'v1beta1.external.metrics.k8s.io');
  if (apiServiceVerdict(api).state !== 'ready') return null;
  const { readLabState, labStatus } = await import('../lab/lab.js');
  const lab = readLabState();
  if (!lab || lab.server !== (await kube.serverUrl())) return null;
  const st = await labStatus();
  const op = st.components.find((c) => c.name === 'keda-operator');
  if (!op?.healthy) {
    throw envError(
      `the lab's KEDA operator is not healthy (${op?.detail ?? 'not started'})`,
      `read ${op?.logFile ?? 'the lab log'}, or restart the lab: cma-demo lab down && cma-demo lab up`,
      'LAB_KEDA_UNHEALTHY',
    );
  }
  return (
    `KEDA ${lab.versions.keda} runs on this machine ` +
    '(cma-demo lab: CRDs present, APIService v1beta1.external.metrics.k8s.io Available, operator healthy): operators step skipped'
  );
}

async function kedaStep(env: StepEnv): Promise<void> {
  const { kube, p, report: r } = env;
  const cur = await kube.get('kedacontrollers.keda.sh', 'keda', p.kedaNamespace);
  if (cur && !ownedBy(cur)) {
    const watch = String(cur.spec?.watchNamespace ?? '');
    const covered =
      watch === '' ||
      watch
        .split(',')
        .map((s) => s.trim())
        .includes(p.namespace);
    if (!covered) {
      throw new CmaError(
        `KedaController ${p.kedaNamespace}/keda watches namespace "${watch}", not ${p.namespace}; ` +
          'cma-demo never re-specs a KedaController it did not create',
        {
          hint: `ask its owner to set spec.watchNamespace to "" (all) or include ${p.namespace}, or rerun setup with -n ${watch.split(',')[0]}`,
          exitCode: ExitCode.ENV,
          code: 'KEDA_WATCH_NAMESPACE',
        },
      );
    }
    r.notes.push(`existing KedaController keda (watchNamespace "${watch}") left as it is`);
  } else {
    await kube.apply(env.objects);
    r.objects.push(...env.objects.map(ref));
  }
  await env.wait({
    what: `KedaController ${p.kedaNamespace}/keda`,
    condition: '.status.phase "Installation Succeeded"',
    read: () => kube.get('kedacontrollers.keda.sh', 'keda', p.kedaNamespace),
    verdict: kedaControllerVerdict,
    next: `see \`${kube.bin} logs -n ${p.kedaNamespace} deploy/custom-metrics-autoscaler-operator\``,
  });
  for (const d of ['keda-operator', 'keda-metrics-apiserver']) {
    await deploymentAvailable(env, p.kedaNamespace, d, `see \`${kube.bin} -n ${p.kedaNamespace} describe deployment ${d}\``);
  }
  await externalMetricsAvailable(env, `see \`${kube.bin} -n ${p.kedaNamespace} logs deploy/keda-metrics-apiserver\``);
}

/** `--kafka local|existing`: the topics with the Kafka admin API, replicas checked against the real broker count. */
async function externalKafkaStep(env: StepEnv, ext: ResolvedExternalKafka): Promise<void> {
  const { p, report: r } = env;
  const { openAdmin } = await import('../kafka/kafkajs.js');
  const admin = await openAdmin(ext.connection);
  try {
    checkReplicas(p.topicReplicas, await admin.brokerCount(), ext.kafka.bootstrap);
    for (const t of [p.topic, p.auditTopic]) {
      const res = await admin.ensureTopic(t, p.partitions, { replicationFactor: p.topicReplicas });
      if (res.created) {
        r.objects.push(`topic ${t}`);
        env.createdTopics.push(t);
        r.notes.push(`topic ${t} created (${p.partitions} partitions × ${p.topicReplicas} replicas)`);
      } else r.notes.push(`topic ${t} exists (${res.partitions} partitions): used as it is, never deleted by teardown`);
    }
  } finally {
    await admin.close();
  }
}

async function kafkaStep(env: StepEnv): Promise<void> {
  const { kube, p, report: r } = env;
  if (env.external) return externalKafkaStep(env, env.external);
  await applyOwned(kube, env.objects, r.notes);
  r.objects.push(...env.objects.map((o) => `${o.kind}/${o.metadata.name}`));
  const ready = (kind: 'Kafka' | 'KafkaUser' | 'KafkaTopic', name: string, verdict: (o: Obj | null) => Verdict) =>
    env.wait({
      what: `${kind} ${p.namespace}/${name}`,
      condition: 'condition Ready=True',
      read: () => kube.get(kind.toLowerCase(), name, p.namespace),
      verdict,
      next: `see \`${kube.bin} -n ${p.namespace} get ${kind.toLowerCase()} ${name} -o yaml\` and the strimzi-cluster-operator logs`,
    });
  await ready('Kafka', p.cluster, kafkaVerdict);
  await ready('KafkaUser', p.user, kafkaUserVerdict);
  for (const t of [p.topic, p.auditTopic]) await ready('KafkaTopic', t, kafkaTopicVerdict);
}

async function credentialsStep(env: StepEnv): Promise<void> {
  const { kube, p, report: r } = env;
  let data: Record<string, string>;
  if (env.external) data = credentialSecretData(env.external.connection);
  else {
    const creds = await readUserCredentials(kube, p.namespace, p.user);
    data = { username: Buffer.from(creds.username).toString('base64'), password: Buffer.from(creds.password).toString('base64') };
  }
  // The pre-commit goes before the Secret: the consumer pods need the Secret to start, so until it exists no consumer
  // can join the group, and Kafka refuses offset commits from an admin client while the group has members.
  await precommit(env);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: p.credentialSecret, namespace: p.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    type: 'Opaque',
    data,
  };
  const existing = await kube.get('secret', p.credentialSecret, p.namespace);
  if (existing && !ownedBy(existing)) r.notes.push(`Secret ${p.credentialSecret} exists and was not created by cma-demo: left as it is`);
  else await kube.apply([secret as unknown as K8sObject], { what: `apply Secret/${p.credentialSecret} -n ${p.namespace}` });
  r.objects.push(`Secret/${p.credentialSecret}`);
  await applyOwned(kube, env.objects, r.notes);
  r.objects.push(...env.objects.map((o) => `${o.kind}/${o.metadata.name}`));
}

/** Commits the group at log end on partitions with no commit, so KEDA sees lag from the first record (see render.ts notes). */
async function precommit(env: StepEnv): Promise<void> {
  const { kube, p, report: r, log } = env;
  if (env.flags.precommit === false) {
    r.notes.push('pre-commit skipped (--no-precommit)');
    return;
  }
  log(`pre-committing ${p.group} on ${p.topic}`);
  const conn = env.external ? env.external.connection : await clusterKafkaConnection(kube, p.namespace, p.cluster, p.user);
  const { openAdmin } = await import('../kafka/kafkajs.js');
  const admin = await openAdmin(conn);
  try {
    // A group with members (setup run again while the consumers run) commits its own offsets: nothing to do.
    const group = await admin.describeGroup(p.group);
    if (group.members.length > 0) {
      r.notes.push(
        `pre-commit not needed: group ${p.group} has ${group.members.length} running consumer(s) (state ${group.state}), which commit their own offsets`,
      );
      return;
    }
    const ends = await admin.endOffsets(p.topic);
    const committed = await admin.committedOffsets(p.group, [p.topic]);
    const have = new Set(committed.filter((c) => c.topic === p.topic && c.offset !== null && c.offset >= 0).map((c) => c.partition));
    const todo = ends.filter((e) => !have.has(e.partition)).map((e) => ({ partition: e.partition, offset: e.high }));
    if (todo.length) await admin.commitOffsets(p.group, p.topic, todo);
    r.notes.push(`pre-committed ${todo.length} partition(s) of ${p.topic} at log end (${ends.length - todo.length} already committed, left unchanged)`);
  } finally {
    await admin.close();
  }
}

/** The BuildConfig as applied before a build: it keeps the previous source hash, so a failed build is retried on the next run. */
function withPreviousHash(objs: K8sObject[], bcBefore: Obj | null): K8sObject[] {
  const previous = String(bcBefore?.metadata?.labels?.[SOURCE_HASH_LABEL] ?? 'none');
  return objs.map((o) =>
    o.kind === 'BuildConfig' ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [SOURCE_HASH_LABEL]: previous } } } : o,
  );
}

async function consumerStep(env: StepEnv): Promise<void> {
  const { kube, p, report: r, log } = env;
  if (p.platform === 'openshift') {
    const bcBefore = await kube.get('buildconfigs.build.openshift.io', p.app, p.namespace);
    const isBefore = await kube.get('imagestreams.image.openshift.io', p.app, p.namespace);
    const hasLatest = ((isBefore?.status?.tags ?? []) as Obj[]).some((t) => t.tag === 'latest' && (t.items ?? []).length > 0);
    const buildObjs = env.objects.filter((o) => o.kind === 'ImageStream' || o.kind === 'BuildConfig');
    const sameHash = bcBefore?.metadata?.labels?.[SOURCE_HASH_LABEL] === p.sourceHash;
    const needBuild = Boolean(env.flags.rebuild) || !sameHash || !hasLatest;
    // The new source hash is recorded only after a build succeeded, so a rerun after a failed build builds again.
    await applyOwned(kube, needBuild ? withPreviousHash(buildObjs, bcBefore) : buildObjs, r.notes);
    if (needBuild) {
      log('building the consumer image (npm pack → oc start-build --follow)');
      const name = await startBuild(kube, p, log);
      await env.wait({
        what: `Build ${p.namespace}/${name}`,
        condition: 'phase Complete',
        read: () => kube.get('builds.build.openshift.io', name, p.namespace),
        verdict: buildVerdict,
        next: `see \`oc logs -n ${p.namespace} build/${name}\``,
      });
      r.notes.push(`image built by ${name}`);
      await applyOwned(
        kube,
        buildObjs.filter((o) => o.kind === 'BuildConfig'),
        [],
      );
    } else r.notes.push(`image up to date (source hash ${p.sourceHash}); --rebuild forces a build`);
  }
  if (p.platform === 'kubernetes' && env.flags.buildImage) {
    const { buildConsumerImage } = await import('../image/build.js');
    const { hasRegistry } = await import('../image/builder.js');
    const push = hasRegistry(p.image);
    log(`building the consumer image ${p.image}${push ? ' and pushing it' : ''}`);
    const b = await buildConsumerImage({ tag: p.image, push, base: env.flags.imageBase, log });
    r.notes.push(
      `image ${b.image} built with ${b.builder}${b.sizeBytes ? ` (${(b.sizeBytes / 1e6).toFixed(0)} MB)` : ''}; ${
        push ? 'pushed' : 'not pushed (no registry in the tag): the nodes must have it (kind load, or the lab with --pods containers)'
      }`,
    );
  }
  const dep = env.objects.filter((o) => o.kind === 'Deployment');
  await applyOwned(kube, dep, r.notes);
  r.objects.push(...env.objects.map((o) => `${o.kind}/${o.metadata.name}`));
}

/** The hermetic image context (image/context.ts: the packed package installed with its production dependencies, and
 * the Containerfile) in a temp dir, never the user's working directory; oc start-build --from-dir --follow. */
async function startBuild(kube: Kube, p: SetupParams, log: (s: string) => void): Promise<string> {
  if (path.basename(kube.bin) === 'kubectl') {
    throw envError(
      'building the consumer image needs oc (oc start-build), which is not on PATH',
      'install the oc client, or build the image with `cma-demo image build --tag REGISTRY/IMAGE --push` and pass --image',
      'NO_OC',
    );
  }
  const { stageImageContext } = await import('../image/context.js');
  const ctx = await stageImageContext({ log });
  const dir = ctx.dir;
  try {
    const res = await kube.run(['start-build', p.app, `--from-dir=${dir}`, '--follow', '-o', 'name', '-n', p.namespace], { timeoutMs: 1_800_000 });
    if (res.exitCode !== 0) {
      throw envError(
        `oc start-build ${p.app} failed: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`,
        `see \`oc logs -n ${p.namespace} bc/${p.app}\``,
        'BUILD_FAILED',
      );
    }
    const m = /build(?:\.build\.openshift\.io)?\/([\w.-]+)/.exec(res.stdout);
    if (!m) {
      throw envError(
        `oc start-build did not name the build it started (output: ${res.stdout.trim().slice(0, 200)})`,
        'rerun setup with --rebuild',
        'BUILD_FAILED',
      );
    }
    log(`build ${m[1]} finished`);
    return m[1]!;
  } finally {
    ctx.remove();
  }
}

export { renderSetup };
