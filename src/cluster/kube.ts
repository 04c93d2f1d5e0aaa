/**
 * The only place that spawns oc/kubectl. Argument arrays only; object bodies (and Secrets) go through stdin,
 * never argv. Every failure becomes a CmaError naming the verb, the object and what the server said.
 */
import { execa } from 'execa';
import YAML from 'yaml';
import { CmaError, ExitCode, envError } from '../errors.js';
import type { K8sObject } from '../manifests/template.js';
import type { Platform } from '../manifests/params.js';

export interface KubeOptions {
  /** 'oc' or 'kubectl' (or a path to one). */
  bin?: string;
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with the argv of every child (for tests that scan command lines for secrets, and for --verbose). */
  onSpawn?: (bin: string, args: string[]) => void;
  /** Default per-call timeout. */
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NOT_FOUND = /NotFound|not found|the server doesn't have a resource type|no matches for kind/i;

export class Kube {
  readonly bin: string;
  private readonly opts: KubeOptions;

  constructor(opts: KubeOptions = {}) {
    this.opts = opts;
    this.bin = opts.bin ?? 'kubectl';
  }

  /** A copy driving another binary with the same kubeconfig/context (kubectl → oc on OpenShift). */
  withBin(bin: string): Kube {
    return new Kube({ ...this.opts, bin });
  }

  get context(): string | undefined {
    return this.opts.context;
  }
  get kubeconfig(): string | undefined {
    return this.opts.kubeconfig;
  }

  private globalArgs(): string[] {
    const a: string[] = [];
    if (this.opts.kubeconfig) a.push(`--kubeconfig=${this.opts.kubeconfig}`);
    if (this.opts.context) a.push(`--context=${this.opts.context}`);
    return a;
  }

  /** Runs one command; never throws for a non-zero exit (callers decide). */
  async run(args: string[], o: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const argv = [...this.globalArgs(), ...args];
    this.opts.onSpawn?.(this.bin, argv);
    try {
      const r = await execa(this.bin, argv, {
        input: o.input ?? '',
        reject: false,
        timeout: o.timeoutMs ?? this.opts.timeoutMs ?? 60_000,
        env: this.opts.env,
        extendEnv: true,
        stripFinalNewline: false,
      });
      if (r.failed && r.exitCode === undefined) {
        if ((r as { code?: string }).code === 'ENOENT') {
          throw envError(
            `${this.bin} is not installed or not on PATH`,
            `install ${this.bin} (OpenShift: oc; Kubernetes: kubectl) or pass --kubectl <path>`,
            'NO_KUBECTL',
          );
        }
        if (r.timedOut) {
          return {
            exitCode: 124,
            stdout: String(r.stdout ?? ''),
            stderr: `${this.bin} ${args[0]} timed out after ${o.timeoutMs ?? this.opts.timeoutMs ?? 60_000} ms`,
          };
        }
        return { exitCode: 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? r.message) };
      }
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    } catch (err) {
      if (err instanceof CmaError) throw err;
      throw envError(`cannot run ${this.bin}: ${(err as Error).message}`, `check that ${this.bin} is installed`, 'NO_KUBECTL', err);
    }
  }

  /**
   * Runs a long command (e.g. `logs -f`) and hands each stdout line to onLine as it arrives; resolves with the
   * exit code when it ends or the signal aborts it. Never throws for a non-zero exit.
   */
  async stream(args: string[], onLine: (line: string) => void, o: { signal?: AbortSignal } = {}): Promise<RunResult> {
    const argv = [...this.globalArgs(), ...args];
    this.opts.onSpawn?.(this.bin, argv);
    const child = execa(this.bin, argv, { reject: false, env: this.opts.env, extendEnv: true, cancelSignal: o.signal, stdin: 'ignore' });
    let buf = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    const r = await child;
    if (buf) onLine(buf);
    return { exitCode: r.exitCode ?? 1, stdout: '', stderr: String(r.stderr ?? '') };
  }

  /** Runs and throws a CmaError (exit 3) on failure. */
  async must(args: string[], what: string, o: { input?: string; timeoutMs?: number; hint?: string } = {}): Promise<string> {
    const r = await this.run(args, o);
    if (r.exitCode !== 0) throw kubeError(what, r, o.hint);
    return r.stdout;
  }

  /** get -o json; null when the object (or its type) does not exist. */
  async get(kind: string, name: string, namespace?: string): Promise<Obj | null> {
    const args = ['get', kind, name, '-o', 'json'];
    if (namespace) args.push('-n', namespace);
    const r = await this.run(args);
    if (r.exitCode !== 0) {
      if (NOT_FOUND.test(r.stderr)) return null;
      throw kubeError(`get ${kind}/${name}${namespace ? ` -n ${namespace}` : ''}`, r);
    }
    return JSON.parse(r.stdout) as Obj;
  }

  /** get -o json of a list (label selector optional); [] when the type does not exist. */
  async list(kind: string, o: { namespace?: string; allNamespaces?: boolean; selector?: string } = {}): Promise<Obj[]> {
    const args = ['get', kind, '-o', 'json'];
    if (o.allNamespaces) args.push('--all-namespaces');
    else if (o.namespace) args.push('-n', o.namespace);
    if (o.selector) args.push('-l', o.selector);
    const r = await this.run(args);
    if (r.exitCode !== 0) {
      if (/the server doesn't have a resource type|no matches for kind/i.test(r.stderr)) return [];
      throw kubeError(`list ${kind}`, r);
    }
    return ((JSON.parse(r.stdout) as Obj).items ?? []) as Obj[];
  }

  async getRaw(apiPath: string): Promise<Obj | null> {
    const r = await this.run(['get', '--raw', apiPath]);
    if (r.exitCode !== 0) {
      if (NOT_FOUND.test(r.stderr)) return null;
      throw kubeError(`get --raw ${apiPath}`, r);
    }
    return JSON.parse(r.stdout) as Obj;
  }

  /**
   * Server-side apply (field manager cma-demo) of objects through stdin. Returns the applied objects as the
   * server stored them. dryRun 'server' validates without persisting.
   */
  async apply(objects: K8sObject[] | Obj[], o: { dryRun?: 'server'; force?: boolean; what?: string } = {}): Promise<Obj[]> {
    if (objects.length === 0) return [];
    const list = { apiVersion: 'v1', kind: 'List', items: objects };
    const args = ['apply', '--server-side', '--field-manager=cma-demo', '-f', '-', '-o', 'json'];
    if (o.force) args.push('--force-conflicts');
    if (o.dryRun) args.push('--dry-run=server');
    const r = await this.run(args, { input: JSON.stringify(list) });
    if (r.exitCode !== 0) {
      const names = objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ');
      throw kubeError(o.what ?? `apply ${names}`, r, 'fix the object named above or rerun with --verbose');
    }
    const out = JSON.parse(r.stdout) as Obj;
    return out.kind === 'List' ? (out.items as Obj[]) : [out];
  }

  /** apply --server-side of a remote release manifest (operators on Kubernetes). */
  async applyUrl(url: string, o: { namespace?: string; dryRun?: 'server' } = {}): Promise<void> {
    const args = ['apply', '--server-side', '--field-manager=cma-demo', '-f', url];
    if (o.namespace) args.push('-n', o.namespace);
    if (o.dryRun) args.push('--dry-run=server');
    await this.must(args, `apply ${url}`, {
      timeoutMs: 300_000,
      hint: 'check that the cluster can reach the URL, or pass a reachable --keda-manifest/--strimzi-manifest',
    });
  }

  async patch(
    kind: string,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    o: { type?: 'merge' | 'json'; subresource?: 'status' } = {},
  ): Promise<Obj> {
    const args = ['patch', kind, name, '--type', o.type ?? 'merge', '-p', JSON.stringify(patch), '-o', 'json'];
    if (namespace) args.push('-n', namespace);
    if (o.subresource) args.push(`--subresource=${o.subresource}`);
    return JSON.parse(await this.must(args, `patch ${kind}/${name}`)) as Obj;
  }

  /** Deletes; false when it was already gone. */
  async delete(kind: string, name: string, namespace?: string, o: { wait?: boolean; timeoutMs?: number } = {}): Promise<boolean> {
    const args = ['delete', kind, name, '--ignore-not-found', `--wait=${o.wait ? 'true' : 'false'}`];
    if (o.wait) args.push(`--timeout=${Math.ceil((o.timeoutMs ?? 120_000) / 1000)}s`);
    if (namespace) args.push('-n', namespace);
    const out = await this.must(args, `delete ${kind}/${name}`, { timeoutMs: (o.timeoutMs ?? 120_000) + 10_000 });
    return out.trim().length > 0;
  }

  /** The API groups the server serves (discovery). */
  async apiGroups(): Promise<string[]> {
    const d = await this.getRaw('/apis');
    if (!d) return [];
    return ((d.groups ?? []) as Obj[]).map((g) => String(g.name));
  }

  /** The served versions of a CRD; [] when the CRD does not exist. */
  async crdServedVersions(name: string): Promise<string[]> {
    const crd = await this.get('crd', name);
    if (!crd) return [];
    return ((crd.spec?.versions ?? []) as Obj[]).filter((v) => v.served).map((v) => String(v.name));
  }

  async canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
    const args = ['auth', 'can-i', verb, resource];
    if (namespace) args.push('-n', namespace);
    const r = await this.run(args);
    return r.stdout.trim() === 'yes';
  }

  async currentContext(): Promise<string | null> {
    if (this.opts.context) return this.opts.context;
    const r = await this.run(['config', 'current-context']);
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  async serverUrl(): Promise<string | null> {
    const r = await this.run(['config', 'view', '--minify', '-o', 'json']);
    if (r.exitCode !== 0) return null;
    const cfg = JSON.parse(r.stdout) as Obj;
    return (cfg.clusters?.[0]?.cluster?.server as string | undefined) ?? null;
  }

  async version(): Promise<Obj | null> {
    return this.getRaw('/version');
  }
}

/** Platform from the API groups: OpenShift serves route.openshift.io / config.openshift.io. */
export function platformFromGroups(groups: string[]): Platform {
  return groups.some((g) => g === 'route.openshift.io' || g === 'config.openshift.io' || g === 'project.openshift.io') ? 'openshift' : 'kubernetes';
}

/** Strimzi API to render: v1beta2 while the CRD serves it (Strimzi < 1.0, Streams for Apache Kafka), else v1. */
export function strimziApiFromServed(served: string[]): 'v1' | 'v1beta2' | null {
  if (served.includes('v1beta2')) return 'v1beta2';
  if (served.includes('v1')) return 'v1';
  return null;
}

export function kubeError(what: string, r: RunResult, hint?: string): CmaError {
  let h = hint;
  let msg = kubectlMessage(r.stderr || r.stdout, 3);
  if (/Unauthorized|You must be logged in|provide credentials/i.test(r.stderr)) h = 'log in again (oc login / refresh the kubeconfig credentials)';
  else if (/connection refused|no such host|i\/o timeout|Unable to connect to the server|dial tcp/i.test(r.stderr)) {
    h = 'the API server is unreachable: check --kubeconfig/--context and the network';
    msg = kubectlMessage(r.stderr, 1); // kubectl's own summary line; its retries repeat the same cause
  } else if (/forbidden/i.test(r.stderr)) h = 'your user lacks the permission named above; ask a cluster admin or run `cma-demo status` to see what is missing';
  return new CmaError(`${what} failed: ${msg}`, { hint: h, exitCode: ExitCode.ENV, code: 'KUBE' });
}

/** A klog header: `E1202 11:31:54.407518    9156 memcache.go:265] `. */
const KLOG = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\] /;

/**
 * kubectl's error output as a short message: client-go's klog lines (one per discovery retry, each repeating the
 * cause) are dropped when kubectl printed its own summary line, otherwise unwrapped; repeats are removed; at most
 * `n` lines, joined by ' | '.
 */
export function kubectlMessage(text: string, n = 3): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const plain = lines.filter((l) => !KLOG.test(l));
  const chosen = plain.length
    ? plain
    : lines.map((l) => {
        const rest = l.replace(KLOG, '');
        const err = /\berr="((?:[^"\\]|\\.)*)"/.exec(rest);
        return err ? err[1]!.replace(/\\"/g, '"') : rest;
      });
  const unique = [...new Set(chosen)];
  return unique.slice(0, n).join(' | ') + (unique.length > n ? ' …' : '');
}

export const toYaml = (o: unknown): string => YAML.stringify(o);
