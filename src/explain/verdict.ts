/**
 * The one-line verdict of `cma-demo explain`, pure: which step of the chain decided the replica count, in plain
 * words that name the responsible setting and the fix. The first rule that matches wins, in this order: paused,
 * fallback, nothing to measure, the inactive cases (never activates, invalid offsets counted 0, below activation,
 * scale to zero, idle), then the active ones (persistent lag, the partition cap, maxReplicaCount, minReplicaCount,
 * the HPA's tolerance, its step policies, activation from 0) and finally a steady count.
 */
import type { ScaledObjectSettings } from '../scaling/settings.js';
import type { Chain } from './chain.js';

export type VerdictKind =
  | 'paused'
  | 'fallback'
  | 'no-topics'
  | 'never-activates'
  | 'invalid-offset-zero'
  | 'below-activation'
  | 'scales-to-zero'
  | 'idle'
  | 'persistent-lag-keeps-active'
  | 'persistent-lag-inflates'
  | 'partition-cap'
  | 'partitions-with-lag-cap'
  | 'max-replicas'
  | 'min-replicas'
  | 'tolerance'
  | 'scale-up-limit'
  | 'scale-down-limit'
  | 'activates'
  | 'steady';

/** ok: scaling works as configured; info: a setting shapes the result; problem: a setting keeps it from doing what the lag asks. */
export type VerdictLevel = 'ok' | 'info' | 'problem';

export interface Verdict {
  kind: VerdictKind;
  level: VerdictLevel;
  /** The replica count the verdict is about (where the rules head). */
  replicas: number;
  /** The responsible setting (a ScaledObject field, an annotation, or the HPA controller's tolerance). */
  setting: string | null;
  /** The verdict in plain words. */
  text: string;
  /** What to change, when something should. */
  fix: string | null;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const where = (p: { topic: string; partition: number }, chain: Chain): string => (chain.topic ? `partition ${p.partition}` : `${p.topic}/${p.partition}`);

/** The verdict for a chain built with these settings. */
export function verdictOf(chain: Chain, s: ScaledObjectSettings, ctx: { paused?: { replicas: number | null } | null; fallbackActive?: boolean } = {}): Verdict {
  const k = chain.keda;
  const h = chain.hpa;
  const r = chain.replicas;
  const T = s.lagThreshold;
  const A = s.activationLagThreshold;
  const target = r.target;
  const v = (kind: VerdictKind, level: VerdictLevel, setting: string | null, text: string, fix: string | null = null): Verdict => ({
    kind,
    level,
    replicas: target,
    setting,
    text,
    fix,
  });

  if (ctx.paused) {
    const ann = ctx.paused.replicas !== null ? 'autoscaling.keda.sh/paused-replicas' : 'autoscaling.keda.sh/paused';
    return v(
      'paused',
      'info',
      ann,
      `held at ${target}: the ${ann} annotation pauses KEDA and removes its HPA, whatever the lag (${k.metric})`,
      `remove the ${ann} annotation to resume scaling`,
    );
  }
  if (ctx.fallbackActive && s.fallback) {
    return v(
      'fallback',
      'problem',
      'fallback',
      `at ${target}: KEDA cannot read the lag (Fallback condition True), so fallback.replicas ${s.fallback.replicas} decides, not the lag`,
      "fix the scaler error named in the ScaledObject's conditions and events (connection, credentials, topic), then the lag decides again",
    );
  }
  if (k.partitionCount === 0) {
    return v(
      'no-topics',
      'problem',
      'topic',
      `never activates: group ${chain.group} has committed on no topic and the trigger names none, so KEDA has no partition to measure`,
      "set the trigger's topic (metadata.topic), so partitions without a commit count too",
    );
  }

  const uncommitted = chain.partitions.filter((p) => p.rule.startsWith('no-commit'));
  const counted = chain.partitions.filter((p) => p.rule !== 'outside-partition-limitation');
  const scalesToZero = s.minReplicaCount === 0 || s.idleReplicaCount !== null;
  const idleAt = s.idleReplicaCount ?? s.minReplicaCount;

  if (!k.active && scalesToZero) {
    if (r.current > idleAt) {
      return v(
        'scales-to-zero',
        'ok',
        'cooldownPeriod',
        `goes to ${target}: lag ${k.totalLagWithPersistent} is not above activationLagThreshold ${A}, so KEDA scales ${r.current} → ${target} once cooldownPeriod ${s.cooldownPeriod} s have passed since the last active poll`,
      );
    }
    if (uncommitted.length === counted.length && s.offsetResetPolicy === 'latest' && !s.scaleToZeroOnInvalidOffset) {
      return v(
        'never-activates',
        'problem',
        'activationLagThreshold',
        `never activates: ${plural(uncommitted.length, 'uncommitted partition')} × 1 = ${k.totalLagWithPersistent}, not above activationLagThreshold ${A}`,
        `commit the group's offsets before producing (run the consumer once, or reset group ${chain.group} to earliest), set activationLagThreshold below ${uncommitted.length}, ` +
          'or use offsetResetPolicy earliest with a consumer that starts at the beginning',
      );
    }
    const waiting = uncommitted.filter((p) => p.rule === 'no-commit-zero').reduce((a, p) => a + Math.max(0, p.logEndOffset - (p.logStartOffset ?? 0)), 0);
    if (waiting > 0) {
      return v(
        'invalid-offset-zero',
        'problem',
        'scaleToZeroOnInvalidOffset',
        `stays at ${target}: ${waiting} records wait on ${plural(uncommitted.length, 'partition')} without a commit, and scaleToZeroOnInvalidOffset counts them 0`,
        `commit offsets for group ${chain.group} (run the consumer once), or set scaleToZeroOnInvalidOffset to false`,
      );
    }
    if (k.totalLagWithPersistent > 0) {
      return v(
        'below-activation',
        'info',
        'activationLagThreshold',
        `stays at ${target}: lag ${k.totalLagWithPersistent} is not above activationLagThreshold ${A}`,
        `lower activationLagThreshold below ${k.totalLagWithPersistent} if ${k.totalLagWithPersistent} waiting records should start a consumer`,
      );
    }
    return v('idle', 'ok', 'activationLagThreshold', `stays at ${target}: no lag; KEDA activates when the lag exceeds activationLagThreshold ${A}`);
  }

  // Active (or minReplicaCount ≥ 1, where activation changes nothing).
  const stuckLag = chain.stuck.reduce((a, p) => a + p.lag, 0);
  const stuckList = chain.stuck.map((p) => where(p, chain)).join(', ');
  const stuckWhat = chain.stuck.length === 1 ? `${stuckList} keeps lag ${stuckLag}` : `${stuckList} keep lag ${stuckLag}`;
  if (chain.stuck.length && scalesToZero && k.active && k.totalLagWithPersistent - stuckLag <= A) {
    const text = s.excludePersistentLag
      ? `stays at ${target}: ${stuckWhat} the consumer never reduces; excludePersistentLag leaves it out of the metric, but activation still counts it (${k.totalLagWithPersistent} > activationLagThreshold ${A}), so KEDA never scales to ${idleAt}`
      : `stays at ${target}: ${stuckWhat} the consumer never reduces and excludePersistentLag is off`;
    return v(
      'persistent-lag-keeps-active',
      'problem',
      s.excludePersistentLag ? 'activationLagThreshold' : 'excludePersistentLag',
      text,
      `get the consumer past the record at the stuck offset (a poison record, or a transaction marker), or raise activationLagThreshold to at least ${k.totalLagWithPersistent}; ` +
        `excludePersistentLag: "true" only keeps stuck lag out of the metric, activation counts it anyway (kedacore/keda#5675)`,
    );
  }
  if (chain.stuck.length && !s.excludePersistentLag) {
    const without = Math.min(h.maxReplicas, Math.max(h.minReplicas, Math.ceil(Math.max(0, k.totalLag - stuckLag) / T)));
    if (target > without) {
      return v(
        'persistent-lag-inflates',
        'problem',
        'excludePersistentLag',
        `asks for ${target} instead of ${without}: ${stuckWhat} the consumer never reduces and excludePersistentLag is off`,
        'set excludePersistentLag: "true" (KEDA then leaves partitions whose commit does not move out of the metric), and get the consumer past the stuck record',
      );
    }
  }
  const wanted = Math.ceil(Math.max(0, k.beforeCap) / T);
  const capBites = k.capped && h.proposal < wanted && h.proposal < h.maxReplicas && target < Math.min(wanted, h.maxReplicas);
  if (capBites && s.limitToPartitionsWithLag) {
    return v(
      'partitions-with-lag-cap',
      'info',
      'limitToPartitionsWithLag',
      `cannot exceed ${k.capUpper}: only ${plural(k.capUpper!, 'partition')} ${k.capUpper === 1 ? 'has' : 'have'} lag, and limitToPartitionsWithLag caps the metric at ${k.metric} (the lag ${k.totalLag} asks for ${wanted})`,
      'spread the load over more partitions (more distinct keys), or set limitToPartitionsWithLag to false',
    );
  }
  if (capBites) {
    return v(
      'partition-cap',
      'problem',
      'allowIdleConsumers',
      `cannot exceed ${k.capUpper}: ${plural(k.capUpper!, 'partition')} cap the metric at ${k.metric} (allowIdleConsumers off); the lag ${k.totalLag} asks for ${Math.min(wanted, h.maxReplicas)}`,
      `add partitions to the topic (a replica beyond the partition count has nothing to read), or set allowIdleConsumers: "true" if the extra replicas do other work`,
    );
  }
  if (h.runs && h.proposal > h.maxReplicas && target === h.maxReplicas) {
    return v(
      'max-replicas',
      'info',
      'maxReplicaCount',
      `capped at ${target} by maxReplicaCount: metric ${k.metric} / lagThreshold ${T} asks for ${h.proposal}`,
      `raise maxReplicaCount (useful up to ${k.partitionCount} partitions${s.allowIdleConsumers ? '' : ', the cap on the metric'})`,
    );
  }
  if (h.runs && s.minReplicaCount > 1 && h.proposal < h.minReplicas && target === h.minReplicas) {
    return v(
      'min-replicas',
      'info',
      'minReplicaCount',
      `held at ${target} by minReplicaCount: metric ${k.metric} / lagThreshold ${T} asks for ${h.proposal}`,
      `lower minReplicaCount if ${h.proposal} replica${h.proposal === 1 ? '' : 's'} should do`,
    );
  }
  if (h.runs && h.withinTolerance && r.current >= 1) {
    const wantedNow = Math.min(h.maxReplicas, Math.max(h.minReplicas, h.proposal));
    if (wantedNow !== r.current) {
      return v(
        'tolerance',
        'info',
        'tolerance',
        `stays at ${target}: metric ${k.metric} / (lagThreshold ${T} × ${r.current}) = ${h.ratio!.toFixed(2)} is within the HPA's tolerance of 1 ± 0.1, though the lag asks for ${wantedNow}`,
        'the HPA moves only when the ratio leaves [0.9, 1.1]: a smaller lagThreshold gives finer steps (or set behavior.scaleUp/scaleDown.tolerance where the HPAConfigurableTolerance feature is on)',
      );
    }
  }
  if (r.current === 0 && k.active) {
    return v(
      'activates',
      'ok',
      'activationLagThreshold',
      `activates: lag ${k.totalLagWithPersistent} > activationLagThreshold ${A}; KEDA scales 0 → ${r.next} at its next poll, then the HPA heads for ${target}`,
    );
  }
  if (r.next < target) {
    const up = s.behavior ? 'behavior.scaleUp' : 'behavior';
    return v(
      'scale-up-limit',
      'info',
      up,
      `rises to ${target} in steps: ${r.current} → ${r.next} this sync (${stepText(s, 'scaleUp')})`,
      s.behavior
        ? 'allow larger steps in behavior.scaleUp.policies (e.g. Percent 100 per 15 s) and a shorter stabilizationWindowSeconds'
        : 'give the ScaledObject a behavior.scaleUp with larger policies',
    );
  }
  if (r.next > target) {
    return v(
      'scale-down-limit',
      'info',
      s.behavior ? 'behavior.scaleDown' : 'behavior',
      `comes down to ${target} in steps: ${r.current} → ${r.next} this sync (${stepText(s, 'scaleDown')})`,
      'allow larger steps in behavior.scaleDown.policies if it should come down faster',
    );
  }
  const floor =
    h.proposal < h.minReplicas
      ? `; the HPA never goes below ${h.minReplicas}${scalesToZero ? ' (KEDA takes it to 0 once the lag is not above activationLagThreshold)' : ''}`
      : '';
  return v('steady', 'ok', 'lagThreshold', `at ${target}: metric ${k.metric} / lagThreshold ${T} asks for ${h.proposal}${floor}`);
}

function stepText(s: ScaledObjectSettings, dir: 'scaleUp' | 'scaleDown'): string {
  const r = s.behavior?.[dir];
  if (!s.behavior) return dir === 'scaleUp' ? 'no behavior: at most max(2 × current, 4) per sync' : 'no behavior';
  const pols = (r?.policies ?? []).map((p) => `${p.type} ${p.value} per ${p.periodSeconds} s`).join(', ') || 'default policies';
  return `${dir} policy ${pols}`;
}
