/**
 * The setup engine: each step a listr2 task with a title, waits with timeouts, and failure messages that name
 * the resource, the condition waited for, the reason the cluster gave and the next thing to try.
 * Ownership: an object that exists without our label is never re-specced or relabelled (it is reused).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { CmaError, ExitCode, envError } from '../errors.js';
import type { Output } from '../output.js';
import { MANAGED_BY, MANAGED_BY_LABEL, SOURCE_HASH_LABEL, validateSetupParams, type Platform, type SetupParams, type StepId } from '../manifests/params.js';
import { loadTemplates, renderSetup, type K8sObject, type RenderedStep } from '../manifests/render.js';
import { MANIFESTS_DIR } from '../manifests/render.js';
import { sourceHash } from '../manifests/sourceHash.js';
import { writeLastTarget } from '../state/lastTarget.js';
import { sleep } from '../util/sleep.js';
import { clusterKafkaConnection, readUserCredentials } from './kafkaAccess.js';
import { strimziApiFromServed, type Kube, type Obj } from './kube.js';
import {
  apiServiceVerdict, buildVerdict, crdVerdict, csvVerdict, deploymentAvailableVerdict, kafkaTopicVerdict, kafkaUserVerdict, kafkaVerdict,
  kedaControllerVerdict, scaledObjectVerdict, subscriptionVerdict, type Verdict,
} from './readiness.js';
import { paramsFromFlags, setupPhases, type SetupFlags } from './setupParams.js';
import { fetchText, rewriteStrimziNamespace } from './releaseManifest.js';

export interface SetupRunFlags {
  rebuild?: boolean;
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

export interface SetupContext {
  kube: Kube;
  platform: Platform;
  flags: SetupFlags & SetupRunFlags;
  globals: { namespace?: string; context?: string; kubeconfig?: string };
  steps: StepId[];
  dryRunServer: boolean;
  out: Output;
}

const POLL_MS = Number(process.env.CMA_DEMO_POLL_MS ?? 2000);
/** Aborted when a sibling step of the same phase fails, so its waits stop instead of running to their timeout. */
let runAbort = new AbortController();

/** Polls until the verdict is ready; throws a CmaError naming resource, condition, reason and next step. */
export async function waitFor(
  what: string,
  condition: string,
  read: () => Promise<Obj | null>,
  verdict: (o: Obj | null) => Verdict,
  timeoutMs: number,
  next: string,
  onWait?: (detail: string) => void,
): Promise<Obj> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (runAbort.signal.aborted) throw new CmaError(`${what}: not waited for (another step failed)`, { exitCode: ExitCode.ENV, code: 'ABORTED' });
    const o = await read();
    const v = verdict(o);
    if (v.state === 'ready') return o!;
    if (v.state === 'failed') {
      throw new CmaError(`${what}: waiting for ${condition}, the cluster reports ${v.reason}${v.message ? `: ${v.message}` : ''}`, {
        hint: next,
        exitCode: ExitCode.ENV,
        code: 'SETUP_FAILED',
      });
    }
    if (v.detail !== last) onWait?.(v.detail);
    last = v.detail;
    if (Date.now() >= deadline) {
      throw new CmaError(`${what}: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${condition} (last seen: ${v.detail})`, {
        hint: `${next}; or rerun with a longer --timeout (setup resumes where it stopped)`,
        exitCode: ExitCode.ENV,
        code: 'SETUP_TIMEOUT',
      });
    }
    await sleep(Math.min(POLL_MS, Math.max(50, deadline - Date.now())));
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
  if (flags.timeout === undefined) return 600_000;
  const n = Number(flags.timeout);
  if (!Number.isFinite(n) || n <= 0) throw new CmaError(`--timeout must be a positive number of seconds, got "${flags.timeout}"`, { exitCode: ExitCode.USAGE });
  return n * 1000;
}

export async function resolveParams(ctx: SetupContext): Promise<SetupParams> {
  let strimziApi: 'v1' | 'v1beta2' | undefined;
  if (!ctx.flags.strimziApi) strimziApi = strimziApiFromServed(await ctx.kube.crdServedVersions('kafkas.kafka.strimzi.io')) ?? undefined;
  return paramsFromFlags(ctx.flags, ctx.globals, { platform: ctx.platform, strimziApi, sourceHash: sourceHash() }, ctx.out);
}

/** Server-side dry-run of every rendered object; namespaced objects of a namespace that does not exist yet are validated in `default`. */
export async function serverDryRun(kube: Kube, steps: RenderedStep[]): Promise<Array<{ object: string; result: 'valid' | 'rejected' | 'skipped'; detail?: string }>> {
  const results: Array<{ object: string; result: 'valid' | 'rejected' | 'skipped'; detail?: string }> = [];
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
        if (/no matches for kind|ensure CRDs are installed/i.test(msg)) results.push({ object: ref(o), result: 'skipped', detail: 'its API is not served yet (installed by the operators step)' });
        else results.push({ object: ref(o), result: 'rejected', detail: msg });
      }
    }
  }
  return results;
}

export async function runSetup(ctx: SetupContext): Promise<number> {
  const { kube, out } = ctx;
  const p = await resolveParams(ctx);
  for (const w of validateSetupParams(p)) out.warn(w.code, w.message);
  const rendered = renderSetup(p, loadTemplates());
  const byId = new Map(rendered.map((s) => [s.id, s]));
  out.info(`target: cluster ${(await kube.serverUrl()) ?? '?'} (context ${(await kube.currentContext()) ?? '?'}), namespace ${p.namespace}, platform ${p.platform}, Strimzi API ${p.strimziApi}`);

  if (ctx.dryRunServer) {
    const chosen = rendered.filter((s) => ctx.steps.includes(s.id));
    const results = await serverDryRun(kube, chosen);
    const rejected = results.filter((r) => r.result === 'rejected');
    if (out.format !== 'text') out.document({ dryRun: 'server', platform: p.platform, namespace: p.namespace, strimziApi: p.strimziApi, results, warnings: out.warnings });
    else for (const r of results) out.text(`${r.result.padEnd(8)} ${r.object}${r.detail ? `  (${r.detail})` : ''}`);
    return rejected.length ? ExitCode.ENV : ExitCode.OK;
  }

  const tmo = timeoutMs(ctx.flags);
  const reports: StepReport[] = ctx.steps.map((id) => ({ id, status: 'not-run', durationMs: 0, notes: [], objects: [] }));
  const reportOf = (id: StepId): StepReport => reports.find((r) => r.id === id)!;
  const impl: Record<StepId, (r: StepReport, log: (s: string) => void) => Promise<void>> = {
    namespace: async (r) => {
      const objs = await applyOwned(kube, byId.get('namespace')!.objects, r.notes);
      r.objects.push(...objs.map((o) => `Namespace/${o.metadata.name}`));
    },
    operators: async (r, log) => (p.platform === 'openshift' ? operatorsOpenShift(kube, p, byId.get('operators')!, r, tmo, log) : operatorsKubernetes(kube, p, r, tmo, log)),
    keda: async (r, log) => {
      if (p.platform !== 'openshift') {
        r.status = 'skipped';
        r.notes.push('Kubernetes: KEDA is installed by the operators step (no KedaController)');
        return;
      }
      await kedaStep(kube, p, byId.get('keda')!, r, tmo, log);
    },
    kafka: async (r, log) => kafkaStep(kube, p, byId.get('kafka')!, r, tmo, log),
    credentials: async (r, log) => credentialsStep(kube, p, byId.get('credentials')!, r, ctx.flags.precommit !== false, log),
    consumer: async (r, log) => consumerStep(kube, p, byId.get('consumer')!, r, Boolean(ctx.flags.rebuild), tmo, log),
    scaledobject: async (r, log) => {
      const objs = await applyOwned(kube, byId.get('scaledobject')!.objects, r.notes);
      r.objects.push(...objs.map((o) => `${o.kind}/${o.metadata.name}`));
      await waitFor(`ScaledObject ${p.namespace}/${p.scaledObject}`, 'condition Ready=True', () => kube.get('scaledobject', p.scaledObject, p.namespace), scaledObjectVerdict, tmo,
        `check the keda-operator logs in ${p.platform === 'openshift' ? p.kedaNamespace : 'keda'} and the TriggerAuthentication ${p.triggerAuth}`, log);
    },
  };
  const titles: Record<StepId, string> = {
    namespace: `Namespace ${p.namespace}`,
    operators: p.platform === 'openshift' ? 'Operators: Custom Metrics Autoscaler + Kafka (OLM)' : 'Operators: KEDA + Strimzi release manifests',
    keda: `KedaController ${p.kedaNamespace}/keda`,
    kafka: `Kafka ${p.cluster}: node pool, user ${p.user}, topics ${p.topic}, ${p.auditTopic}`,
    credentials: `Credentials: Secret ${p.credentialSecret}, TriggerAuthentication, pre-commit of ${p.group}`,
    consumer: `Consumer Deployment ${p.app}${p.platform === 'openshift' ? ' (image built in the cluster)' : ''}`,
    scaledobject: `ScaledObject ${p.scaledObject}`,
  };
  const processOutput = new ProcessOutput(process.stderr as NodeJS.WriteStream, process.stderr as NodeJS.WriteStream);
  runAbort = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  const stepTask = (id: StepId) => ({
      title: titles[id],
      task: async (_c: unknown, task: { output: string; title: string; skip: (m?: string) => void }) => {
        const r = reportOf(id);
        const t0 = Date.now();
        try {
          const run = impl[id](r, (s) => {
            task.output = s;
          });
          inflight.add(run.catch(() => {}));
          await run;
          if (r.status === 'not-run') r.status = 'ok';
          if (r.status === 'skipped') task.skip(`${titles[id]}: ${r.notes.join('; ')}`);
          else if (r.notes.length) task.title = `${titles[id]} — ${r.notes.join('; ')}`;
        } catch (err) {
          if ((err as CmaError).code === 'ABORTED') {
            r.status = 'not-run';
            r.notes.push('stopped because another step failed');
          } else {
            r.status = 'failed';
            r.error = { message: (err as Error).message, hint: (err as CmaError).hint };
            runAbort.abort();
          }
          throw err;
        } finally {
          r.durationMs = Date.now() - t0;
        }
      },
  });
  const listOptions = {
    concurrent: false,
    exitOnError: true,
    registerSignalListeners: false,
    renderer: out.stderrIsTTY && out.format === 'text' ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: { logger: new ListrLogger({ processOutput }) },
    fallbackRendererOptions: { logger: new ListrLogger({ processOutput }) },
  };
  // Independent steps of a phase run in parallel (e.g. keda, kafka and the consumer build after the operators).
  const phases = setupPhases(ctx.steps);
  const firstError: { err: unknown } = { err: null };
  const list = new Listr(
    phases.map((ids) =>
      ids.length === 1
        ? stepTask(ids[0]!)
        : {
            title: ids.map((id) => titles[id]).join(' ∥ '),
            task: (_c: unknown, task: { newListr: (t: unknown[], o: unknown) => unknown }) =>
              task.newListr(
                ids.map((id) => {
                  const t = stepTask(id);
                  return {
                    ...t,
                    task: async (c: unknown, tk: Parameters<typeof t.task>[1]) => {
                      try {
                        await t.task(c, tk);
                      } catch (err) {
                        if ((err as CmaError).code !== 'ABORTED' && !firstError.err) firstError.err = err;
                        throw err;
                      }
                    },
                  };
                }),
                { concurrent: true, exitOnError: true },
              ),
          },
    ) as never,
    {
      ...listOptions,
      exitOnError: true,
    } as never,
  );
  let failure: unknown = null;
  try {
    await list.run();
  } catch (err) {
    failure = err;
    // Parallel siblings stop at their next poll once aborted; let them settle so the report says what they did.
    await Promise.allSettled([...inflight]);
  }
  if (!failure && reports.some((r) => r.status === 'failed')) failure = firstError.err ?? new CmaError('a setup step failed');
  if (failure && (failure as CmaError).code === 'ABORTED' && firstError.err) failure = firstError.err;
  if (!failure && ctx.steps.includes('scaledobject')) {
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
      recordedAt: new Date().toISOString(),
    });
  }
  if (out.format !== 'text') out.document({ platform: p.platform, namespace: p.namespace, strimziApi: p.strimziApi, ok: !failure, steps: reports, warnings: out.warnings });
  if (failure) {
    if (failure instanceof CmaError) {
      out.error(failure.message, failure.hint);
      return failure.exitCode;
    }
    out.error((failure as Error).message);
    return ExitCode.ENV;
  }
  out.info(`setup complete: namespace ${p.namespace} is the default cluster target now`);
  return ExitCode.OK;
}

// ---------------------------------------------------------------- steps

async function operatorsOpenShift(kube: Kube, p: SetupParams, step: RenderedStep, r: StepReport, tmo: number, log: (s: string) => void): Promise<void> {
  const subs = step.objects.filter((o) => o.kind === 'Subscription');
  const toApply: K8sObject[] = [];
  const waitSubs: Array<{ name: string; namespace: string; pkg: string; crds: string[] }> = [];
  for (const sub of subs) {
    const pkg = String((sub.spec as Obj).name);
    const ns = sub.metadata.namespace!;
    const crds = pkg === 'openshift-custom-metrics-autoscaler-operator' ? ['kedacontrollers.keda.sh', 'scaledobjects.keda.sh', 'triggerauthentications.keda.sh'] : ['kafkas.kafka.strimzi.io', 'kafkanodepools.kafka.strimzi.io', 'kafkatopics.kafka.strimzi.io', 'kafkausers.kafka.strimzi.io'];
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
      throw envError(`package ${pkg} has no channel "${spec.channel}" (channels: ${channels.join(', ')})`, `pass --channel/--cma-channel with one of: ${channels.join(', ')}`, 'NO_CHANNEL');
    }
    toApply.push(sub);
    waitSubs.push({ name: sub.metadata.name, namespace: ns, pkg, crds });
  }
  if (toApply.some((s) => s.metadata.namespace === p.kedaNamespace)) {
    const nsObj = step.objects.find((o) => o.kind === 'Namespace')!;
    await applyOwned(kube, [nsObj], r.notes);
    const ogs = await kube.list('operatorgroups.operators.coreos.com', { namespace: p.kedaNamespace });
    if (ogs.length === 0) await kube.apply(step.objects.filter((o) => o.kind === 'OperatorGroup'));
    else r.notes.push(`OperatorGroup ${ogs[0]!.metadata.name} in ${p.kedaNamespace} reused`);
  }
  await kube.apply(toApply);
  r.objects.push(...toApply.map(ref));
  for (const s of waitSubs) {
    log(`waiting for Subscription ${s.namespace}/${s.name}`);
    const sub = await waitFor(`Subscription ${s.namespace}/${s.name}`, '.status.installedCSV', () => kube.get('subscriptions.operators.coreos.com', s.name, s.namespace), subscriptionVerdict, tmo,
      `inspect it with \`${kube.bin} get subscription ${s.name} -n ${s.namespace} -o yaml\`; check the catalog source and channel`, log);
    const csvName = String(sub.status.installedCSV);
    await waitFor(`ClusterServiceVersion ${s.namespace}/${csvName}`, 'phase Succeeded', () => kube.get('clusterserviceversions.operators.coreos.com', csvName, s.namespace), csvVerdict, tmo,
      `see \`${kube.bin} describe csv ${csvName} -n ${s.namespace}\` (NoOperatorGroup/TooManyOperatorGroups/UnsupportedOperatorGroup are OperatorGroup problems)`, log);
    for (const crd of s.crds) {
      await waitFor(`CRD ${crd}`, 'condition Established', () => kube.get('crd', crd), crdVerdict, tmo, `the ${s.pkg} operator should install it; check its CSV`, log);
    }
  }
}

async function operatorsKubernetes(kube: Kube, p: SetupParams, r: StepReport, tmo: number, log: (s: string) => void): Promise<void> {
  const hasKeda = (await kube.get('crd', 'scaledobjects.keda.sh')) !== null;
  const hasStrimzi = (await kube.get('crd', 'kafkas.kafka.strimzi.io')) !== null;
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
  for (const crd of ['scaledobjects.keda.sh', 'triggerauthentications.keda.sh', 'kafkas.kafka.strimzi.io', 'kafkanodepools.kafka.strimzi.io', 'kafkatopics.kafka.strimzi.io', 'kafkausers.kafka.strimzi.io']) {
    await waitFor(`CRD ${crd}`, 'condition Established', () => kube.get('crd', crd), crdVerdict, tmo, 'check the operator release manifest was applied', log);
  }
  const kedaNs = (await kube.list('deployments', { allNamespaces: true, selector: 'app.kubernetes.io/part-of=keda-operator' }))[0]?.metadata?.namespace ?? 'keda';
  for (const d of ['keda-operator', 'keda-metrics-apiserver']) {
    await waitFor(`Deployment ${kedaNs}/${d}`, 'condition Available=True', () => kube.get('deployment', d, kedaNs), deploymentAvailableVerdict, tmo, `see \`kubectl -n ${kedaNs} describe deployment ${d}\``, log);
  }
  await waitFor('APIService v1beta1.external.metrics.k8s.io', 'condition Available=True', () => kube.get('apiservice', 'v1beta1.external.metrics.k8s.io'), apiServiceVerdict, tmo,
    `KEDA's metrics server must serve it; see \`kubectl -n ${kedaNs} logs deploy/keda-metrics-apiserver\``, log);
  if (!hasStrimzi || (await kube.get('deployment', 'strimzi-cluster-operator', p.namespace))) {
    await waitFor(`Deployment ${p.namespace}/strimzi-cluster-operator`, 'condition Available=True', () => kube.get('deployment', 'strimzi-cluster-operator', p.namespace), deploymentAvailableVerdict, tmo,
      `see \`kubectl -n ${p.namespace} logs deploy/strimzi-cluster-operator\``, log);
  }
  if (hasKeda && hasStrimzi) r.status = 'skipped';
}

async function kedaStep(kube: Kube, p: SetupParams, step: RenderedStep, r: StepReport, tmo: number, log: (s: string) => void): Promise<void> {
  const cur = await kube.get('kedacontrollers.keda.sh', 'keda', p.kedaNamespace);
  if (cur && !ownedBy(cur)) {
    const watch = String(cur.spec?.watchNamespace ?? '');
    const covered = watch === '' || watch.split(',').map((s) => s.trim()).includes(p.namespace);
    if (!covered) {
      throw new CmaError(`KedaController ${p.kedaNamespace}/keda watches namespace "${watch}", not ${p.namespace}; cma-demo never re-specs a KedaController it did not create`, {
        hint: `ask its owner to set spec.watchNamespace to "" (all) or include ${p.namespace}, or rerun setup with -n ${watch.split(',')[0]}`,
        exitCode: ExitCode.ENV,
        code: 'KEDA_WATCH_NAMESPACE',
      });
    }
    r.notes.push(`existing KedaController keda (watchNamespace "${watch}") left as it is`);
  } else {
    await kube.apply(step.objects);
    r.objects.push(...step.objects.map(ref));
  }
  await waitFor(`KedaController ${p.kedaNamespace}/keda`, '.status.phase "Installation Succeeded"', () => kube.get('kedacontrollers.keda.sh', 'keda', p.kedaNamespace), kedaControllerVerdict, tmo,
    `see \`${kube.bin} logs -n ${p.kedaNamespace} deploy/custom-metrics-autoscaler-operator\``, log);
  for (const d of ['keda-operator', 'keda-metrics-apiserver']) {
    await waitFor(`Deployment ${p.kedaNamespace}/${d}`, 'condition Available=True', () => kube.get('deployment', d, p.kedaNamespace), deploymentAvailableVerdict, tmo, `see \`${kube.bin} -n ${p.kedaNamespace} describe deployment ${d}\``, log);
  }
  await waitFor('APIService v1beta1.external.metrics.k8s.io', 'condition Available=True', () => kube.get('apiservice', 'v1beta1.external.metrics.k8s.io'), apiServiceVerdict, tmo,
    `see \`${kube.bin} -n ${p.kedaNamespace} logs deploy/keda-metrics-apiserver\``, log);
}

async function kafkaStep(kube: Kube, p: SetupParams, step: RenderedStep, r: StepReport, tmo: number, log: (s: string) => void): Promise<void> {
  const objs = await applyOwned(kube, step.objects, r.notes);
  r.objects.push(...step.objects.map((o) => `${o.kind}/${o.metadata.name}`));
  void objs;
  const next = (kind: string, name: string): string => `see \`${kube.bin} -n ${p.namespace} get ${kind} ${name} -o yaml\` and the strimzi-cluster-operator logs`;
  await waitFor(`Kafka ${p.namespace}/${p.cluster}`, 'condition Ready=True', () => kube.get('kafka', p.cluster, p.namespace), kafkaVerdict, tmo, next('kafka', p.cluster), log);
  await waitFor(`KafkaUser ${p.namespace}/${p.user}`, 'condition Ready=True', () => kube.get('kafkauser', p.user, p.namespace), kafkaUserVerdict, tmo, next('kafkauser', p.user), log);
  for (const t of [p.topic, p.auditTopic]) {
    await waitFor(`KafkaTopic ${p.namespace}/${t}`, 'condition Ready=True', () => kube.get('kafkatopic', t, p.namespace), kafkaTopicVerdict, tmo, next('kafkatopic', t), log);
  }
}

async function credentialsStep(kube: Kube, p: SetupParams, step: RenderedStep, r: StepReport, precommit: boolean, log: (s: string) => void): Promise<void> {
  const creds = await readUserCredentials(kube, p.namespace, p.user);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: p.credentialSecret, namespace: p.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    type: 'Opaque',
    data: { username: Buffer.from(creds.username).toString('base64'), password: Buffer.from(creds.password).toString('base64') },
  };
  const existing = await kube.get('secret', p.credentialSecret, p.namespace);
  if (existing && !ownedBy(existing)) r.notes.push(`Secret ${p.credentialSecret} exists and was not created by cma-demo: left as it is`);
  else await kube.apply([secret as unknown as K8sObject], { what: `apply Secret/${p.credentialSecret} -n ${p.namespace}` });
  r.objects.push(`Secret/${p.credentialSecret}`);
  await applyOwned(kube, step.objects, r.notes);
  r.objects.push(...step.objects.map((o) => `${o.kind}/${o.metadata.name}`));
  if (!precommit) {
    r.notes.push('pre-commit skipped (--no-precommit)');
    return;
  }
  log(`pre-committing ${p.group} on ${p.topic}`);
  const conn = await clusterKafkaConnection(kube, p.namespace, p.cluster, p.user);
  const { openAdmin } = await import('../kafka/kafkajs.js');
  const admin = await openAdmin(conn);
  try {
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

async function consumerStep(kube: Kube, p: SetupParams, step: RenderedStep, r: StepReport, rebuild: boolean, tmo: number, log: (s: string) => void): Promise<void> {
  if (p.platform === 'openshift') {
    const bcBefore = await kube.get('buildconfigs.build.openshift.io', p.app, p.namespace);
    const isBefore = await kube.get('imagestreams.image.openshift.io', p.app, p.namespace);
    const hasLatest = ((isBefore?.status?.tags ?? []) as Obj[]).some((t) => t.tag === 'latest' && (t.items ?? []).length > 0);
    const buildObjs = step.objects.filter((o) => o.kind === 'ImageStream' || o.kind === 'BuildConfig');
    const sameHash = bcBefore?.metadata?.labels?.[SOURCE_HASH_LABEL] === p.sourceHash;
    const needBuild = rebuild || !sameHash || !hasLatest;
    // The new source hash is recorded only after a build succeeded, so a rerun after a failed build builds again.
    const staged = needBuild
      ? buildObjs.map((o) => (o.kind === 'BuildConfig' ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [SOURCE_HASH_LABEL]: String(bcBefore?.metadata?.labels?.[SOURCE_HASH_LABEL] ?? 'none') } } } : o))
      : buildObjs;
    await applyOwned(kube, staged, r.notes);
    if (needBuild) {
      log('building the consumer image (npm pack → oc start-build --follow)');
      const name = await startBuild(kube, p, log);
      await waitFor(`Build ${p.namespace}/${name}`, 'phase Complete', () => kube.get('builds.build.openshift.io', name, p.namespace), buildVerdict, tmo,
        `see \`oc logs -n ${p.namespace} build/${name}\``, log);
      r.notes.push(`image built by ${name}`);
      await applyOwned(kube, buildObjs.filter((o) => o.kind === 'BuildConfig'), []);
    } else r.notes.push(`image up to date (source hash ${p.sourceHash}); --rebuild forces a build`);
  }
  const dep = step.objects.filter((o) => o.kind === 'Deployment');
  await applyOwned(kube, dep, r.notes);
  r.objects.push(...step.objects.map((o) => `${o.kind}/${o.metadata.name}`));
}

/** npm pack into a temp dir (never the user's working directory) + the Containerfile; oc start-build --from-dir --follow. */
async function startBuild(kube: Kube, p: SetupParams, log: (s: string) => void): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-build-'));
  try {
    if (path.basename(kube.bin) === 'kubectl') {
      throw envError('building the consumer image needs oc (oc start-build), which is not on PATH', 'install the oc client, or build the Containerfile yourself and pass --image', 'NO_OC');
    }
    const root = path.dirname(MANIFESTS_DIR);
    const packed = await execa('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir, root], { reject: false, cwd: dir });
    if (packed.exitCode !== 0) throw envError(`npm pack failed: ${String(packed.stderr).trim().split('\n')[0]}`, 'check that npm works and the package builds', 'NPM_PACK');
    fs.copyFileSync(path.join(root, 'Containerfile'), path.join(dir, 'Containerfile'));
    const res = await kube.run(['start-build', p.app, `--from-dir=${dir}`, '--follow', '-o', 'name', '-n', p.namespace], { timeoutMs: 1_800_000 });
    if (res.exitCode !== 0) throw envError(`oc start-build ${p.app} failed: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`, `see \`oc logs -n ${p.namespace} bc/${p.app}\``, 'BUILD_FAILED');
    const m = /build(?:\.build\.openshift\.io)?\/([\w.-]+)/.exec(res.stdout);
    if (!m) throw envError(`oc start-build did not name the build it started (output: ${res.stdout.trim().slice(0, 200)})`, 'rerun setup with --rebuild', 'BUILD_FAILED');
    log(`build ${m[1]} finished`);
    return m[1]!;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export { renderSetup };
