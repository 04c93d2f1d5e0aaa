/** cma-demo consume: the consumer worker (also the consumer container's entry point). Light metadata: options and help; the implementation (../consume.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions } from '../../options.js';
import { DEMO_DEFAULTS } from '../../demoDefaults.js';
import type { Bind } from '../action.js';

export function registerConsume(program: Command, bind: Bind): void {
  const cmd = program
    .command('consume')
    .description('the consumer worker: consume a topic in a group with a bounded per-record work time')
    .addOption(new Option('--group <id>', 'consumer group').default(DEMO_DEFAULTS.group).env('CMA_DEMO_GROUP'))
    .addOption(
      new Option('--topic <name>', 'topic to consume, or several separated by commas (one group over all of them)')
        .default(DEMO_DEFAULTS.topic)
        .env('CMA_DEMO_TOPIC'),
    )
    .addOption(new Option('--offset-reset <policy>', 'where a group with no commit starts: earliest|latest').default('latest').env('CMA_DEMO_OFFSET_RESET'))
    .addOption(new Option('--process-ms <ms>', 'simulated work per record, bounds one consumer to ~1000/ms rec/s').default('0').env('CMA_DEMO_PROCESS_MS'))
    .addOption(new Option('--max-messages <n>', 'stop (exit 0) after this many records').env('CMA_DEMO_MAX_MESSAGES'))
    .addOption(
      new Option('--audit-file <file>', 'append the sequence number of each processed record (one a line) before committing').env('CMA_DEMO_AUDIT_FILE'),
    )
    .addOption(
      new Option('--audit-topic <topic>', 'produce the sequence numbers of processed records to this topic before committing').env('CMA_DEMO_AUDIT_TOPIC'),
    )
    .addOption(new Option('--port <port>', 'serve /healthz and /metrics (Prometheus) on this port (0 = any free port)').env('CMA_DEMO_PORT'))
    .addOption(new Option('--metrics-host <host>', 'address the /metrics server binds').default('0.0.0.0').env('CMA_DEMO_METRICS_HOST'))
    .addOption(
      new Option('--stall-partitions <list>', 'never process these partitions (e.g. 0,3): a stuck consumer for persistent-lag cases').env(
        'CMA_DEMO_STALL_PARTITIONS',
      ),
    )
    .addOption(
      new Option('--session-timeout-ms <ms>', 'group session timeout (short = fast failover when scaling)').default('10000').env('CMA_DEMO_SESSION_TIMEOUT_MS'),
    )
    .addOption(
      new Option('--heartbeat-interval-ms <ms>', 'group heartbeat interval [default: session timeout / 10, ≥ 500]').env('CMA_DEMO_HEARTBEAT_INTERVAL_MS'),
    )
    .addOption(
      new Option('--commit-interval-ms <ms>', 'commit at least this often while processing slow batches').default('1000').env('CMA_DEMO_COMMIT_INTERVAL_MS'),
    )
    .addOption(new Option('--client-id <id>', 'Kafka client id [default: cma-demo-consume-<group>]').env('CMA_DEMO_CLIENT_ID'))
    .addOption(new Option('--fault-no-commit', 'fault injection: never commit offsets').hideHelp())
    .addOption(new Option('--fault-drop-every <n>', 'fault injection: leave every n-th record out of the audit').hideHelp())
    .addOption(new Option('--fault-sigkill-after-audits <n>', 'fault injection: SIGKILL itself after the n-th audit write, before its commit').hideHelp())
    .addOption(
      // An environment twin so a run's consumer processes inherit it (negative control of the transactions case).
      new Option('--fault-commit-record-offsets', 'fault injection: commit last record + 1, not the position past transaction markers')
        .env('CMA_DEMO_FAULT_COMMIT_RECORD_OFFSETS')
        .hideHelp(),
    )
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
  cmd.action(bind(async () => (await import('../consume.js')).consumeAction));
}
