/**
 * Readiness rules per component (docs/design.md §9). Pure: an object's JSON in, a verdict out.
 * 'wait' = keep polling, 'ready' = done, 'failed' = fail fast with the reason the cluster gave.
 */
import type { Obj } from './kube.js';

export type Verdict = { state: 'ready' } | { state: 'wait'; detail: string } | { state: 'failed'; reason: string; message: string };

const cond = (o: Obj | null, type: string): Obj | undefined => ((o?.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);
const wait = (detail: string): Verdict => ({ state: 'wait', detail });

const SUB_BAD = ['ResolutionFailed', 'InstallPlanFailed', 'BundleUnpackFailed', 'CatalogSourcesUnhealthy'];

/** OLM Subscription: installedCSV set; fail fast on a bad condition that is True. */
export function subscriptionVerdict(sub: Obj | null): Verdict {
  if (!sub) return wait('Subscription not found');
  for (const t of SUB_BAD) {
    const c = cond(sub, t);
    if (c && c.status === 'True') return { state: 'failed', reason: String(c.reason ?? t), message: `${t}: ${String(c.message ?? '')}` };
  }
  if (sub.status?.installedCSV) return { state: 'ready' };
  return wait(`no .status.installedCSV yet (state ${sub.status?.state ?? 'unknown'})`);
}

export function csvVerdict(csv: Obj | null): Verdict {
  if (!csv) return wait('ClusterServiceVersion not created yet');
  const phase = csv.status?.phase as string | undefined;
  if (phase === 'Succeeded') return { state: 'ready' };
  if (phase === 'Failed') return { state: 'failed', reason: String(csv.status?.reason ?? 'Failed'), message: String(csv.status?.message ?? '') };
  return wait(`phase ${phase ?? 'unknown'}`);
}

export function crdVerdict(crd: Obj | null): Verdict {
  if (!crd) return wait('CRD not found');
  return cond(crd, 'Established')?.status === 'True' ? { state: 'ready' } : wait('not Established');
}

/** KedaController has no conditions: .status.phase. */
export function kedaControllerVerdict(kc: Obj | null): Verdict {
  if (!kc) return wait('KedaController not found');
  const phase = kc.status?.phase as string | undefined;
  if (phase === 'Installation Succeeded') return { state: 'ready' };
  if (phase === 'Installation Failed' || phase === 'Installation Ignored') return { state: 'failed', reason: phase, message: String(kc.status?.reason ?? '') };
  return wait(`phase ${phase ?? 'not set'}`);
}

/** Strimzi Kafka: Ready=True at the current generation; NotReady=True with a reason other than Creating fails. */
export function kafkaVerdict(k: Obj | null): Verdict {
  if (!k) return wait('Kafka not found');
  const nr = cond(k, 'NotReady');
  if (nr && nr.status === 'True' && nr.reason && nr.reason !== 'Creating')
    return { state: 'failed', reason: String(nr.reason), message: String(nr.message ?? '') };
  const r = cond(k, 'Ready');
  const gen = Number(k.metadata?.generation ?? 0);
  const obs = Number(k.status?.observedGeneration ?? 0);
  if (r && r.status === 'True' && obs >= gen) return { state: 'ready' };
  if (r && r.status === 'True') return wait(`Ready but observedGeneration ${obs} < generation ${gen}`);
  return wait(nr ? `NotReady (${String(nr.reason)})` : 'no Ready condition yet');
}

/** KafkaUser: Ready=True; NotReady=True or Ready=False with a reason fails. */
export function kafkaUserVerdict(u: Obj | null): Verdict {
  if (!u) return wait('KafkaUser not found');
  const nr = cond(u, 'NotReady');
  if (nr && nr.status === 'True') return { state: 'failed', reason: String(nr.reason ?? 'NotReady'), message: String(nr.message ?? '') };
  return readyCondition(u);
}

/** KafkaTopic (unidirectional Topic Operator): Ready=True, or Ready=False with a reason (KafkaError, NotSupported, …). */
export function kafkaTopicVerdict(t: Obj | null): Verdict {
  if (!t) return wait('KafkaTopic not found');
  return readyCondition(t);
}

/** ScaledObject: Ready=True; Ready=False with a reason fails. */
export function scaledObjectVerdict(so: Obj | null): Verdict {
  if (!so) return wait('ScaledObject not found');
  return readyCondition(so);
}

function readyCondition(o: Obj): Verdict {
  const r = cond(o, 'Ready');
  if (!r) return wait('no Ready condition yet');
  if (r.status === 'True') return { state: 'ready' };
  if (r.status === 'False' && r.reason) return { state: 'failed', reason: String(r.reason), message: String(r.message ?? '') };
  return wait(`Ready=${String(r.status)}`);
}

export function deploymentAvailableVerdict(d: Obj | null): Verdict {
  if (!d) return wait('Deployment not found');
  const a = cond(d, 'Available');
  if (a?.status === 'True') return { state: 'ready' };
  const p = cond(d, 'Progressing');
  if (p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded')
    return { state: 'failed', reason: 'ProgressDeadlineExceeded', message: String(p.message ?? '') };
  return wait(`Available=${a?.status ?? 'unknown'}`);
}

export function apiServiceVerdict(a: Obj | null): Verdict {
  if (!a) return wait('APIService not found');
  const c = cond(a, 'Available');
  return c?.status === 'True' ? { state: 'ready' } : wait(`Available=${c?.status ?? 'unknown'} (${String(c?.reason ?? '')})`);
}

export function buildVerdict(b: Obj | null): Verdict {
  if (!b) return wait('Build not found');
  const phase = b.status?.phase as string | undefined;
  if (phase === 'Complete') return { state: 'ready' };
  if (phase === 'Failed' || phase === 'Error' || phase === 'Cancelled')
    return { state: 'failed', reason: phase, message: String(b.status?.message ?? b.status?.reason ?? '') };
  return wait(`phase ${phase ?? 'New'}`);
}
