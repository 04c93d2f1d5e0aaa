/** cma-demo lag: per-partition consumer lag and what KEDA sees (replaces curl :9404/metrics | grep lag). */
import fsp from 'node:fs/promises';
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { CmaError, ExitCode, usageError } from '../errors.js';
import { describeConnection, type KafkaAdmin } from '../kafka/client.js';
import type { ConnectionFlags } from '../kafka/connection.js';
import { connectionFromFlags } from './kafkaConnection.js';
import { openAdmin, setKafkaVerbose } from '../kafka/kafkajs.js';
import { readPartitionOffsets } from '../kafka/lag.js';
import { analyzeLag, renderLagProm, renderLagText, type LagInput, type LagResult } from '../kafka/lagView.js';
import { compareWithCluster, renderClusterText, type ClusterObservation } from '../kafka/clusterView.js';
import { runCommandInCluster } from '../cluster/inClusterCommand.js';
import { createClusterTarget, type ClusterTarget } from '../targets/cluster.js';
import { chooseTargetKind, resolveClusterTarget } from '../state/resolveTarget.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { catchInterrupts } from '../util/interrupt.js';
import { parseDuration, parseInteger } from '../util/numbers.js';
import { sleep } from '../util/sleep.js';
import { outputFor, type Output } from '../output.js';
import { settingsFromFlags, settingsFromScaledObjectYaml, DEFAULT_SETTINGS, type SettingsFlags, type ScaledObjectSettings } from '../scaling/settings.js';

interface LagFlags extends ConnectionFlags, SettingsFlags {
  group?: string;
  topic?: string;
  watch?: boolean;
  interval: string;
  count?: string;
  scaledobject?: string;
  inCluster?: boolean;
}

/** What the cluster shows now (Deployment, ScaledObject, HPA, KEDA's external metric), for the side-by-side view. */
async function observe(t: ClusterTarget): Promise<ClusterObservation> {
  const [s, c] = await Promise.all([t.sample(), t.conditions()]);
  return {
    metric: s.metric,
    active: c.active,
    fallback: c.fallback,
    hpa: { currentReplicas: c.hpa.current, desiredReplicas: c.hpa.desired },
    deploymentReplicas: s.replicas,
  };
}

/** Adds the cluster comparison to a sample's result (document field, warnings) and returns its text lines. */
function withCluster(r: LagResult, obs: ClusterObservation | null, lagThreshold: number): string {
  if (!obs) return '';
  const cmp = compareWithCluster(r.doc.keda, obs, lagThreshold);
  (r.doc as LagResult['doc'] & { cluster?: unknown }).cluster = cmp.cluster;
  r.doc.warnings.push(...cmp.warnings);
  return renderClusterText(r.doc.keda, cmp.cluster);
}

async function loadSettings(flags: LagFlags, out: Output): Promise<{ settings: ScaledObjectSettings; group?: string; topic?: string }> {
  // KEDA's rules that need the trigger's topic (limitToPartitionsWithLag, ensureEvenDistributionOfPartitions)
  // see --topic, else the file's topic; null = the trigger has none.
  if (!flags.scaledobject) return { settings: settingsFromFlags(flags, DEFAULT_SETTINGS, { topic: flags.topic ?? null }) };
  let text: string;
  try {
    text = await fsp.readFile(flags.scaledobject, 'utf8');
  } catch (err) {
    throw usageError(`cannot read --scaledobject ${flags.scaledobject}: ${(err as Error).message}`, 'pass the path of a ScaledObject YAML file');
  }
  const so = settingsFromScaledObjectYaml(text, flags.scaledobject, { kedaVersion: flags.kedaVersion });
  for (const w of so.warnings) out.warn(w.code, w.message);
  return {
    settings: settingsFromFlags(flags, so.settings, { topic: flags.topic ?? so.settings.topic ?? null }),
    group: so.settings.consumerGroup,
    topic: so.settings.topic,
  };
}

async function sample(admin: KafkaAdmin, group: string, topic: string | undefined, settings: ScaledObjectSettings): Promise<LagInput> {
  const [offsets, desc] = await Promise.all([readPartitionOffsets(admin, group, topic), admin.describeGroup(group).catch(() => null)]);
  return { group, topic, settings, offsets, members: desc ? desc.members.length : null, groupState: desc?.state ?? null };
}

/** One sample, or --watch; exit 130 when Ctrl-C ended the watch. */
export async function lagAction(flags: LagFlags, c: Command): Promise<number | void> {
  const out = outputFor(c, ['text', 'json', 'yaml', 'prom']);
  const g = globalsOf(c);
  setKafkaVerbose(Boolean(g.verbose));
  if (flags.inCluster) return runCommandInCluster(c.name(), resolveClusterTarget(g), out);
  const interval = parseDuration(flags.interval, '--interval', { unit: 's', exclusiveMin: true })!;
  let count: number | undefined;
  if (flags.count !== undefined) {
    count = parseInteger(flags.count, '--count', { min: 1 });
    if (!flags.watch) throw usageError('--count only applies with --watch', 'add --watch, or drop --count');
  }
  if (flags.watch && (out.format === 'prom' || out.format === 'yaml')) {
    throw usageError(
      `--watch prints a table or one JSON object per line; -o ${out.format} is not available with it`,
      'use --watch with -o text or -o json (or scrape -o prom periodically)',
    );
  }
  const so = await loadSettings(flags, out);
  const fileWarnings = [...out.warnings];
  // The cluster target: asked for, or the last setup's cluster when no Kafka connection is given.
  const onCluster = chooseTargetKind(g, { kafkaGiven: Boolean(flags.bootstrapServer || flags.commandConfig) }).kind === 'cluster';
  const at = onCluster ? resolveClusterTarget(g, { group: flags.group ?? so.group }) : null;
  const cluster = at ? await createClusterTarget({ ...at, log: (s) => out.info(s) }) : null;
  if (cluster && flags.kedaVersion === undefined) {
    // On a cluster the model follows the KEDA that runs there (issue 8); --keda-version chooses another.
    const running = await cluster.kedaVersion();
    if (running) {
      so.settings = { ...so.settings, kedaVersion: running };
      out.info(`lag: modelling KEDA ${running}, the release running on the cluster (--keda-version to choose another)`);
    }
  }
  const group = at?.group ?? flags.group ?? so.group ?? DEMO_DEFAULTS.group;
  const topic = flags.topic ?? so.topic;
  if (!group.trim()) throw usageError('--group is empty', 'name the consumer group, e.g. --group test-cg');

  const connection = cluster ? await cluster.connection() : await connectionFromFlags(flags);
  const lagThreshold = so.settings.lagThreshold;
  out.info(`lag: Kafka ${describeConnection(connection)}, group ${group}, ${topic ? `topic ${topic}` : 'every topic with commits'}`);
  const admin = await openAdmin(connection);
  try {
    if (!flags.watch) {
      const [input, obs] = await Promise.all([sample(admin, group, topic, so.settings), cluster ? observe(cluster) : null]);
      const r = analyzeLag(input);
      const clusterText = withCluster(r, obs, lagThreshold);
      for (const w of r.doc.warnings) out.warn(w.code, w.message);
      const doc = { ...r.doc, warnings: out.warnings };
      if (out.format === 'prom') out.raw(renderLagProm(input, r));
      else if (out.machine) out.document(doc);
      else out.text(renderLagText(input, r) + clusterText);
      return;
    }
    // --watch
    const ac = catchInterrupts(); // Ctrl-C ends the watch (exit 130); a second one exits at once
    let memory: Map<string, number> | undefined;
    let n = 0;
    const live = !out.machine && out.stdoutIsTTY;
    try {
      while (!ac.signal.aborted) {
        const t0 = Date.now();
        try {
          const [input, obs] = await Promise.all([sample(admin, group, topic, so.settings), cluster ? observe(cluster) : null]);
          const r = analyzeLag(input, memory);
          memory = r.view.memory;
          const clusterText = withCluster(r, obs, lagThreshold);
          const time = new Date(t0).toISOString();
          // The live view redraws the screen: its warnings are part of the view, not stderr lines above it.
          if (!live) for (const w of r.doc.warnings) out.warn(w.code, w.message);
          if (out.machine) out.line({ time, ...r.doc, warnings: [...fileWarnings, ...r.doc.warnings] });
          else if (live)
            out.raw('\x1b[H\x1b[2J' + renderLagText(input, r, { time, warnings: true }) + clusterText + `\n(every ${interval} s; Ctrl-C to stop)\n`);
          else out.text(renderLagText(input, r, { time }) + clusterText);
        } catch (err) {
          if (n === 0) throw err;
          // Like KEDA after a scaler error: report it and forget the persistent-lag memory.
          memory = undefined;
          out.info(`lag: sample failed: ${err instanceof CmaError ? err.message : String(err)}`);
        }
        n++;
        if (count !== undefined && n >= count) break;
        await sleep(Math.max(0, interval * 1000 - (Date.now() - t0)), ac.signal);
      }
    } finally {
      ac.dispose();
    }
    if (ac.signal.aborted) return ExitCode.INTERRUPTED;
  } finally {
    await admin.close();
  }
}
