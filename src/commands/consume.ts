/** cma-demo consume: the consumer worker (also the consumer container's entry point). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Command, Option } from 'commander';
import { addKafkaOptions, globalsOf } from '../options.js';
import type { Bind } from './action.js';
import { outputFor } from '../output.js';
import { usageError } from '../errors.js';
import { describeConnection } from '../kafka/client.js';
import type { ConnectionFlags } from '../kafka/connection.js';
import { connectionFromFlags } from './kafkaConnection.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
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
}

export function registerConsume(program: Command, bind: Bind): void {
  const cmd = program
    .command('consume')
    .description('the consumer worker: consume a topic in a group with a bounded per-record work time')
    .addOption(new Option('--group <id>', 'consumer group').default(DEMO_DEFAULTS.group).env('CMA_DEMO_GROUP'))
    .addOption(new Option('--topic <name>', 'topic to consume').default(DEMO_DEFAULTS.topic).env('CMA_DEMO_TOPIC'))
    .addOption(new Option('--offset-reset <policy>', 'where a group with no commit starts: earliest|latest').default('latest').env('CMA_DEMO_OFFSET_RESET'))
    .addOption(new Option('--process-ms <ms>', 'simulated work per record, bounds one consumer to ~1000/ms rec/s').default('0').env('CMA_DEMO_PROCESS_MS'))
    .addOption(new Option('--max-messages <n>', 'stop (exit 0) after this many records').env('CMA_DEMO_MAX_MESSAGES'))
    .addOption(new Option('--audit-file <file>', 'append the sequence number of each processed record (one a line) before committing').env('CMA_DEMO_AUDIT_FILE'))
    .addOption(new Option('--audit-topic <topic>', 'produce the sequence numbers of processed records to this topic before committing').env('CMA_DEMO_AUDIT_TOPIC'))
    .addOption(new Option('--port <port>', 'serve /healthz and /metrics (Prometheus) on this port (0 = any free port)').env('CMA_DEMO_PORT'))
    .addOption(new Option('--metrics-host <host>', 'address the /metrics server binds').default('0.0.0.0').env('CMA_DEMO_METRICS_HOST'))
    .addOption(new Option('--stall-partitions <list>', 'never process these partitions (e.g. 0,3): a stuck consumer for persistent-lag cases').env('CMA_DEMO_STALL_PARTITIONS'))
    .addOption(new Option('--session-timeout-ms <ms>', 'group session timeout (short = fast failover when scaling)').default('10000').env('CMA_DEMO_SESSION_TIMEOUT_MS'))
    .addOption(new Option('--heartbeat-interval-ms <ms>', 'group heartbeat interval [default: session timeout / 10, ≥ 500]').env('CMA_DEMO_HEARTBEAT_INTERVAL_MS'))
    .addOption(new Option('--commit-interval-ms <ms>', 'commit at least this often while processing slow batches').default('1000').env('CMA_DEMO_COMMIT_INTERVAL_MS'))
    .addOption(new Option('--client-id <id>', 'Kafka client id [default: cma-demo-consume-<group>]').env('CMA_DEMO_CLIENT_ID'))
    .addOption(new Option('--fault-no-commit', 'fault injection: never commit offsets').hideHelp())
    .addOption(new Option('--fault-drop-every <n>', 'fault injection: leave every n-th record out of the audit').hideHelp())
    .addOption(new Option('--fault-sigkill-after-audits <n>', 'fault injection: SIGKILL itself after the n-th audit write, before its commit').hideHelp())
    .addHelpText(
      'after',
      `
Like a Java consumer with auto-commit, it commits the starting position (per --offset-reset) of assigned
partitions that have no commit, so a group is only "never committed" until a consumer has run.
Records keyed by a decimal sequence number (cma-demo produce --sequence) are audited.
SIGTERM: finish the in-flight record, commit, leave the group, exit 0. SIGINT: the same, exit 130.
Every option has a CMA_DEMO_* environment twin (the consumer container is configured through them).

Examples:
  $ cma-demo consume --group g1 --topic t1 --offset-reset earliest --max-messages 20000
  $ cma-demo consume --group test-cg --topic test-in --process-ms 10 --port 8080   # ~100 rec/s, /metrics
  $ cma-demo consume --group g1 --topic t1 --audit-file /tmp/seen.txt -o json`,
    );
  addKafkaOptions(cmd);
  cmd.action(bind(async () => consumeAction));
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
  };
  const connection = await connectionFromFlags(flags);
  out.info(`consume: kafka ${describeConnection(connection)}, group ${opts.group}, topic ${opts.topic}, offset-reset ${opts.offsetReset}, process-ms ${opts.processMs}`);

  let lastReport = Date.now();
  const worker = new ConsumerWorker(
    { ...opts, connection },
    {
      onAssigned: (parts, first) =>
        out.info(first ? `consume: ready (group ${opts.group}, partitions ${parts.join(',') || 'none'})` : `consume: assigned partitions ${parts.join(',') || 'none'}`),
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
      server!.once('error', (err) => reject(usageError(`--port ${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'pick a free port, or 0 for any')));
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
