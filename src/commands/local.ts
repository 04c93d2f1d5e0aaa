/** cma-demo local up|status|down: a real Kafka broker on this machine. */
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { CmaError, ExitCode } from '../errors.js';
import { brokerStatus, ensureBroker, killBrokerNow as killGroupNow, releaseLockNow, stopBroker, type BrokerInfo } from '../local/broker.js';
import { catchInterrupts } from '../util/interrupt.js';
import { setKafkaVerbose } from '../kafka/kafkajs.js';

function describe(info: BrokerInfo): string {
  return [
    `Kafka ${info.version} runs on this machine (pid ${info.pid})`,
    `  bootstrap       ${info.bootstrap}   (PLAINTEXT)`,
    `  saslBootstrap   ${info.saslBootstrap}   (SASL_PLAINTEXT, SCRAM-SHA-512, user ${info.username})`,
    `  password file   ${info.passwordFile}`,
    `  log file        ${info.logFile}`,
  ].join('\n');
}

const doc = (info: BrokerInfo, extra: Record<string, unknown> = {}) => ({
  running: true,
  ...extra,
  bootstrap: info.bootstrap,
  saslBootstrap: info.saslBootstrap,
  username: info.username,
  pid: info.pid,
  version: info.version,
  logFile: info.logFile,
  passwordFile: info.passwordFile,
  dataDir: info.dataDir,
});

/** local up: start the broker, or reuse the running one. */
export async function localUp(_o: unknown, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const g = globalsOf(cmd);
  setKafkaVerbose(Boolean(g.verbose));
  const t0 = Date.now();
  // Ctrl-C: the broker this command started is stopped and the lock released before exit 130; a second Ctrl-C
  // kills the broker's process group at once and removes the lock.
  let spawned: number | null = null;
  const abort = catchInterrupts({
    onFirst: () => out.info('local: interrupted: stopping what this command started (Ctrl-C again to kill it at once)'),
    onSecond: () => {
      if (spawned !== null) killGroupNow(spawned);
      releaseLockNow();
    },
  });
  let info: Awaited<ReturnType<typeof ensureBroker>>;
  try {
    info = await ensureBroker({ log: (s) => out.info(`local: ${s}`), signal: abort.signal, onSpawn: (pid) => (spawned = pid) });
  } finally {
    abort.dispose();
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  out.info(`local: ${info.started ? `started in ${secs} s` : 'already running'}`);
  if (out.machine) out.document({ ...doc(info, { started: info.started }), warnings: out.warnings });
  else out.text(describe(info));
}

/** local status: the running broker; exit 3 (with the document {running: false}) when none runs. */
export async function localStatus(_o: unknown, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const info = await brokerStatus();
  if (!info) {
    throw new CmaError('no local Kafka broker runs', {
      hint: 'start one with: cma-demo local up',
      exitCode: ExitCode.ENV,
      code: 'NO_LOCAL_BROKER',
      document: { running: false, warnings: out.warnings },
    });
  }
  if (out.machine) out.document({ ...doc(info), warnings: out.warnings });
  else out.text(describe(info));
}

/** local down: stop the broker, free its ports, remove its data. */
export async function localDown(_o: unknown, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const stopped = await stopBroker({ log: (s) => out.info(`local: ${s}`) });
  if (out.machine) out.document({ stopped, running: false, warnings: out.warnings });
  else out.text(stopped ? 'local Kafka broker stopped; its data is removed' : 'no local Kafka broker was running');
}
