/** cma-demo produce: kafka-producer-perf-test.sh's knobs and output, on KafkaJS. */
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { ExitCode, usageError } from '../errors.js';
import { describeConnection } from '../kafka/client.js';
import type { ConnectionFlags } from '../kafka/connection.js';
import { resolveClusterTarget } from '../state/resolveTarget.js';
import { connectionFromFlags } from './kafkaConnection.js';
import { setKafkaVerbose } from '../kafka/kafkajs.js';
import { parseProducerProps, planProducer, produce, validateProduceOptions, type ProduceSummary } from '../kafka/producer.js';
import { formatPeriodic, formatSummary } from '../kafka/stats.js';
import { runCommandInCluster } from '../cluster/inClusterCommand.js';
import { parseInteger, parseNumber } from '../util/numbers.js';
import { catchInterrupts } from '../util/interrupt.js';

interface ProduceFlags extends ConnectionFlags {
  topic: string;
  numRecords?: string;
  throughput?: string;
  recordSize?: string;
  producerProps?: string[];
  'producer.config'?: string;
  partitions: string;
  sequence?: boolean | string;
  transactional?: boolean;
  abortEvery?: string;
  inCluster?: boolean;
}

/** Positional form of the seed's bash function: produce <records> <throughput> <size>; flags and positionals must not both be given. */
export function resolveProduceNumbers(
  positional: Array<string | undefined>,
  flags: { numRecords?: string; throughput?: string; recordSize?: string },
): { numRecords: number; throughput: number; recordSize: number } {
  const names = ['--num-records', '--throughput', '--record-size'] as const;
  const keys = ['numRecords', 'throughput', 'recordSize'] as const;
  const defaults = ['1000', '-1', '100'];
  const vals = keys.map((k, i) => {
    const pos = positional[i];
    const flag = flags[k];
    if (pos !== undefined && flag !== undefined) {
      throw usageError(`${names[i]} given both as a flag and as positional argument ${i + 1}`, 'use either "produce 1000000 10000 100" or the flags, not both');
    }
    return pos ?? flag ?? defaults[i]!;
  });
  return {
    numRecords: parseInteger(vals[0], '--num-records', { min: 1, example: '1M' })!,
    // -1 = no limit, as kafka-producer-perf-test; 0 would never send (the Java tool blocks forever).
    throughput: parseNumber(vals[1], '--throughput', { exclusiveMin: true, special: [{ value: -1, meaning: 'no limit' }], example: '10k' })!,
    recordSize: parseInteger(vals[2], '--record-size', { example: '100' })!,
  };
}

/** Produces the load; exit 130 when SIGINT stopped it (SIGTERM stops it gracefully: 0). */
export async function produceAction(
  posRecords: string | undefined,
  posRate: string | undefined,
  posSize: string | undefined,
  flags: ProduceFlags,
  c: Command,
): Promise<number> {
  const out = outputFor(c);
  const g = globalsOf(c);
  setKafkaVerbose(Boolean(g.verbose));
  const n = resolveProduceNumbers([posRecords, posRate, posSize], flags);
  const partitions = parseInteger(flags.partitions, '--partitions', { min: 1, example: '10' })!;
  let sequenceStart: number | undefined;
  if (flags.sequence !== undefined && flags.sequence !== false) sequenceStart = flags.sequence === true ? 0 : parseInteger(flags.sequence, '--sequence')!;
  const abortEvery = flags.abortEvery !== undefined ? parseInteger(flags.abortEvery, '--abort-every', { min: 1, example: '3' }) : undefined;
  const transactional = Boolean(flags.transactional);
  validateProduceOptions({ ...n, topic: flags.topic, createPartitions: partitions, sequenceStart, transactional, abortEvery });
  const producerProps = parseProducerProps(flags.producerProps ?? []);
  const plan = planProducer(producerProps, n.recordSize);
  if (flags.inCluster) return runCommandInCluster(c.name(), resolveClusterTarget(g), out);
  const cc = flags.commandConfig ?? flags['producer.config'];
  if (flags.commandConfig && flags['producer.config'] && flags.commandConfig !== flags['producer.config']) {
    throw usageError('--command-config and --producer.config name different files', '--producer.config is an alias of --command-config; give one of them');
  }
  const connection = await connectionFromFlags({ ...flags, commandConfig: cc });
  out.info(`produce: Kafka ${describeConnection(connection)}, topic ${flags.topic}`);
  for (const w of plan.warnings) out.warn(w.code, w.message);

  const ac = catchInterrupts({
    signals: ['SIGINT', 'SIGTERM'],
    onFirst: (sig) => out.info(`produce: ${sig} — stopping, waiting for the acknowledgements in flight`),
    onSecond: () => out.info('produce: interrupted again: exiting without waiting for acknowledgements'),
  });
  let summary: ProduceSummary;
  try {
    summary = await produce({
      connection,
      topic: flags.topic,
      ...n,
      createPartitions: partitions,
      sequenceStart,
      producerProps,
      ...(transactional ? { transactional, abortEvery } : {}),
      signal: ac.signal,
      onStart: (i) =>
        out.info(
          `produce: topic ${flags.topic} ${i.topicCreated ? 'created' : 'ready'} with ${i.partitions.length} partitions; ` +
            `${n.numRecords} records of ${n.recordSize} B at ${n.throughput < 0 ? 'no limit' : `${n.throughput} rec/s`} ` +
            `(up to ${i.recordsPerSend} records a request, ${i.maxInFlight} in flight${i.threads > 1 ? ` on each of ${i.threads} producer threads` : ''})`,
        ),
      onReport: (r) => out.info(formatPeriodic(r)),
    });
  } finally {
    ac.dispose();
  }
  if (out.machine) {
    const { ackedSequences, ...rest } = summary;
    out.document({
      topic: flags.topic,
      ...rest,
      ...(sequenceStart !== undefined ? { sequenceStart, ackedSequences } : {}),
      target: { recordsPerSec: n.throughput < 0 ? null : n.throughput, numRecords: n.numRecords, recordSize: n.recordSize },
      warnings: out.warnings,
    });
  } else {
    out.text(formatSummary(summary));
  }
  if (summary.transactions && !out.machine) {
    const t = summary.transactions;
    out.info(`produce: ${t.committed} transactions committed, ${t.aborted} aborted (${t.abortedRecords} records never visible to read_committed consumers)`);
  }
  return ac.interruptedBy() === 'SIGINT' ? ExitCode.INTERRUPTED : ExitCode.OK;
}
