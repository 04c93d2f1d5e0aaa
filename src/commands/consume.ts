/** cma-demo consume: the consumer worker (also the consumer container's entry point). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { usageError } from '../errors.js';
import { describeConnection } from '../kafka/client.js';
import type { ConnectionFlags } from '../kafka/connection.js';
import { connectionFromFlags } from './kafkaConnection.js';
import { setKafkaVerbose } from '../kafka/kafkajs.js';
import { renderConsumerMetrics, type ConsumeOptions, type StopReason } from '../kafka/consumer.js';
import { parseDuration, parseInteger, parseIntList } from '../util/numbers.js';
import { ConsumerWorker, exitCodeOf } from '../kafka/kafkajsConsumer.js';
import { catchInterrupts } from '../util/interrupt.js';

interface ConsumeFlags extends ConnectionFlags {
  group: string;
  topic: string;
  offsetReset: string;
  processMs: string;
  maxMessages?: string;
  auditFile?: string;
  auditTopic?: string;
  port?: string;
  metricsHost: string;
  stallPartitions?: string;
  sessionTimeoutMs: string;
  heartbeatIntervalMs?: string;
  commitIntervalMs: string;
  clientId?: string;
  faultNoCommit?: boolean;
  faultDropEvery?: string;
  faultSigkillAfterAudits?: string;
  faultCommitRecordOffsets?: boolean;
}

/** The worker; 0 after a graceful SIGTERM or --max-messages, 130 after SIGINT. */
export async function consumeAction(flags: ConsumeFlags, c: Command): Promise<number> {
  const out = outputFor(c);
  const g = globalsOf(c);
  setKafkaVerbose(Boolean(g.verbose));

  if (flags.offsetReset !== 'earliest' && flags.offsetReset !== 'latest') {
    throw usageError(`--offset-reset must be earliest or latest, got "${flags.offsetReset}"`, 'use --offset-reset earliest|latest');
  }
  if (flags.auditFile && flags.auditTopic) throw usageError('--audit-file and --audit-topic are exclusive', 'pick one audit sink');
  const port = parseInteger(flags.port, '--port', { max: 65535, suffixes: false, example: '8080' });
  const opts: Omit<ConsumeOptions, 'connection'> = {
    group: flags.group,
    topic: flags.topic,
    offsetReset: flags.offsetReset,
    processMs: parseDuration(flags.processMs, '--process-ms', { unit: 'ms', integer: true }) ?? 0,
    maxMessages: parseInteger(flags.maxMessages, '--max-messages'),
    auditFile: flags.auditFile,
    auditTopic: flags.auditTopic,
    stallPartitions: parseIntList(flags.stallPartitions ?? '', '--stall-partitions', { allowEmpty: true }),
    sessionTimeoutMs: parseDuration(flags.sessionTimeoutMs, '--session-timeout-ms', { unit: 'ms', min: 1000, integer: true }),
    heartbeatIntervalMs: parseDuration(flags.heartbeatIntervalMs, '--heartbeat-interval-ms', { unit: 'ms', min: 100, integer: true }),
    commitIntervalMs: parseDuration(flags.commitIntervalMs, '--commit-interval-ms', { unit: 'ms', integer: true }),
    clientId: flags.clientId,
    faultNoCommit: Boolean(flags.faultNoCommit),
    faultDropEvery: parseInteger(flags.faultDropEvery, '--fault-drop-every', { min: 1 }),
    faultSigkillAfterAudits: parseInteger(flags.faultSigkillAfterAudits, '--fault-sigkill-after-audits', { min: 1 }),
    faultCommitRecordOffsets: Boolean(flags.faultCommitRecordOffsets),
  };
  const connection = await connectionFromFlags(flags);
  out.info(
    `consume: kafka ${describeConnection(connection)}, group ${opts.group}, topic ${opts.topic}, offset-reset ${opts.offsetReset}, process-ms ${opts.processMs}`,
  );

  let lastReport = Date.now();
  const worker = new ConsumerWorker(
    { ...opts, connection },
    {
      onAssigned: (parts, first, byTopic) => {
        const several = byTopic && Object.keys(byTopic).length > 1;
        const list = several
          ? Object.entries(byTopic)
              .map(([t, ps]) => `${t}:${ps.join(',') || 'none'}`)
              .join(' ')
          : parts.join(',') || 'none';
        out.info(first ? `consume: ready (group ${opts.group}, partitions ${list})` : `consume: assigned partitions ${list}`);
      },
      onProgress: (n) => {
        if (Date.now() - lastReport >= 10_000) {
          lastReport = Date.now();
          out.info(`consume: ${n} records, ${worker.stats().ratePerSec.toFixed(1)} rec/s`);
        }
      },
      onNotice: (m) => out.info(`consume: ${m}`),
    },
  );

  let server: http.Server | null = null;
  if (port !== undefined) {
    server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url === '/healthz') {
        const s = worker.stats();
        res.writeHead(s.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(s.ready ? 'ok\n' : 'not ready\n');
      } else if (url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderConsumerMetrics(worker.stats()));
      } else res.writeHead(404).end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (err) =>
        reject(usageError(`--port ${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'pick a free port, or 0 for any')),
      );
      server!.listen(port, flags.metricsHost, () => resolve());
    });
    out.info(`consume: metrics on http://${flags.metricsHost}:${(server.address() as AddressInfo).port}/metrics`);
  }

  // A second signal exits 130 at once: not a graceful stop, so never 0 (a scale-down counts exits 0).
  const interrupt = catchInterrupts({
    signals: ['SIGTERM', 'SIGINT'],
    onFirst: (sig) => {
      out.info(`consume: ${sig}: finishing the in-flight record, committing, leaving the group`);
      worker.stop(sig as StopReason);
    },
  });
  try {
    const summary = await worker.run();
    out.info(`consume: stopped after ${summary.records} records (${summary.reason})`);
    if (out.machine) out.document({ ...summary, warnings: out.warnings });
    return exitCodeOf(summary.reason);
  } catch (err) {
    out.info(`consume: stopped after ${worker.stats().processed} records (error)`);
    throw err;
  } finally {
    interrupt.dispose();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
    }
  }
}
