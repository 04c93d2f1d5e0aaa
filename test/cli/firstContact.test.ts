/** The binary's answers to the first-contact mistakes of issue 11: each exits with the right code, early, naming the culprit. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, runCli } from '../helpers/cli.js';
import { cliEnv, requireTestKafka } from '../helpers/kafka.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-first-contact-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const FILE = path.join(scratch, 'FILE');
fs.writeFileSync(FILE, 'a regular file\n');

describe('directories are checked before any work starts', () => {
  it('run case1 --report-dir FILE/sub exits 3 naming the path and the flag, before producing anything', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast', '--report-dir', path.join(FILE, 'sub')], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/sub (--report-dir)`);
    expect(r.stderr).not.toContain('created topic');
    expect(r.stderr).not.toContain('bug');
    expect(r.stdout).toBe('');
  });

  it('CMA_DEMO_STATE under a regular file exits 3 naming the variable', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast'], { env: cliEnv({ CMA_DEMO_STATE: path.join(FILE, 'state') }) });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/state (CMA_DEMO_STATE)`);
    expect(r.stderr).not.toContain('created topic');
  });

  it('CMA_DEMO_STATE=/proc/x: local up exits 3 instead of spinning', async () => {
    const r = await runCli(['local', 'up'], { env: { CMA_DEMO_STATE: '/proc/x' } });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('(CMA_DEMO_STATE)');
  });

  it('CMA_DEMO_STATE under a regular file: lab up exits 3 naming the variable, before any build', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-empty-cache-'));
    const r = await runCli(['lab', 'up'], { env: { CMA_DEMO_STATE: path.join(FILE, 'state'), CMA_DEMO_CACHE: cache } });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/state/lab (CMA_DEMO_STATE)`);
    expect(fs.readdirSync(cache)).toEqual([]);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('CMA_DEMO_CACHE under a regular file exits 3 naming the variable', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast'], { env: cliEnv({ CMA_DEMO_CACHE: path.join(FILE, 'cache') }) });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${FILE}/cache (CMA_DEMO_CACHE)`);
  });
});

describe('cases that cannot pass are refused before they run', () => {
  it('run case1 --fast=50 exits 2 naming the field that becomes impossible', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast=50'], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('load.0.records 200 → 4');
    expect(r.stderr).toContain('settings.activationLagThreshold 10');
    expect(r.stderr).not.toContain('created topic');
  });

  it('a scenario with no load: exits 2 naming file:line', async () => {
    const f = path.join(scratch, 'noload.yaml');
    fs.writeFileSync(f, 'name: noload\ndescription: d.\npartitions: 3\nexpectations:\n  - { kind: no-loss }\n');
    const r = await runCli(['run', f, '--target', 'local'], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${f}:1: load: is missing`);
  });
});

describe('Kafka connection mistakes', () => {
  it('an unknown host says it cannot resolve the host (DNS), exit 3', async () => {
    const r = await runCli(['produce', '--num-records', '10', '--bootstrap-server', 'no-such-host.invalid:9092']);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('cannot resolve host no-such-host.invalid (DNS');
    expect(r.stderr).not.toContain('deadline');
  });

  it('a garbage line in --command-config exits 2 naming file:line', async () => {
    const f = path.join(scratch, 'client.properties');
    fs.writeFileSync(f, 'security.protocol=PLAINTEXT\nthis is garbage\n', { mode: 0o600 });
    const r = await runCli(['lag', '--group', 'g', '--command-config', f]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${f}:2: "this" is not followed by = or :`);
  });
});

describe('run takes the Kafka connection options', () => {
  it('--help lists them', async () => {
    const r = await runCli(['run', '--help']);
    for (const o of ['--bootstrap-server', '--security-protocol', '--command-config', '--password-file']) expect(r.stdout).toContain(o);
  });

  it('a security protocol that does not exist exits 2 before any work, also from CMA_DEMO_SECURITY_PROTOCOL', async () => {
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast'], { env: cliEnv({ CMA_DEMO_SECURITY_PROTOCOL: 'TLS' }) });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown security protocol "TLS" (--security-protocol (or CMA_DEMO_SECURITY_PROTOCOL))');
    expect(r.stderr).not.toContain('created topic');
  });

  it('on the cluster target, a protocol without a bootstrap server is refused, not ignored', async () => {
    const r = await runCli(['run', 'case1', '--target', 'cluster', '--security-protocol', 'SASL_SSL'], { env: cliEnv() });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('--security-protocol (or the CMA_DEMO_* twin) given with --target cluster but no --bootstrap-server');
  });

  it("CMA_DEMO_SECURITY_PROTOCOL=SASL_PLAINTEXT runs case1 through the local broker's SCRAM listener", async () => {
    const k = requireTestKafka();
    const tmp = fs.mkdtempSync(path.join(scratch, 'tmp-')); // the run's TMPDIR: its temp dirs must be gone afterwards
    const env = cliEnv({ CMA_DEMO_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', TMPDIR: tmp });
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast', '--run-id', `sasl${process.pid}`], { env, timeout: 300_000 });
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain(`local target: Kafka at ${k.saslBootstrap} (SASL_PLAINTEXT as ${k.username}, from local broker)`);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('cma-'))).toEqual([]); // no cma-run-* (consumer logs) or cma-audit-* left
  }, 320_000);

  it('--bootstrap-server on the local target runs the case against that Kafka and starts no broker', async () => {
    const k = requireTestKafka();
    const state = fs.mkdtempSync(path.join(scratch, 'state-')); // no broker recorded here: one would have to be started
    const r = await runCli(['run', 'case1', '--target', 'local', '--fast', '--run-id', `bs${process.pid}`, '--bootstrap-server', k.bootstrap], {
      env: { CMA_DEMO_STATE: state },
      timeout: 300_000,
    });
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain(`local target: Kafka at ${k.bootstrap} (PLAINTEXT, from --bootstrap-server); no local broker`);
    expect(fs.existsSync(path.join(state, 'local-kafka', 'state.json'))).toBe(false);
  }, 320_000);
});

describe('an unreachable cluster', () => {
  const kubeconfig = path.join(scratch, 'dead.kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster: { server: "https://no-such-host.invalid:6443" }\ncontexts:\n- name: dead\n  context: { cluster: dead, user: u }\ncurrent-context: dead\nusers:\n- name: u\n  user: { token: x }\n',
  );

  it('commands without --platform/--dry-run are not told to use them; setup is', async () => {
    for (const args of [['teardown', '--yes'], ['lag', '--target', 'cluster'], ['status']]) {
      const r = await runCli([...args, '--kubeconfig', kubeconfig]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr, args.join(' ')).not.toMatch(/--platform|--dry-run/);
    }
    const setup = await runCli(['setup', '--kubeconfig', kubeconfig]);
    expect(setup.exitCode).toBe(3);
    expect(setup.stderr).toContain('cma-demo setup --dry-run --platform openshift|kubernetes');
  });

  it("setup --platform kubernetes prints one short message, not kubectl's retries", async () => {
    const r = await runCli(['setup', '--platform', 'kubernetes', '--kubeconfig', kubeconfig]);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr.match(/no such host/g)).toHaveLength(1);
    expect(r.stderr).not.toContain('memcache.go');
    expect(r.stderr.length).toBeLessThan(400);
  });
});

describe('teardown --dry-run and its prompt', () => {
  // A kubectl stand-in: a Kubernetes API with one labelled ScaledObject and Deployment; any delete is recorded.
  const fake = path.join(scratch, 'kubectl-fake.mjs');
  const deletes = path.join(scratch, 'deletes.log');
  fs.writeFileSync(
    fake,
    `#!/usr/bin/env node
import fs from 'node:fs';
const a = process.argv.slice(2).filter((x, i, all) => !['--kubeconfig', '--context'].includes(x) && !['--kubeconfig', '--context'].includes(all[i - 1]));
const out = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
if (a[0] === 'get' && a[1] === '--raw') out({ groups: [{ name: 'apps' }, { name: 'keda.sh' }] });
if (a[0] === 'config' && a[1] === 'view') out({ clusters: [{ cluster: { server: 'https://fake.example:6443' } }] });
if (a[0] === 'config' && a[1] === 'current-context') { process.stdout.write('fake-ctx\\n'); process.exit(0); }
if (a[0] === 'delete') { fs.appendFileSync(${JSON.stringify(deletes)}, a.join(' ') + '\\n'); process.exit(0); }
if (a[0] === 'get') {
  const items = { 'scaledobjects.keda.sh': [{ kind: 'ScaledObject', metadata: { name: 'cma-demo-consumer' } }], 'deployments.apps': [{ kind: 'Deployment', metadata: { name: 'cma-demo-consumer' } }] }[a[1]] ?? [];
  out({ items });
}
process.stderr.write('fake kubectl: unexpected ' + a.join(' ') + '\\n'); process.exit(1);
`,
    { mode: 0o755 },
  );

  it('lists what would be deleted on stdout, deletes nothing, needs no --yes', async () => {
    const r = await runCli(['teardown', '--dry-run', '-n', 'demo-ns'], { env: { CMA_DEMO_KUBECTL: fake, CMA_DEMO_STATE: scratch } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'would delete ScaledObject/cma-demo-consumer -n demo-ns',
      'would delete Deployment/cma-demo-consumer -n demo-ns',
    ]);
    expect(r.stderr).toContain('(context fake-ctx)');
    expect(fs.existsSync(deletes)).toBe(false);
    const j = await runCli(['-o', 'json', 'teardown', '--dry-run', '-n', 'demo-ns'], { env: { CMA_DEMO_KUBECTL: fake, CMA_DEMO_STATE: scratch } });
    expect(JSON.parse(j.stdout)).toMatchObject({
      dryRun: true,
      context: 'fake-ctx',
      wouldDelete: [{ object: 'ScaledObject/cma-demo-consumer -n demo-ns' }, { object: 'Deployment/cma-demo-consumer -n demo-ns' }],
    });
  });

  it('teardown and status --help show examples', async () => {
    for (const c of ['teardown', 'status']) {
      const r = await runCli([c, '--help']);
      expect(r.stdout).toMatch(new RegExp(`Examples:\\n  \\$ cma-demo ${c}`));
    }
  });
});

describe('cma-demo completion', () => {
  /** What bash completes for the words typed so far (the last one is being completed). */
  async function complete(words: string[]): Promise<string[]> {
    const script = `source <("${process.execPath}" "${BIN}" completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cma_demo; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await execa('bash', ['-c', script], { reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return String(r.stdout).split('\n').filter(Boolean);
  }

  it('bash completes commands, subcommands, options, their values and case names from the program itself', async () => {
    expect(await complete(['cma-demo', 'lo'])).toEqual(['local']);
    expect(await complete(['cma-demo', 'local', ''])).toEqual(['up', 'status', 'down']);
    expect(await complete(['cma-demo', 'teardown', '--dr'])).toEqual(['--dry-run']);
    expect(await complete(['cma-demo', 'run', '--target', ''])).toEqual(['local', 'cluster']);
    expect(await complete(['cma-demo', 'run', '-o', 'json', 'case'])).toEqual(['case1', 'case2', 'case3', 'case4']);
    expect(await complete(['cma-demo', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('an unknown shell exits 2', async () => {
    const r = await runCli(['completion', 'tcsh']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no completion for shell "tcsh"');
  });
});

describe('Ctrl-C during local up', () => {
  it('stops the broker it started, removes its state and lock, exits 130 saying so', async () => {
    const state = fs.mkdtempSync(path.join(scratch, 'up-state-'));
    const stateFile = path.join(state, 'local-kafka', 'state.json');
    const child = execa(process.execPath, [BIN, 'local', 'up'], { env: { NO_COLOR: '1', CMA_DEMO_STATE: state }, reject: false });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    // Wait for the condition "a broker was spawned" (its state file is written right after the spawn).
    const deadline = Date.now() + 120_000;
    // The file may exist before its content is written: wait until it holds the pid.
    const readPid = (): number | null => {
      try {
        return (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { pid: number }).pid ?? null;
      } catch {
        return null;
      }
    };
    while (readPid() === null && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pid = readPid();
    expect(pid, stderr).not.toBeNull();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, stderr).toBe(130);
    expect(stderr).toContain(`stopping the broker it started (pid ${pid})`);
    expect(() => process.kill(pid, 0)).toThrow(); // the JVM is gone
    expect(fs.existsSync(stateFile)).toBe(false);
    expect(fs.existsSync(path.join(state, 'local-kafka', '.lock'))).toBe(false);
  }, 180_000);
});
