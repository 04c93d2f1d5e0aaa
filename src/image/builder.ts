/**
 * Building the consumer image with whichever of podman, buildah or docker is found first (or the one asked for).
 * Every build runs with --network none: the context is hermetic (context.ts), so a step that reaches for the
 * network is a mistake in the Containerfile, and it fails here the same way on every machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CmaError, ExitCode, envError } from '../errors.js';
import { which } from '../util/which.js';

export const BUILDERS = ['podman', 'buildah', 'docker'] as const;
export type BuilderName = (typeof BUILDERS)[number];

export interface Builder {
  name: BuilderName;
  bin: string;
}

/** The builder to use: the one named by --builder, else the first of podman, buildah, docker on PATH. */
export function pickBuilder(choice: string | undefined, env: NodeJS.ProcessEnv = process.env): Builder {
  if (choice !== undefined) {
    if (!(BUILDERS as readonly string[]).includes(choice)) {
      throw new CmaError(`--builder must be one of ${BUILDERS.join(', ')} (got "${choice}")`, { exitCode: ExitCode.USAGE, code: 'BAD_BUILDER' });
    }
    const bin = which(choice, env);
    if (!bin)
      throw envError(`--builder ${choice}: ${choice} is not on PATH`, `install ${choice}, or leave --builder out to use whichever is found`, 'NO_BUILDER');
    return { name: choice as BuilderName, bin };
  }
  for (const name of BUILDERS) {
    const bin = which(name, env);
    if (bin) return { name, bin };
  }
  throw envError(
    'no image builder on PATH (looked for podman, buildah, docker)',
    'install podman (Debian/Ubuntu: apt-get install podman; Fedora/RHEL: dnf install podman), or build the Containerfile elsewhere and pass --image',
    'NO_BUILDER',
  );
}

/**
 * --ulimit arguments for podman and buildah. Their default open-files limit (1048576) is above the hard limit of
 * many containers and CI sandboxes, where runc then fails with "error setting rlimits … operation not permitted".
 * We ask for this process's own hard limits instead (never more than the host allows), and cap processes at
 * 32768, the most runc could set on the machines we build on. Reads the text of /proc/self/limits.
 */
export function ulimitArgs(limitsText: string | null): string[] {
  if (!limitsText) return [];
  const hard = (label: string): number | null => {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(limitsText);
    if (!m || m[2] === 'unlimited') return null;
    const n = Number(m[2]);
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  const out: string[] = [];
  const files = hard('Max open files');
  if (files !== null) out.push('--ulimit', `nofile=${files}:${files}`);
  const procs = hard('Max processes');
  const p = Math.min(procs ?? 32768, 32768);
  out.push('--ulimit', `nproc=${p}:${p}`);
  return out;
}

export function hostUlimitArgs(b: Builder): string[] {
  if (b.name === 'docker') return []; // the daemon applies its own limits
  try {
    return ulimitArgs(fs.readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return [];
  }
}

/**
 * The step a failed build stopped at, from the builder's output: podman/buildah print
 * `building at STEP "RUN …": …`, BuildKit prints `process "/bin/sh -c …" did not complete successfully`,
 * the classic docker builder `The command '/bin/sh -c …' returned a non-zero code`. Null when none is found.
 */
export function failedStep(output: string): string | null {
  const buildah = /building at STEP "([^"]+)"/.exec(output);
  if (buildah) return buildah[1]!;
  const kit = /process "\/bin\/sh -c (.+?)" did not complete successfully/.exec(output);
  if (kit) return `RUN ${kit[1]}`;
  const classic = /The command '\/bin\/sh -c (.+?)' returned a non-zero code/.exec(output);
  if (classic) return `RUN ${classic[1]}`;
  return null;
}

/** Whether a failed step's output looks like the network was wanted (the builds here have none). */
export function wantedNetwork(output: string): boolean {
  return /ENOTFOUND|EAI_AGAIN|getaddrinfo|Could not resolve|Temporary failure in name resolution|Network is unreachable|ECONNREFUSED|network is unreachable|fetch failed/i.test(
    output,
  );
}

export interface BuildOptions {
  builder: Builder;
  contextDir: string;
  tag: string;
  base?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export function buildArgs(o: Pick<BuildOptions, 'builder' | 'contextDir' | 'tag' | 'base'>): string[] {
  const verb = o.builder.name === 'buildah' ? 'bud' : 'build';
  return [
    verb,
    '--network',
    'none',
    ...hostUlimitArgs(o.builder),
    '-f',
    path.join(o.contextDir, 'Containerfile'),
    '-t',
    o.tag,
    ...(o.base ? ['--build-arg', `BASE=${o.base}`] : []),
    o.contextDir,
  ];
}

export async function buildImage(o: BuildOptions): Promise<void> {
  const tail: string[] = [];
  const child = execa(o.builder.bin, buildArgs(o), { reject: false, all: true, cancelSignal: o.signal, buffer: false });
  child.all?.setEncoding('utf8');
  let rest = '';
  child.all?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      tail.push(l);
      if (tail.length > 200) tail.shift();
      o.log?.(l);
    }
  });
  const r = await child;
  if (rest) tail.push(rest);
  if (r.isCanceled) throw new CmaError('image build interrupted', { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
  if (r.exitCode !== 0) {
    const out = tail.join('\n');
    const step = failedStep(out);
    // What the failing step printed last, without the builder's own step lines (the step is named already).
    const last = tail
      .filter((l) => l.trim() && !/^(STEP|Step) \d+\/\d+|building at STEP|^#\d+ \[|^--> /.test(l))
      .slice(-2)
      .join(' | ');
    throw envError(
      `${o.builder.name} build of ${o.tag} failed${step ? ` at step ${step}` : ''}: ${last}`,
      step && wantedNetwork(out)
        ? 'the build has no network (--network none): everything the image needs must be in the context; install it on the host into the context, not in a RUN step'
        : step
          ? 'fix that step of the Containerfile; the full output is above (--verbose)'
          : `see the ${o.builder.name} output above (--verbose)`,
      'BUILD_FAILED',
    );
  }
}

/** The image's size in bytes as the builder reports it, or null. */
export async function imageSize(b: Builder, tag: string): Promise<number | null> {
  const args = b.name === 'buildah' ? ['inspect', '--type', 'image', '--format', '{{.Docker.Size}}', tag] : ['image', 'inspect', '--format', '{{.Size}}', tag];
  const r = await execa(b.bin, args, { reject: false });
  const n = Number(String(r.stdout).trim());
  return r.exitCode === 0 && Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * Whether the tag names a registry host (quay.io/x/y:1, localhost:5000/y), as a push needs. A bare `localhost/`
 * prefix is podman's name for images that live only in local storage, not a registry.
 */
export function hasRegistry(tag: string): boolean {
  const first = tag.split('/')[0]!;
  return tag.includes('/') && (first.includes('.') || first.includes(':'));
}

export async function pushImage(b: Builder, tag: string, log?: (s: string) => void): Promise<void> {
  const r = await execa(b.bin, ['push', tag], { reject: false, all: true });
  if (r.exitCode !== 0) {
    const last = String(r.all ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .slice(-2)
      .join(' | ');
    throw envError(
      `${b.name} push ${tag} failed: ${last}`,
      `log in first (\`${b.name} login ${tag.split('/')[0]}\`) and check the repository exists`,
      'PUSH_FAILED',
    );
  }
  log?.(`pushed ${tag}`);
}
