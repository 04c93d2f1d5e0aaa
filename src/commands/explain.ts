/**
 * cma-demo explain: why a ScaledObject has (or will have) the replica count it has — KEDA's and the HPA's decision as
 * a chain of steps from live offsets, the setting that decided each, and a verdict with the fix. Thin: reads (Kafka,
 * the cluster through ClusterTarget), calls src/explain/, renders. Also the reading helpers `check` shares. Options and
 * help: meta/explain.ts.
 */
import fsp from 'node:fs/promises';
import type { Command } from 'commander';
import { globalsOf, type GlobalOptions } from '../options.js';
import { CmaError, ExitCode, usageError } from '../errors.js';
import { describeConnection, type KafkaAdmin, type KafkaConnection } from '../kafka/client.js';
import type { ConnectionFlags } from '../kafka/connection.js';
import { connectionFromFlags } from './kafkaConnection.js';
import { openAdmin, setKafkaVerbose } from '../kafka/kafkajs.js';
import { readPartitionOffsets, type PartitionOffsetsWithStart } from '../kafka/lag.js';
import { createClusterTarget, type ClusterTarget } from '../targets/cluster.js';
import { chooseTargetKind, resolveClusterTarget } from '../state/resolveTarget.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { catchInterrupts } from '../util/interrupt.js';
import { parseDuration, parseInteger } from '../util/numbers.js';
import { sleep } from '../util/sleep.js';
import { outputFor, type Output } from '../output.js';
import { settingsFromFlags, type SettingsFlags, type ScaledObjectSettings } from '../scaling/settings.js';
import { readScaledObject, type ScaledObjectFacts } from '../explain/scaledObject.js';
import { explain, changedSteps, type ExplainDocument, type ExplainSource } from '../explain/document.js';
import { pausedOf, replicasOf, type ClusterFacts } from '../explain/cluster.js';
import { renderExplainText } from '../explain/render.js';
import { readLiveRun, type LiveRun } from '../state/liveRun.js';

export interface ExplainFlags extends ConnectionFlags, SettingsFlags {
  group?: string;
  topic?: string;
  watch?: boolean;
  interval?: string;
  count?: string;
  reread: string;
  replicas?: string;
  scaledobject?: string;
}

/** Reads --scaledobject FILE (bad input: exit 2). */
export async function readScaledObjectFile(file: string, kedaVersion?: string): Promise<ScaledObjectFacts> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw usageError(
      `cannot read --scaledobject ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'pass the path of a YAML file holding one ScaledObject',
    );
  }
  return readScaledObject({ text, file }, kedaVersion ? { kedaVersion } : {});
}

/** Where explain and check read from: a file with the Kafka flags, the cluster's ScaledObject, or the settings flags. */
export interface Subject {
  source: ExplainSource;
  so: ScaledObjectFacts | null;
  cluster: ClusterTarget | null;
  /** The cluster's objects read for the first sample (cluster only). */
  facts: ClusterFacts | null;
  /** null when the caller reads no Kafka (check --no-kafka). */
  connection: KafkaConnection | null;
  /** A case running on the local target (explain during `run`): its settings and the emulator's state. */
  live?: LiveRun | null;
}

/**
 * Resolves what the command is about. `name` (positional) or the last setup selects the cluster; --scaledobject
 * selects a file (Kafka from the connection flags, or the cluster's listener with --target cluster).
 */
export async function resolveSubject(
  name: string | undefined,
  flags: ExplainFlags & { kedaVersion?: string },
  g: GlobalOptions,
  out: Output,
  o: { kafka?: boolean } = {},
): Promise<Subject> {
  const kafkaGiven = Boolean(flags.bootstrapServer || flags.commandConfig);
  const wantKafka = o.kafka ?? true;
  if (flags.scaledobject) {
    if (name)
      throw usageError(
        `give either a ScaledObject name (${name}) or --scaledobject, not both`,
        'a name reads the ScaledObject from the cluster; --scaledobject reads a file',
      );
    const so = await readScaledObjectFile(flags.scaledobject, flags.kedaVersion);
    const cluster = g.target === 'cluster' && wantKafka ? await createClusterTarget({ ...resolveClusterTarget(g), log: (s) => out.info(s) }) : null;
    const connection = !wantKafka ? null : cluster ? await cluster.connection() : await connectionFromFlags(flags);
    return {
      source: { kind: 'file', name: so.name, file: flags.scaledobject, ...(so.namespace ? { namespace: so.namespace } : {}) },
      so,
      cluster: null,
      facts: null,
      connection,
    };
  }
  const onCluster = name !== undefined || chooseTargetKind(g, { kafkaGiven }).kind === 'cluster';
  if (!onCluster) {
    // A case running on the local target in another terminal: explain its emulator's chain (unless the flags name
    // another Kafka, group or topic).
    const live = !kafkaGiven && !flags.group && !flags.topic && g.target !== 'cluster' ? readLiveRun() : null;
    if (live) {
      return {
        source: { kind: 'local-run', name: DEMO_DEFAULTS.scaledObject, run: { case: live.case, pid: live.pid, startedAt: live.startedAt } },
        so: null,
        cluster: null,
        facts: null,
        // The record holds no credentials: a run over SASL/TLS is read with this command's own connection settings.
        connection: !wantKafka
          ? null
          : live.securityProtocol === 'PLAINTEXT'
            ? { brokers: live.brokers, securityProtocol: 'PLAINTEXT', source: `the running case ${live.case} (pid ${live.pid})` }
            : await connectionFromFlags(flags),
        live,
      };
    }
    return {
      source: { kind: 'flags', name: DEMO_DEFAULTS.scaledObject },
      so: null,
      cluster: null,
      facts: null,
      connection: wantKafka ? await connectionFromFlags(flags) : null,
    };
  }
  if (g.target === 'local')
    throw usageError('a ScaledObject name reads it from a cluster, but --target local was given', 'drop --target local, or use --scaledobject FILE');
  const at = resolveClusterTarget(g, { group: flags.group });
  const cluster = await createClusterTarget({ ...at, scaledObject: name ?? at.scaledObject, log: (s) => out.info(s) });
  const facts = await cluster.explainSnapshot();
  // The model follows the KEDA running on the cluster unless --keda-version says otherwise.
  const kedaVersion = flags.kedaVersion ?? (await cluster.kedaVersion()) ?? undefined;
  if (!flags.kedaVersion && kedaVersion)
    out.info(`explain: modelling KEDA ${kedaVersion}, the release running on the cluster (--keda-version to choose another)`);
  const so = readScaledObject(
    { object: facts.scaledObject, where: `ScaledObject ${cluster.namespace}/${name ?? at.scaledObject}` },
    kedaVersion ? { kedaVersion } : {},
  );
  return {
    source: { kind: 'cluster', name: so.name, namespace: cluster.namespace },
    so,
    cluster,
    facts,
    connection: !wantKafka ? null : kafkaGiven ? await connectionFromFlags(flags) : await cluster.connection(),
  };
}

/** The settings to explain with: the ScaledObject's (KEDA would refuse it: exit 2) with the flags on top, or the flags. */
function settingsOf(subject: Subject, flags: ExplainFlags): ScaledObjectSettings {
  if (subject.live) return settingsFromFlags(flags, subject.live.settings as unknown as ScaledObjectSettings);
  const so = subject.so;
  if (!so) return settingsFromFlags(flags);
  if (!so.settings) {
    const where = subject.source.kind === 'cluster' ? `-n ${subject.source.namespace} ${so.name}` : `--scaledobject ${subject.source.file}`;
    throw usageError(
      `KEDA refuses ${so.file ?? `ScaledObject ${so.name}`}: ${so.rejected.map((r) => r.message).join('; ')}`,
      `KEDA builds no scaler for it, so there is nothing to explain; cma-demo check ${where} lists every finding`,
    );
  }
  return settingsFromFlags(flags, so.settings);
}

interface Read {
  offsets: PartitionOffsetsWithStart[];
  members: number | null;
}

async function readOnce(admin: KafkaAdmin, group: string, topic: string | undefined): Promise<Read> {
  const [offsets, desc] = await Promise.all([readPartitionOffsets(admin, group, topic), admin.describeGroup(group).catch(() => null)]);
  return { offsets, members: desc ? desc.members.length : null };
}

/** A second read is worth its wait only when a partition with a commit has lag and a consumer runs. */
const worthRereading = (r: Read, replicas: number): boolean =>
  ((r.members ?? 0) > 0 || replicas > 0) && r.offsets.some((o) => o.committedOffset !== null && o.committedOffset >= 0 && o.logEndOffset > o.committedOffset);

export async function explainAction(name: string | undefined, flags: ExplainFlags & { kedaVersion?: string }, c: Command): Promise<number | void> {
  const out = outputFor(c);
  const g = globalsOf(c);
  setKafkaVerbose(Boolean(g.verbose));
  const reread = parseDuration(flags.reread, '--reread', { unit: 's' })!;
  const count = parseInteger(flags.count, '--count', { min: 1 });
  if (count !== undefined && !flags.watch) throw usageError('--count only applies with --watch', 'add --watch, or drop --count');
  if (flags.interval !== undefined && !flags.watch) throw usageError('--interval only applies with --watch', 'add --watch, or drop --interval');
  if (flags.watch && out.format === 'yaml')
    throw usageError('--watch prints text or one JSON object per line; -o yaml is not available with it', 'use --watch with -o text or -o json');
  const replicasFlag = parseInteger(flags.replicas, '--replicas', { min: 0 });

  const subject = await resolveSubject(name, flags, g, out);
  const settings = settingsOf(subject, flags);
  const group = flags.group ?? subject.live?.group ?? subject.so?.trigger.consumerGroup ?? DEMO_DEFAULTS.group;
  const topic = flags.topic ?? (subject.live ? (subject.live.topic ?? undefined) : subject.so?.trigger.topic);
  if (!group.trim()) throw usageError('--group is empty', 'name the consumer group, e.g. --group test-cg');
  const interval = flags.watch ? (parseDuration(flags.interval, '--interval', { unit: 's', exclusiveMin: true }) ?? settings.pollingInterval) : 0;
  const connection = subject.connection!;
  out.info(
    `explain: ScaledObject ${subject.source.name} (${subject.source.kind}), Kafka ${describeConnection(connection)}, group ${group}, ${topic ? `topic ${topic}` : 'every topic with commits'}`,
  );
  for (const w of subject.so?.notes ?? []) out.warn(w.code, w.message);

  const admin = await openAdmin(connection);
  const ac = flags.watch ? catchInterrupts() : null;
  try {
    let previous: Read | null = null;
    let prevDoc: ExplainDocument | null = null;
    let memory: Map<string, number> | undefined;
    let facts = subject.facts;
    for (let n = 0; ; n++) {
      const t0 = Date.now();
      let doc: ExplainDocument;
      try {
        let cur = await readOnce(admin, group, topic);
        if (n > 0 && subject.cluster) facts = await subject.cluster.explainSnapshot();
        const live = subject.live ? (n === 0 ? subject.live : (readLiveRun() ?? subject.live)) : null;
        const fromCluster = facts ? replicasOf(facts) : live && replicasFlag === undefined ? live.replicas : null;
        const replicas = fromCluster ?? { spec: replicasFlag ?? cur.members ?? 0, status: replicasFlag ?? cur.members ?? 0 };
        if (!flags.watch && reread > 0 && worthRereading(cur, replicas.spec)) {
          out.info(`explain: reading again in ${reread} s to see which commits move`);
          previous = cur;
          await sleep(reread * 1000);
          cur = await readOnce(admin, group, topic);
        }
        const paused = facts
          ? pausedOf(facts.scaledObject)
          : live
            ? live.pausedReplicas !== null
              ? { replicas: live.pausedReplicas }
              : null
            : subject.so
              ? pausedOf(subject.so.object)
              : null;
        const fallbackActive = facts
          ? ((facts.scaledObject.status?.conditions ?? []) as Array<{ type: string; status: string }>).some((x) => x.type === 'Fallback' && x.status === 'True')
          : false;
        const r = explain(
          {
            settings,
            group,
            topic,
            offsets: cur.offsets,
            previous: previous?.offsets ?? null,
            intervalS: previous ? (flags.watch ? interval : reread) : null,
            memory,
            replicas: {
              ...replicas,
              source: facts
                ? 'the scale target on the cluster'
                : live && replicasFlag === undefined
                  ? `the emulator of the running case ${live.case}`
                  : replicasFlag !== undefined
                    ? '--replicas'
                    : `group members${cur.members === null ? ', unknown' : ''}`,
            },
            members: cur.members,
            paused,
            fallbackActive,
          },
          { source: subject.source, cluster: facts, emulator: live?.emulator ?? null },
        );
        memory = r.chain.memory;
        previous = cur;
        doc = r.doc;
      } catch (err) {
        if (n === 0 || !flags.watch) throw err;
        memory = undefined; // like KEDA after a scaler error: the persistent-lag memory is gone
        out.info(`explain: sample failed: ${err instanceof CmaError ? err.message : String(err)}`);
        if (count !== undefined && n + 1 >= count) break;
        if (!(await sleep(Math.max(0, interval * 1000 - (Date.now() - t0)), ac!.signal))) break;
        continue;
      }
      for (const w of doc.warnings) out.warn(w.code, w.message);
      if (!flags.watch) {
        const full = { ...doc, warnings: out.warnings };
        if (out.machine) out.document(full);
        else out.text(renderExplainText(full));
        return;
      }
      doc = { ...doc, time: new Date(t0).toISOString(), changed: changedSteps(prevDoc, doc) };
      prevDoc = doc;
      if (out.machine) out.line({ ...doc, warnings: [...out.warnings] });
      else if (out.stdoutIsTTY) out.raw('\x1b[H\x1b[2J' + renderExplainText(doc) + `\n(every ${interval} s, * = changed; Ctrl-C to stop)\n`);
      else out.text(renderExplainText(doc));
      if (count !== undefined && n + 1 >= count) break;
      if (!(await sleep(Math.max(0, interval * 1000 - (Date.now() - t0)), ac!.signal))) break;
    }
    if (ac?.signal.aborted) return ExitCode.INTERRUPTED;
  } finally {
    ac?.dispose();
    await admin.close();
  }
}
