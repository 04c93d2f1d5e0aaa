import os from 'node:os';
import path from 'node:path';

/** Downloads and builds (Kafka jars, lab binaries). Never inside the repository. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CMA_DEMO_CACHE || path.join(os.homedir(), '.cache', 'cma-demo');
}

/** Running state: the local broker, the last setup's target. Tests point this at a temp dir. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CMA_DEMO_STATE || path.join(os.homedir(), '.local', 'state', 'cma-demo');
}
