/**
 * The lab's Go binaries: versions, where they are cached, and building them on first use from the Go module
 * proxy with scripts/lab/build-kube.sh (docs/design.md §11.2; cached per version under
 * $CMA_DEMO_CACHE, so the second `lab up` starts in seconds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CmaError, ExitCode } from '../errors.js';
import { cacheDir, PACKAGE_ROOT } from '../paths.js';

export { PACKAGE_ROOT };

export const LAB_VERSIONS = {
  etcd: process.env.CMA_DEMO_ETCD_VERSION ?? '3.5.35',
  kube: process.env.CMA_DEMO_KUBE_VERSION ?? '1.33.13',
  /** The version of the KEDA CRDs in ../shared/crds/keda (and of the OpenShift CMA line we model). */
  keda: process.env.CMA_DEMO_KEDA_VERSION ?? '2.20.2',
} as const;

export interface LabBinaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  kedaOperator: string;
  kedaAdapter: string;
}

export function labBinaries(env: NodeJS.ProcessEnv = process.env): LabBinaries {
  const c = cacheDir(env);
  const kube = path.join(c, `kube-${LAB_VERSIONS.kube}`, 'bin');
  const keda = path.join(c, `keda-${LAB_VERSIONS.keda}`, 'bin');
  return {
    etcd: path.join(c, `etcd-${LAB_VERSIONS.etcd}`, 'bin', 'etcd'),
    apiserver: path.join(kube, 'kube-apiserver'),
    controllerManager: path.join(kube, 'kube-controller-manager'),
    kedaOperator: path.join(keda, 'keda-operator'),
    kedaAdapter: path.join(keda, 'keda-adapter'),
  };
}

export type BuildPart = 'all' | 'full' | 'keda' | 'kube' | 'etcd';

/** Which parts are missing for a lab with (full) or without (apiserver only) the controllers and KEDA. */
export function missingBinaries(full: boolean, env: NodeJS.ProcessEnv = process.env): string[] {
  const b = labBinaries(env);
  const need = full ? Object.values(b) : [b.etcd, b.apiserver];
  return need.filter((f) => !fs.existsSync(f));
}

/**
 * Cold build times on a 2-core machine, for the progress line: .ci/run from an empty cache measured 5.6 min for etcd +
 * kube-apiserver + kube-controller-manager and 11.3 min with KEDA when quiet, about 16 min when shared.
 */
export const COLD_BUILD_MINUTES = { base: '5–8', full: '11–16' } as const;

/**
 * Builds what is missing. Needs `go` (1.24+) on PATH; says exactly what to install when it is absent.
 * Output of the build goes to `logFile`; progress lines to `log`.
 */
export async function ensureLabBinaries(o: { full: boolean; log: (s: string) => void; logFile: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  const env = o.env ?? process.env;
  const missing = missingBinaries(o.full, env);
  if (missing.length === 0) return;
  try {
    await execa('go', ['version'], { stdin: 'ignore' });
  } catch {
    throw new CmaError(`the lab's binaries are not built yet and \`go\` is not installed (missing: ${missing.map((m) => path.basename(m)).join(', ')})`, {
      exitCode: ExitCode.ENV,
      code: 'GO_MISSING',
      hint: 'install Go 1.24 or newer (https://go.dev/doc/install, or Debian/Ubuntu: apt-get install golang-go if it is ≥ 1.24), then rerun; the build uses only the Go module proxy',
    });
  }
  const script = path.join(PACKAGE_ROOT, 'scripts', 'lab', 'build-kube.sh');
  const minutes = o.full ? COLD_BUILD_MINUTES.full : COLD_BUILD_MINUTES.base;
  o.log(
    `building ${missing.map((m) => path.basename(m)).join(', ')} from the Go module proxy (first use only; about ${minutes} min on 2 cores) — log: ${o.logFile}`,
  );
  fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
  const t0 = Date.now();
  const ticker = setInterval(() => o.log(`  still building (${Math.round((Date.now() - t0) / 60_000)} min so far)…`), 60_000);
  try {
    await execa('bash', [script, o.full ? 'full' : 'all'], {
      stdin: 'ignore',
      stdout: { file: o.logFile, append: true },
      stderr: { file: o.logFile, append: true },
      env: { ...env, CMA_DEMO_CACHE: cacheDir(env) },
    });
  } catch (err) {
    const tail = fs.readFileSync(o.logFile, 'utf8').split('\n').slice(-8).join('\n');
    throw new CmaError(`building the lab's binaries failed (${(err as { shortMessage?: string }).shortMessage ?? String(err)}):\n${tail}`, {
      exitCode: ExitCode.ENV,
      code: 'LAB_BUILD_FAILED',
      hint: `read ${o.logFile}; a network error to the Go module proxy can be retried by running the same command again`,
    });
  } finally {
    clearInterval(ticker);
  }
  o.log(`built in ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
}
