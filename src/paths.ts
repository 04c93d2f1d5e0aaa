import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CmaError, ExitCode } from './errors.js';

/** The installed package's root (package.json, bin/, dist/, manifests/, Containerfile). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Downloads and builds (Kafka jars, lab binaries). Never inside the repository. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CMA_DEMO_CACHE || path.join(os.homedir(), '.cache', 'cma-demo');
}

/** Running state: the local broker, the last setup's target. Tests point this at a temp dir. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CMA_DEMO_STATE || path.join(os.homedir(), '.local', 'state', 'cma-demo');
}

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'it exists and is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'a parent cannot hold directories',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/** Where a directory comes from: the variable or flag that sets it, and whether its default is in use. */
export interface DirOrigin {
  name: string;
  isDefault?: boolean;
}

function dirError(dir: string, origin: DirOrigin, err: unknown): CmaError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (err as Error).message;
  const from = origin.isDefault ? `the default of ${origin.name}` : origin.name;
  return new CmaError(`cannot use ${dir} (${from}) as a writable directory: ${reason}${code ? ` (${code})` : ''}`, {
    hint: `${origin.name.startsWith('-') ? `give ${origin.name}` : `set ${origin.name} to`} a directory this user can create and write`,
    exitCode: ExitCode.ENV,
    code: 'DIR_UNUSABLE',
    cause: err,
  });
}

/**
 * Makes sure `dir` exists and this process can write into it, else throws exit 3 naming the path and `origin`
 * (the variable or flag it came from). Creates missing parents one level at a time rather than with
 * `mkdir({recursive: true})`: Node 20's recursive mkdir never returns on a path below /proc (it retries ENOENT
 * forever). The write check creates and removes a probe directory, which also catches read-only mounts and
 * root's permissions being no guarantee.
 */
export function ensureWritableDir(dir: string, origin: DirOrigin, mode?: number): string {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw dirError(abs, origin, err);
      missing.push(p);
      const up = path.dirname(p);
      if (up === p) throw dirError(abs, origin, err);
      p = up;
      continue;
    }
    if (!st.isDirectory()) throw dirError(abs, origin, Object.assign(new Error(`${p} is not a directory`), { code: p === abs ? 'EEXIST' : 'ENOTDIR' }));
    break;
  }
  for (const m of missing.reverse()) {
    try {
      fs.mkdirSync(m, mode === undefined ? undefined : { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(m).isDirectory()) throw dirError(abs, origin, err);
    }
  }
  try {
    fs.rmdirSync(fs.mkdtempSync(path.join(abs, '.cma-demo-probe-')));
  } catch (err) {
    throw dirError(abs, origin, err);
  }
  return abs;
}

/** The state directory, created and writable, or exit 3 naming it and CMA_DEMO_STATE. */
export function usableStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return ensureWritableDir(stateDir(env), { name: 'CMA_DEMO_STATE', isDefault: !env.CMA_DEMO_STATE });
}

/** The cache directory, created and writable, or exit 3 naming it and CMA_DEMO_CACHE. */
export function usableCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return ensureWritableDir(cacheDir(env), { name: 'CMA_DEMO_CACHE', isDefault: !env.CMA_DEMO_CACHE });
}
