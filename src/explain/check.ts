/**
 * The findings of `cma-demo check`, pure: a lint of a ScaledObject before `oc apply` (and of one already applied).
 * Each finding has a code, a level (error fails the check: exit 1), the field it is about and the fix. Three groups:
 *
 *  - the object itself: what KEDA refuses (settings.ts holds KEDA's validation) and the seed's known mistakes;
 *  - against the live Kafka (when read): the topic, partitions against maxReplicaCount, the group's commits (the
 *    never-activates trap), the consumer's auto.offset.reset against offsetResetPolicy, the TriggerAuthentication's
 *    Secret and a SASL/TLS handshake with its credentials (cluster);
 *  - behaviour pitfalls `plan` can show: a scale-up window with excludePersistentLag, cooldownPeriod below
 *    pollingInterval, a scale-down window longer than the cooldown.
 */
import type { PartitionOffsets } from '../scaling/kedaLag.js';
import { fillBehavior } from '../scaling/hpa.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';
import type { ScaledObjectFacts } from './scaledObject.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export type FindingLevel = 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  level: FindingLevel;
  /** The field the finding is about (a path in the ScaledObject, or the object it concerns). */
  field: string;
  message: string;
  fix: string;
  /** KEDA_REFUSES only: the rule KEDA applies (e.g. LAG_THRESHOLD). */
  rule?: string;
}

/** What was read from Kafka for the trigger's topic and group (null: not read). */
export interface KafkaFacts {
  /** null when the trigger names no topic. */
  topicExists: boolean | null;
  /** Partitions of the topic (null when unknown). */
  partitions: number | null;
  /** The group's offsets on the trigger's topic (or on every topic it committed to, without a topic). */
  offsets: Array<PartitionOffsets & { logStartOffset?: number }> | null;
}

/** The consumer's auto.offset.reset, read from its Deployment (null: not found in it). */
export interface ConsumerFacts {
  deployment: string;
  offsetReset: string | null;
  /** Where it was found, e.g. "args --offset-reset" or "env CMA_DEMO_OFFSET_RESET". */
  from: string | null;
}

/** The TriggerAuthentication and its Secrets as read on a cluster (never the values). */
export interface AuthFacts {
  name: string;
  found: boolean;
  /** parameter → secret name + key, from spec.secretTargetRef. */
  params: Array<{ parameter: string; secret: string; key: string }>;
  /** Secret name → its keys (null: the Secret does not exist). */
  secretKeys: Record<string, string[] | null>;
}

export interface HandshakeFacts {
  ok: boolean;
  /** What was tried, e.g. "SASL_PLAINTEXT scram-sha-512 as admin through the external listener". */
  tried: string;
  error?: string;
}

export interface CheckInput {
  so: ScaledObjectFacts;
  /** Group and topic after flag overrides. */
  group: string | undefined;
  topic: string | undefined;
  kafka?: KafkaFacts | null;
  consumer?: ConsumerFacts | null;
  auth?: AuthFacts | null;
  handshake?: HandshakeFacts | null;
}

export interface CheckDocument {
  target: string;
  scaledObject: { name: string; namespace: string | null; file: string | null };
  group: string | null;
  topic: string | null;
  partitions: number | null;
  /** The KEDA release whose validation applied. */
  versions: { kedaModel: string | null };
  findings: Finding[];
  /** Checks that could not run, and why (e.g. "the TriggerAuthentication's Secret: needs a cluster"). */
  skipped: string[];
  summary: { errors: number; warnings: number; infos: number };
  warnings: Array<{ code: string; message: string }>;
}

const META = 'spec.triggers[0].metadata';
const BEHAVIOR = 'spec.advanced.horizontalPodAutoscalerConfig.behavior';
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The consumer's auto.offset.reset from a Deployment: cma-demo's --offset-reset / CMA_DEMO_OFFSET_RESET, or the usual env names. */
export function consumerOffsetReset(dep: Obj): ConsumerFacts {
  const name = String(dep.metadata?.name ?? 'the consumer');
  for (const c of (dep.spec?.template?.spec?.containers ?? []) as Obj[]) {
    const args = [...((c.command ?? []) as string[]), ...((c.args ?? []) as string[])].map(String);
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--offset-reset' && i + 1 < args.length) return { deployment: name, offsetReset: args[i + 1]!, from: 'args --offset-reset' };
      if (a.startsWith('--offset-reset=')) return { deployment: name, offsetReset: a.slice('--offset-reset='.length), from: 'args --offset-reset' };
    }
    for (const e of (c.env ?? []) as Obj[]) {
      const n = String(e.name ?? '');
      if (
        ['CMA_DEMO_OFFSET_RESET', 'AUTO_OFFSET_RESET', 'KAFKA_AUTO_OFFSET_RESET', 'KAFKA_OFFSET_RESET', 'SPRING_KAFKA_CONSUMER_AUTO_OFFSET_RESET'].includes(
          n,
        ) &&
        e.value !== undefined
      ) {
        return { deployment: name, offsetReset: String(e.value), from: `env ${n}` };
      }
    }
    // cma-demo consume without the flag starts a group with no commit at the log end.
    if (args.includes('consume')) return { deployment: name, offsetReset: 'latest', from: 'cma-demo consume default (--offset-reset latest)' };
  }
  return { deployment: name, offsetReset: null, from: null };
}

/**
 * The auth parameters the trigger needs from its TriggerAuthentication. Mirrors KEDA's kafka scaler
 * (pkg/scalers/kafka_scaler.go, parseKafkaAuthParams): plaintext and the SCRAM modes refuse a missing username or
 * password, oauthbearer also needs the token endpoint, gssapi a username, realm and kerberosConfig. With tls enabled
 * ca, cert and key are optional (system roots otherwise), so TLS adds no requirement here.
 */
export function requiredAuthParams(sasl: string | undefined): string[] {
  const mode = (sasl ?? 'none').toLowerCase();
  if (['plaintext', 'scram_sha256', 'scram_sha512'].includes(mode)) return ['username', 'password'];
  if (mode === 'oauthbearer') return ['username', 'password', 'oauthTokenEndpointUri'];
  if (mode === 'gssapi') return ['username', 'realm', 'kerberosConfig'];
  return [];
}

function objectFindings(so: ScaledObjectFacts): Finding[] {
  const out: Finding[] = [];
  for (const r of so.rejected) {
    out.push({
      code: 'KEDA_REFUSES',
      rule: r.code,
      level: 'error',
      field: r.field,
      message: `KEDA refuses this ScaledObject: ${r.message}`,
      fix: r.hint ?? 'correct the field; KEDA builds no scaler (and no HPA) until it is valid',
    });
  }
  for (const n of so.notes) {
    if (n.code === 'SCALE_TARGET_KIND') {
      // KEDA's ParseGVKR/getResource special-cases only the exact kinds "Deployment" and "StatefulSet"; any other
      // spelling goes through the case-sensitive REST mapper, which knows no kind "deployment".
      out.push({
        code: 'SCALE_TARGET_KIND',
        level: 'error',
        field: 'spec.scaleTargetRef.kind',
        message: `scaleTargetRef.kind is "${so.scaleTarget.kind}": Kubernetes kinds are case-sensitive, and KEDA resolves any kind other than exactly Deployment or StatefulSet through the REST mapper, which has no "${so.scaleTarget.kind}"`,
        fix: 'write kind: Deployment',
      });
    } else if (n.code === 'UNSAFE_SSL') {
      out.push({
        code: 'UNSAFE_SSL',
        level: 'warning',
        field: `${META}.unsafeSsl`,
        message: n.message,
        fix: 'remove unsafeSsl, or set tls: enable with the cluster CA in the TriggerAuthentication',
      });
    } else if (n.code === 'MULTIPLE_KAFKA_TRIGGERS') {
      out.push({
        code: n.code,
        level: 'warning',
        field: 'spec.triggers',
        message: n.message,
        fix: 'cma-demo reads the first kafka trigger; the HPA takes the highest of all triggers',
      });
    } else {
      out.push({ code: n.code, level: 'warning', field: 'spec', message: n.message, fix: 'see the message' });
    }
  }
  return out;
}

function behaviourFindings(s: ScaledObjectSettings): Finding[] {
  const out: Finding[] = [];
  const filled = s.behavior ? fillBehavior(s.behavior, 300) : null;
  const upWindow = filled ? filled.scaleUp.stabilizationWindowSeconds : 0;
  if (s.excludePersistentLag && upWindow > 0) {
    out.push({
      code: 'SCALE_UP_WINDOW_WITH_PERSISTENT_LAG',
      level: 'warning',
      field: `${BEHAVIOR}.scaleUp.stabilizationWindowSeconds`,
      message:
        `excludePersistentLag counts 0 for a partition whose commit did not move since the scaler's previous read, and KEDA's poll and the HPA's reads share that memory seconds apart; ` +
        `one such read proposes the minimum, and the scale-up window (${upWindow} s) keeps the lowest proposal, so it blocks every step up for ${upWindow} s`,
      fix: 'set behavior.scaleUp.stabilizationWindowSeconds: 0 (the scale-up policies still pace the steps), or useCachedMetrics: true on the trigger so only the poll reads the scaler',
    });
  }
  if (s.cooldownPeriod < s.pollingInterval && (s.minReplicaCount === 0 || s.idleReplicaCount !== null)) {
    out.push({
      code: 'COOLDOWN_BELOW_POLLING',
      level: 'warning',
      field: 'spec.cooldownPeriod',
      message: `cooldownPeriod ${s.cooldownPeriod} s is shorter than pollingInterval ${s.pollingInterval} s: KEDA checks the cooldown only when it polls, so the workload goes to 0 one or two polls after the last active one, not ${s.cooldownPeriod} s after`,
      fix: `set cooldownPeriod to at least pollingInterval (${s.pollingInterval} s), or poll more often`,
    });
  }
  if (s.minReplicaCount === 0) {
    const down = filled ? filled.scaleDown.stabilizationWindowSeconds : 300;
    if (down > s.cooldownPeriod) {
      out.push({
        code: 'DOWN_WINDOW_ABOVE_COOLDOWN',
        level: 'warning',
        field: s.behavior ? `${BEHAVIOR}.scaleDown.stabilizationWindowSeconds` : BEHAVIOR,
        message:
          `the HPA's scale-down window (${down} s${s.behavior ? '' : ', the default without a behavior'}) is longer than cooldownPeriod ${s.cooldownPeriod} s: ` +
          'once the lag falls to activationLagThreshold or below, KEDA scales straight to 0 while the HPA still holds the higher count, so the gradual scale-down never happens',
        fix: `shorten behavior.scaleDown.stabilizationWindowSeconds below ${s.cooldownPeriod} s, or lengthen cooldownPeriod beyond ${down} s`,
      });
    }
  }
  return out;
}

function kafkaFindings(input: CheckInput, s: ScaledObjectSettings, k: KafkaFacts): Finding[] {
  const out: Finding[] = [];
  const group = input.group ?? '(no consumerGroup)';
  const topic = input.topic;
  if (topic && k.topicExists === false) {
    out.push({
      code: 'TOPIC_MISSING',
      level: 'error',
      field: `${META}.topic`,
      message: `topic ${topic} does not exist on the broker: KEDA's scaler fails on every poll and the HPA reports FailedGetExternalMetric`,
      fix: `create topic ${topic} (with as many partitions as the replicas you want), or correct the trigger's topic`,
    });
    return out;
  }
  const P = k.partitions ?? k.offsets?.length ?? null;
  if (P !== null && P > 0 && !s.allowIdleConsumers && s.maxReplicaCount > P) {
    out.push({
      code: 'PARTITIONS_BELOW_MAX',
      level: 'warning',
      field: 'spec.maxReplicaCount',
      message:
        `maxReplicaCount ${s.maxReplicaCount} but ${topic ? `topic ${topic} has` : 'the topics have'} ${plural(P, 'partition')}: KEDA caps the metric at ${P} × lagThreshold ${s.lagThreshold} = ${P * s.lagThreshold} (allowIdleConsumers off), ` +
        `so replicas stay at ${P}, or ${P + 1} when the lag falls in the integer-division gap (${P * s.lagThreshold}, ${(P + 1) * s.lagThreshold}) — that replica has no partition to read`,
      fix: `add partitions to the topic (at least ${s.maxReplicaCount}), or lower maxReplicaCount to ${P}`,
    });
  }
  const offs = k.offsets;
  if (offs === null) return out;
  if (!topic && offs.length === 0) {
    out.push({
      code: 'NO_COMMITTED_TOPICS',
      level: 'error',
      field: `${META}.topic`,
      message: `the trigger names no topic and group ${group} has committed on none: KEDA has nothing to measure and never scales up from 0`,
      fix: "set the trigger's topic",
    });
    return out;
  }
  const uncommitted = offs.filter((o) => o.committedOffset === null || o.committedOffset < 0);
  if (offs.length > 0 && uncommitted.length === offs.length) {
    const where = topic ? `topic ${topic}` : 'its topics';
    if (s.scaleToZeroOnInvalidOffset) {
      out.push({
        code: 'NEVER_COMMITTED_COUNTS_ZERO',
        level: 'error',
        field: `${META}.scaleToZeroOnInvalidOffset`,
        message: `group ${group} has never committed on ${where}, and scaleToZeroOnInvalidOffset counts each partition 0: records produced there never activate the consumer, so it never commits`,
        fix: `commit the group's offsets before producing (run the consumer once, or reset group ${group} to earliest), or set scaleToZeroOnInvalidOffset to false`,
      });
    } else if (s.offsetResetPolicy === 'latest' && offs.length <= s.activationLagThreshold) {
      out.push({
        code: 'NEVER_COMMITTED_CANNOT_ACTIVATE',
        level: 'error',
        field: `${META}.activationLagThreshold`,
        message:
          `group ${group} has never committed on ${where}: under offsetResetPolicy latest each of the ${plural(offs.length, 'partition')} counts 1, so the lag stays ${offs.length}, ` +
          `not above activationLagThreshold ${s.activationLagThreshold}: KEDA never activates, so no consumer ever starts to commit`,
        fix: `commit the group's offsets before producing (run the consumer once, or reset group ${group} to earliest), set activationLagThreshold below ${offs.length}, or use offsetResetPolicy earliest with a consumer that starts at the beginning`,
      });
    } else if (s.offsetResetPolicy === 'latest') {
      out.push({
        code: 'NEVER_COMMITTED',
        level: 'warning',
        field: `${META}.consumerGroup`,
        message: `group ${group} has never committed on ${where}: KEDA counts 1 per partition (${offs.length} > activationLagThreshold ${s.activationLagThreshold}) and activates at once, whatever the topic holds; a consumer starting at latest skips what was produced before it joined`,
        fix: `commit the group's offsets before producing (reset group ${group} to earliest)`,
      });
    } else {
      const deleted = uncommitted.reduce((a, o) => a + Math.max(0, o.logStartOffset ?? 0), 0);
      out.push({
        code: 'NEVER_COMMITTED',
        level: deleted > 0 ? 'warning' : 'info',
        field: `${META}.consumerGroup`,
        message: `group ${group} has never committed on ${where}: under offsetResetPolicy earliest KEDA counts each partition from offset 0${deleted > 0 ? `, including ${deleted} records already removed by retention (kedacore/keda#7936)` : ''}`,
        fix: `commit the group's offsets (run the consumer once)`,
      });
    }
  } else if (uncommitted.length > 0 && !s.scaleToZeroOnInvalidOffset) {
    out.push({
      code: 'UNCOMMITTED_PARTITIONS',
      level: 'info',
      field: `${META}.offsetResetPolicy`,
      message: `${plural(uncommitted.length, 'partition')} of ${offs.length} ${uncommitted.length === 1 ? 'has' : 'have'} no commit from group ${group}: KEDA counts ${s.offsetResetPolicy === 'latest' ? '1 for each' : 'their whole log'}`,
      fix: 'nothing to do if the consumer owns them; otherwise commit their offsets',
    });
  }
  return out;
}

function consumerFindings(s: ScaledObjectSettings, c: ConsumerFacts): Finding[] {
  if (c.offsetReset === null) {
    return [
      {
        code: 'CONSUMER_OFFSET_RESET_UNKNOWN',
        level: 'info',
        field: `${META}.offsetResetPolicy`,
        message: `the consumer's auto.offset.reset is not visible in Deployment ${c.deployment} (no --offset-reset argument or *_OFFSET_RESET variable); KEDA assumes ${s.offsetResetPolicy}`,
        fix: `make sure the consumer's auto.offset.reset is ${s.offsetResetPolicy}`,
      },
    ];
  }
  if (c.offsetReset.toLowerCase() !== s.offsetResetPolicy) {
    return [
      {
        code: 'OFFSET_RESET_MISMATCH',
        level: 'error',
        field: `${META}.offsetResetPolicy`,
        message: `offsetResetPolicy is ${s.offsetResetPolicy} but the consumer in Deployment ${c.deployment} starts a group with no commit at ${c.offsetReset} (${c.from}): KEDA counts the uncommitted partitions one way and the consumer reads them another`,
        fix: `set offsetResetPolicy: ${c.offsetReset.toLowerCase()} (or change the consumer to ${s.offsetResetPolicy})`,
      },
    ];
  }
  return [];
}

function authFindings(input: CheckInput, a: AuthFacts): Finding[] {
  const out: Finding[] = [];
  const need = requiredAuthParams(input.so.trigger.sasl);
  if (!a.found) {
    out.push({
      code: 'AUTH_REF_MISSING',
      level: 'error',
      field: 'spec.triggers[0].authenticationRef.name',
      message: `TriggerAuthentication ${a.name} does not exist in the ScaledObject's namespace: KEDA cannot build the scaler`,
      fix: `create TriggerAuthentication ${a.name} (cma-demo setup renders one), or correct authenticationRef.name`,
    });
    return out;
  }
  const mapped = new Set(a.params.map((p) => p.parameter));
  const missingParams = need.filter((n) => !mapped.has(n));
  if (missingParams.length) {
    out.push({
      code: 'AUTH_PARAM_MISSING',
      level: 'error',
      field: `TriggerAuthentication/${a.name}.spec.secretTargetRef`,
      message: `sasl ${input.so.trigger.sasl ?? 'none'}${input.so.trigger.tls ? `, tls ${input.so.trigger.tls}` : ''} needs ${missingParams.join(', ')} from the TriggerAuthentication, which maps only ${[...mapped].join(', ') || 'nothing'}`,
      fix: `add a secretTargetRef entry for ${missingParams.join(', ')}`,
    });
  }
  for (const p of a.params) {
    const keys = a.secretKeys[p.secret];
    if (keys === undefined) continue;
    if (keys === null) {
      if (!out.some((f) => f.code === 'AUTH_SECRET_MISSING' && f.message.includes(`Secret ${p.secret} `))) {
        out.push({
          code: 'AUTH_SECRET_MISSING',
          level: 'error',
          field: `TriggerAuthentication/${a.name}.spec.secretTargetRef`,
          message: `Secret ${p.secret} (parameter ${p.parameter}) does not exist: KEDA cannot read the credentials`,
          fix: `create Secret ${p.secret} with key ${p.key}`,
        });
      }
    } else if (!keys.includes(p.key)) {
      out.push({
        code: 'AUTH_SECRET_KEY_MISSING',
        level: 'error',
        field: `TriggerAuthentication/${a.name}.spec.secretTargetRef`,
        message: `Secret ${p.secret} has no key ${p.key} (parameter ${p.parameter}); it has ${keys.length ? keys.join(', ') : 'no keys'}`,
        fix: `add key ${p.key} to Secret ${p.secret}, or point the parameter at an existing key`,
      });
    }
  }
  return out;
}

const ORDER: Record<FindingLevel, number> = { error: 0, warning: 1, info: 2 };

/** Every finding for the input, errors first. */
export function checkFindings(input: CheckInput): Finding[] {
  const out: Finding[] = [...objectFindings(input.so)];
  const s = input.so.settings;
  if (s) {
    if (!input.topic) {
      out.push({
        code: 'NO_TOPIC',
        level: 'warning',
        field: `${META}.topic`,
        message:
          'the trigger names no topic: KEDA measures only topics the group has commits on, so partitions without a commit never count and a new group has nothing to measure',
        fix: "set the trigger's topic",
      });
    }
    out.push(...behaviourFindings(s));
    if (input.kafka) out.push(...kafkaFindings(input, s, input.kafka));
    if (input.consumer) out.push(...consumerFindings(s, input.consumer));
  }
  if (input.auth) out.push(...authFindings(input, input.auth));
  if (input.handshake && !input.handshake.ok) {
    out.push({
      code: 'HANDSHAKE_FAILED',
      level: 'error',
      field: `TriggerAuthentication/${input.auth?.name ?? '?'}`,
      message: `a Kafka handshake with the TriggerAuthentication's credentials failed (${input.handshake.tried}): ${input.handshake.error ?? 'no answer'}; KEDA would report "kafka: client has run out of available brokers to talk to"`,
      fix: 'check sasl (scram_sha512 for a Strimzi SCRAM user), tls, and the username/password in the Secret',
    });
  }
  return out.sort((a, b) => ORDER[a.level] - ORDER[b.level]);
}

/** The check document and its exit code (1 when any finding is an error). */
export function checkDocument(input: CheckInput, ctx: { target: string; skipped: string[] }): { doc: CheckDocument; exitCode: 0 | 1 } {
  const findings = checkFindings(input);
  const count = (l: FindingLevel) => findings.filter((f) => f.level === l).length;
  const doc: CheckDocument = {
    target: ctx.target,
    scaledObject: { name: input.so.name, namespace: input.so.namespace ?? null, file: input.so.file ?? null },
    group: input.group ?? null,
    topic: input.topic ?? null,
    partitions: input.kafka?.partitions ?? null,
    versions: { kedaModel: input.so.settings?.kedaVersion ?? null },
    findings,
    skipped: ctx.skipped,
    summary: { errors: count('error'), warnings: count('warning'), infos: count('info') },
    warnings: [],
  };
  return { doc, exitCode: doc.summary.errors > 0 ? 1 : 0 };
}
