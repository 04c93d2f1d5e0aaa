/**
 * How the lab's pod runner starts a pod's cma-demo container: as a local process (the default, needs nothing but
 * node), or as a real container of the pod's image with podman (`lab up --pods containers`), so the lab runs the
 * very image users deploy. Both share the host's network (the broker and KEDA see the same addresses).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostUlimitArgs, type Builder } from '../image/builder.js';

export type PodsMode = 'processes' | 'containers';

export interface LaunchRequest {
  ns: string;
  name: string;
  image: string;
  args: string[];
  /** Resolved env (secrets included): never put on a command line. */
  env: Record<string, string>;
  logFd: number;
}

export interface Launched {
  proc: ChildProcess;
  signal(sig: NodeJS.Signals): void;
  /** After the process is gone: remove what is left (a container after SIGKILL). */
  finalize(): void;
  what: string;
}

export interface Launcher {
  mode: PodsMode;
  /** Why this image cannot run here (the kubelet's waiting reason and message), or null. */
  precheck(image: string): { reason: string; message: string } | null;
  launch(r: LaunchRequest): Launched;
}

const baseEnv = (name: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  NO_COLOR: '1',
  HOSTNAME: name,
});

function signalGroup(proc: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (proc.pid) process.kill(-proc.pid, sig);
  } catch {
    try {
      proc.kill(sig);
    } catch {
      /* gone */
    }
  }
}

export function processLauncher(nodeBin: string, cliPath: string): Launcher {
  return {
    mode: 'processes',
    precheck: () => null,
    launch(r) {
      const proc = spawn(nodeBin, [cliPath, ...r.args], {
        detached: true,
        stdio: ['ignore', r.logFd, r.logFd],
        // Loopback only: the pod's HTTP server (probe, /metrics) never listens on other interfaces here.
        env: { ...baseEnv(r.name), ...r.env, CMA_DEMO_METRICS_HOST: '127.0.0.1' },
      });
      return { proc, signal: (s) => signalGroup(proc, s), finalize: () => {}, what: `pid ${proc.pid} (cma-demo ${r.args.join(' ')})` };
    },
  };
}

/** A container name for a pod: unique per namespace and pod, within podman's name rules. */
export function containerName(ns: string, name: string): string {
  return `cma-lab-${ns}-${name}`.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 200);
}

/**
 * podman run arguments for a pod (pure). Env values never appear here: `-e NAME` makes podman take the value from
 * its own environment, which is where the launcher puts them. --pull never mirrors imagePullPolicy Never: the lab
 * has no registry, the image must be built here first (`cma-demo image build`).
 */
export function podmanRunArgs(r: Pick<LaunchRequest, 'ns' | 'name' | 'image' | 'args' | 'env'>, nodeName: string, ulimits: string[]): string[] {
  const env = { ...r.env, CMA_DEMO_METRICS_HOST: '127.0.0.1', NO_COLOR: '1' };
  return [
    'run',
    '--rm',
    '--name',
    containerName(r.ns, r.name),
    '--hostname',
    r.name,
    '--network',
    'host',
    '--pull',
    'never',
    '--label',
    `cma-demo.io/lab-node=${nodeName}`,
    '--label',
    `io.kubernetes.pod.namespace=${r.ns}`,
    '--label',
    `io.kubernetes.pod.name=${r.name}`,
    ...ulimits,
    ...Object.keys(env)
      .sort()
      .flatMap((k) => ['-e', k]),
    r.image,
    ...r.args,
  ];
}

export function podmanLauncher(podman: Builder, nodeName: string): Launcher {
  const ulimits = hostUlimitArgs(podman);
  const missing = new Map<string, number>();
  return {
    mode: 'containers',
    precheck(image) {
      const until = missing.get(image);
      if (until && Date.now() < until) return { reason: 'ErrImageNeverPull', message: neverPull(image) };
      const r = spawnSync(podman.bin, ['image', 'exists', image], { stdio: 'ignore' });
      if (r.status === 0) {
        missing.delete(image);
        return null;
      }
      missing.set(image, Date.now() + 5000);
      return { reason: 'ErrImageNeverPull', message: neverPull(image) };
    },
    launch(r) {
      const name = containerName(r.ns, r.name);
      // A container of the same name left by a runner that was killed: remove it first.
      spawnSync(podman.bin, ['rm', '--force', '--ignore', name], { stdio: 'ignore' });
      const proc = spawn(podman.bin, podmanRunArgs(r, nodeName, ulimits), {
        detached: true,
        stdio: ['ignore', r.logFd, r.logFd],
        env: { ...baseEnv(r.name), ...r.env, CMA_DEMO_METRICS_HOST: '127.0.0.1' },
      });
      return {
        proc,
        // The signal goes to the container's main process (cma-demo), as the kubelet's runtime does.
        signal: (s) => void spawnSync(podman.bin, ['kill', '--signal', s, name], { stdio: 'ignore' }),
        finalize: () => void spawnSync(podman.bin, ['rm', '--force', '--ignore', name], { stdio: 'ignore' }),
        what: `container ${name} (${r.image} ${r.args.join(' ')})`,
      };
    },
  };
}

// The kubelet's message for a missing image under pull policy Never (pkg/kubelet/images: ErrImageNeverPull).
const neverPull = (image: string) =>
  `Container image "${image}" is not present with pull policy of Never (the lab has no registry: build it with \`cma-demo image build --tag ${image}\`)`;

/** Removes every container a lab's pod runner started (lab down, after the runner stopped). */
export function removeLabContainers(podman: Builder, nodeName: string): number {
  const ls = spawnSync(podman.bin, ['ps', '--all', '--quiet', '--filter', `label=cma-demo.io/lab-node=${nodeName}`], { encoding: 'utf8' });
  const ids = String(ls.stdout ?? '')
    .split('\n')
    .filter(Boolean);
  if (ids.length) spawnSync(podman.bin, ['rm', '--force', ...ids], { stdio: 'ignore' });
  return ids.length;
}
