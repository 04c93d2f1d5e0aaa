/**
 * The consumer image's build context, hermetic: `npm pack` of this package installed with its production
 * dependencies on this host (npm's registry or cache) into rootfs/usr/local, plus the Containerfile. The
 * Containerfile only copies rootfs/ onto the base, so no build step needs the network. `image build` and the
 * OpenShift binary build (`oc start-build --from-dir`) both use this one context.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { envError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

export interface ImageContext {
  dir: string;
  /** The package version baked into the image. */
  version: string;
  /** Bytes of rootfs/ (what the image adds to its base). */
  bytes: number;
  remove(): void;
}

export interface StageOptions {
  /** The Containerfile to build (default: the package's own). */
  containerfile?: string;
  log?: (s: string) => void;
  root?: string;
}

/** npm's own configuration from an enclosing `npm run` (npm_config_*) must not redirect the install. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(global|prefix|location|omit|include|production)$/i.test(k)));
}

export async function stageImageContext(o: StageOptions = {}): Promise<ImageContext> {
  const root = o.root ?? PACKAGE_ROOT;
  const log = o.log ?? (() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-image-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const containerfile = o.containerfile ?? path.join(root, 'Containerfile');
    if (!fs.existsSync(containerfile)) throw envError(`no Containerfile at ${containerfile}`, 'give --file PATH, or reinstall cma-demo', 'NO_CONTAINERFILE');
    const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    log(`npm pack ${root}`);
    const packed = await execa('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir, root], {
      reject: false,
      cwd: dir,
      env: npmEnv(),
      extendEnv: false,
    });
    const tgz = String(packed.stdout).trim().split('\n').pop() ?? '';
    if (packed.exitCode !== 0 || !tgz.endsWith('.tgz')) {
      throw envError(
        `npm pack failed: ${String(packed.stderr).trim().split('\n')[0] || 'no package file'}`,
        'check that npm works and the package builds (npm run build)',
        'NPM_PACK',
      );
    }
    const prefix = path.join(dir, 'rootfs', 'usr', 'local');
    log(`npm install --global --omit=dev into the context (production dependencies, on this host: the build itself has no network)`);
    const inst = await execa(
      'npm',
      ['install', '--global', '--prefix', prefix, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', path.join(dir, tgz)],
      { reject: false, cwd: dir, env: npmEnv(), extendEnv: false },
    );
    if (inst.exitCode !== 0) {
      const why = String(inst.stderr).trim().split('\n').filter(Boolean).slice(-2).join(' | ');
      throw envError(
        `npm install of the packed package into the image context failed: ${why}`,
        "npm needs its registry (or a warm cache: npm's --offline) on this host",
        'NPM_INSTALL',
      );
    }
    fs.rmSync(path.join(dir, tgz));
    // npm leaves a lock and its own metadata beside the global tree; the image needs neither.
    fs.rmSync(path.join(prefix, 'lib', 'node_modules', '.package-lock.json'), { force: true });
    fs.copyFileSync(containerfile, path.join(dir, 'Containerfile'));
    return { dir, version, bytes: duBytes(path.join(dir, 'rootfs')), remove };
  } catch (err) {
    remove();
    throw err;
  }
}

function duBytes(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, e) => n + duBytes(path.join(p, e)), 0);
}
