/**
 * cma-demo recommend: the ScaledObject settings that drain a load within a goal at the fewest replica-seconds, found
 * with plan's model (src/explain/recommend.ts). Thin: parses the goal, measures the topic's produce rate when no
 * --load is given, renders. -o yaml prints the best candidate as a whole ScaledObject that `plan --scaledobject`
 * replays (its partition count in the annotation cma-demo/partitions). Options and help: meta/recommend.ts.
 */
import type { Command } from 'commander';
import YAML from 'yaml';
import { globalsOf } from '../options.js';
import { ExitCode, usageError } from '../errors.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { describeConnection } from '../kafka/client.js';
import type { ConnectionFlags } from '../kafka/connection.js';
import { openAdmin, setKafkaVerbose } from '../kafka/kafkajs.js';
import { outputFor } from '../output.js';
import { parseLoad, type LoadPhase } from '../scaling/plan.js';
import { DEFAULT_SETTINGS } from '../scaling/settings.js';
import { parseDuration, parseInteger, parseNumber } from '../util/numbers.js';
import { sleep } from '../util/sleep.js';
import { recommend, recommendedScaledObject } from '../explain/recommend.js';
import { renderRecommendText } from '../explain/render.js';
import { connectionFromFlags } from './kafkaConnection.js';
import { readScaledObjectFile } from './explain.js';

interface RecommendFlags extends ConnectionFlags {
  load?: string[];
  consumerRate?: string;
  drainWithin?: string;
  maxReplicas?: string;
  podStartDelay?: string;
  scaledobject?: string;
  topic?: string;
  group?: string;
  measure: string;
  duration: string;
  kedaVersion?: string;
}

/** The topic's produce rate: the growth of its log-end offsets over `seconds`. */
async function measureRate(flags: RecommendFlags, topic: string, seconds: number, info: (s: string) => void): Promise<number> {
  const connection = await connectionFromFlags(flags);
  info(`recommend: measuring the produce rate of topic ${topic} for ${seconds} s (Kafka ${describeConnection(connection)})`);
  const admin = await openAdmin(connection);
  try {
    const sum = async (): Promise<number> => (await admin.endOffsets(topic)).reduce((a, p) => a + p.high, 0);
    const a = await sum();
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const b = await sum();
    return (b - a) / ((Date.now() - t0) / 1000);
  } finally {
    await admin.close();
  }
}

export async function recommendAction(flags: RecommendFlags, c: Command): Promise<number | void> {
  const out = outputFor(c);
  setKafkaVerbose(Boolean(globalsOf(c).verbose));
  if (flags.consumerRate === undefined)
    throw usageError(
      '--consumer-rate is required: the records/s one replica processes',
      'measure it, e.g. with cma-demo consume -o json on a backlog, then pass --consumer-rate 2000',
    );
  if (flags.drainWithin === undefined)
    throw usageError('--drain-within is required: the goal, seconds after the load ends by which the backlog must be drained', 'e.g. --drain-within 120s');
  const consumerRate = parseNumber(flags.consumerRate, '--consumer-rate', { min: 0, exclusiveMin: true })!;
  const drainWithinS = parseDuration(flags.drainWithin, '--drain-within', { unit: 's', exclusiveMin: true })!;
  const maxReplicas = parseInteger(flags.maxReplicas, '--max-replicas', { min: 1 }) ?? null;
  const podStartDelayS = parseDuration(flags.podStartDelay, '--pod-start-delay', { unit: 's' }) ?? 10;
  const base = flags.scaledobject ? await readScaledObjectFile(flags.scaledobject, flags.kedaVersion) : null;
  if (base && !base.settings)
    throw usageError(
      `KEDA refuses ${flags.scaledobject}: ${base.rejected.map((r) => r.message).join('; ')}`,
      `cma-demo check --scaledobject ${flags.scaledobject} lists every finding`,
    );
  for (const w of base?.notes ?? []) out.warn(w.code, w.message);
  const topic = flags.topic ?? base?.trigger.topic ?? DEMO_DEFAULTS.topic;

  let load: LoadPhase[];
  if (flags.load?.length) load = flags.load.map(parseLoad);
  else {
    const measure = parseDuration(flags.measure, '--measure', { unit: 's', exclusiveMin: true })!;
    const duration = parseDuration(flags.duration, '--duration', { unit: 's', exclusiveMin: true })!;
    const rate = await measureRate(flags, topic, measure, (s) => out.info(s));
    if (!(rate > 0))
      throw usageError(
        `topic ${topic} received no records in ${measure} s, so there is no load to plan for`,
        'give the load with --load RECORDS@RATE, or measure while the producer runs',
      );
    const r = Math.round(rate * 10) / 10;
    load = [{ records: Math.round(r * duration), rate: r }];
    out.info(`recommend: measured ${r} records/s; planning ${duration} s of it`);
  }

  const doc = recommend({ base: base?.settings ?? DEFAULT_SETTINGS, load, consumerRate, drainWithinS, maxReplicas, podStartDelayS });
  for (const w of doc.warnings) out.warn(w.code, w.message);
  const best = doc.best;
  if (out.format === 'yaml') {
    if (!best) return ExitCode.FAILED;
    const md = (base?.object.spec?.triggers ?? []).find((t: { type?: string }) => t.type === 'kafka')?.metadata ?? {};
    const extras: Record<string, string> = {};
    for (const k of ['sasl', 'tls']) if (md[k] !== undefined) extras[k] = String(md[k]);
    const obj = recommendedScaledObject(best, {
      name: base?.name ?? DEMO_DEFAULTS.scaledObject,
      namespace: base?.namespace,
      topic,
      group: flags.group ?? base?.trigger.consumerGroup ?? DEMO_DEFAULTS.group,
      bootstrapServers: base?.trigger.bootstrapServers ?? `${DEMO_DEFAULTS.kafkaCluster}-kafka-bootstrap.${DEMO_DEFAULTS.namespace}.svc.cluster.local:9092`,
      triggerExtras: base ? extras : { sasl: 'scram_sha512' },
      authenticationRef: base ? (base.trigger.authenticationRef?.name ?? null) : DEMO_DEFAULTS.triggerAuth,
      scaleTargetName: base?.scaleTarget.name ?? DEMO_DEFAULTS.app,
      goal: doc.goal,
      replayFlags: doc.replayFlags,
    });
    out.raw(YAML.stringify(obj));
    return;
  }
  const full = { ...doc, warnings: out.warnings };
  if (out.machine) out.document(full);
  else out.text(renderRecommendText(full));
  return best ? ExitCode.OK : ExitCode.FAILED;
}
