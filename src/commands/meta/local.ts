/** cma-demo local up|status|down: a real Kafka broker on this machine. Light metadata: options and help; the implementation (../local.ts) loads when the command runs. */
import type { Command } from 'commander';
import type { Bind } from '../action.js';

export function registerLocal(program: Command, bind: Bind): void {
  const local = program
    .command('local')
    .description('run a real Kafka broker on this machine (up|status|down)')
    .addHelpText(
      'after',
      `
The broker (Apache Kafka 4.x from Maven Central, cached in $CMA_DEMO_CACHE) runs one KRaft node on free
loopback ports with a PLAINTEXT and a SASL_PLAINTEXT (SCRAM-SHA-512) listener. Its state (pid, ports, user,
password file, log) lives in $CMA_DEMO_STATE/local-kafka. produce, lag and consume use it when no
--bootstrap-server is given.

Examples:
  $ cma-demo local up                 # start (or reuse) the broker
  $ cma-demo local status -o json     # exit 3 when none runs
  $ cma-demo local down               # stop it, free its ports, remove its data`,
    );

  local
    .command('up')
    .description('start the local broker, or reuse the running one')
    .action(bind(async () => (await import('../local.js')).localUp));

  local
    .command('status')
    .description('report the local broker (exit 3 when none runs)')
    .action(bind(async () => (await import('../local.js')).localStatus));

  local
    .command('down')
    .description('stop the local broker, free its ports and remove its data')
    .action(bind(async () => (await import('../local.js')).localDown));
}
