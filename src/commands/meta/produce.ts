/** cma-demo produce: kafka-producer-perf-test.sh's knobs and output. Light metadata: options and help; the implementation (../produce.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions } from '../../options.js';
import { DEMO_DEFAULTS } from '../../demoDefaults.js';
import type { Bind } from '../action.js';

export function registerProduce(program: Command, bind: Bind): void {
  const cmd = program
    .command('produce')
    .description('produce load like kafka-producer-perf-test.sh (records, rate, size), with its summary line')
    .argument('[numRecords]', "records to send (the seed's positional form: produce <records> <throughput> <size>)")
    .argument('[throughput]', 'records/s, -1 = no limit')
    .argument('[recordSize]', 'payload bytes')
    .addOption(new Option('--topic <topic>', 'topic to produce to').default(DEMO_DEFAULTS.topic))
    .addOption(new Option('--num-records <n>', 'records to send [default: 1000]'))
    .addOption(new Option('--throughput <rate>', 'records/s; -1 = no limit (Java catch-up throttle) [default: -1]'))
    .addOption(new Option('--record-size <bytes>', 'payload bytes of each record [default: 100]'))
    .addOption(new Option('--producer-props <k=v...>', 'producer settings, e.g. acks=all compression.type=none (override --producer.config)'))
    .addOption(new Option('--partitions <n>', 'partitions when the topic has to be created').default('10'))
    .addOption(
      new Option(
        '--sequence [start]',
        'key each record with a decimal sequence number (also header "seq"), from start (default 0), so a consumer audit can prove nothing was lost',
      ),
    )
    .addOption(
      new Option(
        '--transactional',
        'send each request as one Kafka transaction (a transactional, idempotent producer; one request in flight); the broker writes a commit marker after it on every partition',
      ),
    )
    .addOption(
      new Option(
        '--abort-every <n>',
        'with --transactional: abort every n-th transaction (1 = all); its records stay in the log but read_committed consumers skip them',
      ),
    )
    .addOption(new Option('--in-cluster', "run this command as a Job in the cluster (the consumer's image and connection), output streamed back"));
  addKafkaOptions(cmd, { producerConfigAlias: true });
  cmd.addHelpText(
    'after',
    `
The topic is created when missing (--partitions, replication 1 on the local broker) and the clock starts once
every partition has a leader. Throttling follows kafka-producer-perf-test's catch-up rule (record i is sent no
earlier than i/rate s after the start) in small batches, so there are no per-second bursts. Every 5 s a line on
stderr; at the end the Java tool's summary line on stdout (-o json: the summary document). Latency runs from a
request's send to its acknowledgement; records/sec = acknowledged records / (last ack − first send).
Ctrl-C stops sending, waits for the acknowledgements in flight, prints the summary of what was sent, exit 130.

Examples:
  $ cma-demo produce 1000000 10000 100                       # the seed demo's load, positional form
  $ cma-demo produce --topic t1 --num-records 20000 --throughput 5000 -o json
  $ cma-demo produce --num-records 100000 --sequence --producer-props acks=all
  $ cma-demo produce --num-records 2000 --throughput 200 --transactional --abort-every 3   # transaction markers, aborted batches
  $ cma-demo produce --bootstrap-server kafka.example:9094 --producer.config client.properties 1000 -1 100
  $ cma-demo produce --in-cluster 1000000 10000 100          # as a Job in the cluster (no external listener)`,
  );
  cmd.action(bind(async () => (await import('../produce.js')).produceAction));
}
