/**
 * Global test setup: ONE real Kafka broker for the whole test run (test/kafka, test/cli and anything else that
 * talks to Kafka), in its own temp CMA_DEMO_STATE, never the user's. Stopped (its process group killed) at the
 * end, also when the run fails or is interrupted.
 *
 * What tests get (see test/helpers/kafka.ts for typed helpers):
 *   inject('kafka') → { bootstrap, saslBootstrap, username, passwordFile, stateDir, version, pid } or null
 *   env (inherited by test workers and every process they spawn):
 *     CMA_DEMO_STATE               = the temp state dir, so `cma-demo produce|lag|consume` without
 *                                    --bootstrap-server use the test broker as "the local broker"
 *     CMA_DEMO_TEST_STATE          = the same dir
 *     CMA_DEMO_TEST_BOOTSTRAP      = PLAINTEXT host:port
 *     CMA_DEMO_TEST_SASL_BOOTSTRAP = SASL_PLAINTEXT (SCRAM-SHA-512) host:port
 *     CMA_DEMO_TEST_USERNAME       = the SCRAM user
 *     CMA_DEMO_TEST_PASSWORD_FILE  = its password, mode 0600
 * The broker is skipped when every file filter on the command line is under test/unit (or with
 * CMA_DEMO_TEST_BROKER=0); tests needing it then fail fast through requireTestKafka().
 * Tests that exercise `local up/down` themselves must use their own temp CMA_DEMO_STATE.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureBroker, stopBroker, type BrokerInfo } from '../../src/local/broker.js';

export interface TestKafka {
  bootstrap: string;
  saslBootstrap: string;
  username: string;
  passwordFile: string;
  stateDir: string;
  version: string;
  pid: number;
  logFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: TestKafka | null;
  }
}

function brokerWanted(): boolean {
  if (process.env.CMA_DEMO_TEST_BROKER === '0') return false;
  if (process.env.CMA_DEMO_TEST_BROKER === '1') return true;
  const i = process.argv.findIndex((a) => a === 'run' || a === 'watch' || a === 'related');
  const filters = (i >= 0 ? process.argv.slice(i + 1) : []).filter((a) => !a.startsWith('-'));
  return !(filters.length > 0 && filters.every((f) => f.includes('test/unit')));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!brokerWanted()) {
    project.provide('kafka', null);
    return async () => {};
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-test-state-'));
  const env = { ...process.env, CMA_DEMO_STATE: stateDir };
  let info: BrokerInfo | null = null;
  let stopped = false;
  const hardKill = () => {
    // Last resort on exit/interrupt: SIGKILL the broker's process group synchronously.
    if (info && !stopped) {
      try {
        process.kill(-info.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  };
  process.once('exit', hardKill);
  const onSignal = (sig: NodeJS.Signals) => {
    hardKill();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const t0 = Date.now();
  info = await ensureBroker({ env, log: (s) => process.stderr.write(`[test broker] ${s}\n`) });
  process.stderr.write(
    `[test broker] Kafka ${info.version} pid ${info.pid} on ${info.bootstrap} / ${info.saslBootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s (state ${stateDir})\n`,
  );

  const provided: TestKafka = {
    bootstrap: info.bootstrap,
    saslBootstrap: info.saslBootstrap,
    username: info.username,
    passwordFile: info.passwordFile,
    stateDir,
    version: info.version,
    pid: info.pid,
    logFile: info.logFile,
  };
  project.provide('kafka', provided);
  Object.assign(process.env, {
    CMA_DEMO_STATE: stateDir,
    CMA_DEMO_TEST_STATE: stateDir,
    CMA_DEMO_TEST_BOOTSTRAP: info.bootstrap,
    CMA_DEMO_TEST_SASL_BOOTSTRAP: info.saslBootstrap,
    CMA_DEMO_TEST_USERNAME: info.username,
    CMA_DEMO_TEST_PASSWORD_FILE: info.passwordFile,
  });

  return async () => {
    try {
      await stopBroker({ env });
    } finally {
      hardKill();
      stopped = true;
      process.removeListener('exit', hardKill);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  };
}
