/**
 * cma-demo check: a lint of a ScaledObject before `oc apply` (or of one applied), usable as a CI gate. Thin: reads
 * the object (file or cluster), the live Kafka, the consumer's Deployment, the TriggerAuthentication's Secret keys,
 * tries a handshake with its credentials (cluster), then src/explain/check.ts decides. Options and help:
 * meta/check.ts. Exit 0 clean · 1 an error-level finding · 2 bad input · 3 Kafka or the cluster unreachable.
 */
import fsp from 'node:fs/promises';
import YAML from 'yaml';
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { CmaError, ExitCode, usageError } from '../errors.js';
import { describeConnection } from '../kafka/client.js';
import { openAdmin, setKafkaVerbose } from '../kafka/kafkajs.js';
import { readPartitionOffsets } from '../kafka/lag.js';
import { outputFor } from '../output.js';
import {
  checkDocument,
  consumerOffsetReset,
  type AuthFacts,
  type CheckInput,
  type ConsumerFacts,
  type HandshakeFacts,
  type KafkaFacts,
} from '../explain/check.js';
import { renderCheckText } from '../explain/render.js';
import { resolveSubject, type ExplainFlags } from './explain.js';

interface CheckFlags extends ExplainFlags {
  deployment?: string;
  kafka: boolean;
  kedaVersion?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** The consumer Deployment from --deployment FILE (or a Deployment in the ScaledObject's own file). */
async function deploymentFromFile(file: string, name: string | undefined): Promise<Obj | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw usageError(
      `cannot read --deployment ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'pass the path of a YAML file holding the consumer Deployment',
    );
  }
  const docs = YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as Obj)
    .filter((d) => d && d.kind === 'Deployment');
  return docs.find((d) => !name || d.metadata?.name === name) ?? docs[0] ?? null;
}

export async function checkAction(name: string | undefined, flags: CheckFlags, c: Command): Promise<number> {
  const out = outputFor(c);
  const g = globalsOf(c);
  setKafkaVerbose(Boolean(g.verbose));
  if (!flags.scaledobject && !name && g.target !== 'cluster' && !(await import('../state/lastTarget.js')).readLastTarget()) {
    throw usageError(
      'nothing to check: give --scaledobject FILE, or a ScaledObject NAME on a cluster (-n NAMESPACE)',
      'e.g. cma-demo check --scaledobject ScaledObject.yaml --bootstrap-server host:9092',
    );
  }
  const subject = await resolveSubject(name, flags, g, out, { kafka: flags.kafka });
  const so = subject.so!;
  const group = flags.group ?? so.trigger.consumerGroup;
  const topic = flags.topic ?? so.trigger.topic;
  const skipped: string[] = [];
  const target = subject.source.kind === 'cluster' ? `ScaledObject ${subject.source.namespace}/${so.name} on the cluster` : `${subject.source.file}`;
  out.info(`check: ${target}${subject.connection ? `, Kafka ${describeConnection(subject.connection)}` : ''}`);

  // The live Kafka.
  let kafka: KafkaFacts | null = null;
  if (!flags.kafka || !subject.connection) skipped.push('the live Kafka: --no-kafka');
  else if (!group) skipped.push("the group's commits: the trigger names no consumerGroup");
  else {
    const admin = await openAdmin(subject.connection);
    try {
      const topics = new Set(await admin.listTopics());
      if (topic && !topics.has(topic)) kafka = { topicExists: false, partitions: null, offsets: null };
      else {
        const offsets = await readPartitionOffsets(admin, group, topic);
        kafka = { topicExists: topic ? true : null, partitions: topic ? offsets.length : null, offsets };
      }
    } finally {
      await admin.close();
    }
  }

  // The consumer's auto.offset.reset.
  let consumer: ConsumerFacts | null = null;
  const dep =
    subject.facts?.deployment ??
    (flags.deployment
      ? await deploymentFromFile(flags.deployment, so.scaleTarget.name)
      : subject.source.file
        ? await deploymentFromFile(subject.source.file, so.scaleTarget.name)
        : null);
  if (dep) consumer = consumerOffsetReset(dep);
  else
    skipped.push(
      `the consumer's auto.offset.reset: no Deployment ${so.scaleTarget.name ?? ''} (give --deployment FILE, or check on the cluster)`.replace('  ', ' '),
    );

  // The TriggerAuthentication, its Secret and a handshake with its credentials.
  let auth: AuthFacts | null = null;
  let handshake: HandshakeFacts | null = null;
  const ref = so.trigger.authenticationRef;
  if (ref && subject.cluster) {
    const ta = await subject.cluster.triggerAuthentication(ref.name, ref.kind);
    auth = { name: ref.name, ...ta };
    if (ta.found && flags.kafka) {
      const conn = await subject.cluster.connectionWithTriggerAuth(ta.params, so.trigger.sasl);
      if (conn) {
        const tried = `${conn.securityProtocol} ${conn.sasl?.mechanism} as ${conn.sasl?.username} through ${conn.brokers.join(',')}`;
        try {
          const admin = await openAdmin(conn);
          try {
            await admin.listTopics();
            handshake = { ok: true, tried };
          } finally {
            await admin.close();
          }
        } catch (err) {
          if (!(err instanceof CmaError)) throw err;
          handshake = { ok: false, tried, error: err.message };
        }
      } else skipped.push('the handshake: the TriggerAuthentication gives no SASL username and password');
    }
  } else if (ref) {
    const ta = so.triggerAuthentication;
    if (ta) {
      const params = ((ta.spec?.secretTargetRef ?? []) as Obj[]).map((r) => ({ parameter: String(r.parameter), secret: String(r.name), key: String(r.key) }));
      auth = { name: ref.name, found: true, params, secretKeys: {} };
    }
    skipped.push(`the TriggerAuthentication's Secret and a handshake with its credentials: need the cluster (cma-demo check -n NAMESPACE ${so.name})`);
  }

  const input: CheckInput = { so, group, topic, kafka, consumer, auth, handshake };
  const { doc, exitCode } = checkDocument(input, { target, skipped });
  const full = { ...doc, warnings: out.warnings };
  if (out.machine) out.document(full);
  else out.text(renderCheckText(full));
  return exitCode === 1 ? ExitCode.FAILED : ExitCode.OK;
}
