/** The pod runner as the lab's long-running process (`cma-demo lab pod-runner`, started by `lab up`). */
import fs from 'node:fs';
import path from 'node:path';
import { CmaError, ExitCode } from '../errors.js';
import { PACKAGE_ROOT } from './binaries.js';
import { KubeApi } from './kubeApi.js';
import { labDir, readLabState } from './lab.js';
import { PodRunner } from './podRunner.js';
import { podmanLauncher, processLauncher } from './launchers.js';
import { pickBuilder } from '../image/builder.js';

export async function runPodRunnerDaemon(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const s = readLabState(env);
  if (!s || !s.server)
    throw new CmaError('no lab state to run pods for', {
      exitCode: ExitCode.ENV,
      code: 'LAB_NOT_RUNNING',
      hint: 'this command is started by `cma-demo lab up`',
    });
  const token = fs.readFileSync(path.join(labDir(env), 'tokens.csv'), 'utf8').split(',')[0]!;
  const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
  const runner = new PodRunner({
    api: new KubeApi({ server: s.server, token }),
    nodeName: s.nodeName,
    logDir: path.join(labDir(env), 'pods'),
    launcher:
      s.pods === 'containers'
        ? podmanLauncher(pickBuilder('podman', env), s.nodeName)
        : processLauncher(process.execPath, path.join(PACKAGE_ROOT, 'bin', 'cma-demo.js')),
    log,
  });
  await runner.start();
  log(
    `pod runner: node ${s.nodeName} registered, watching pods on ${s.server}; pods run as ${s.pods === 'containers' ? 'podman containers' : 'local processes'}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log('pod runner: stopping pods');
  await runner.stop();
  return 0;
}
