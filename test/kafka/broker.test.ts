import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isPortFree } from '../../src/local/ports.js';

// Its own broker in its own state dir (the shared test broker is never stopped by a test).
describe('cma-demo local up|status|down (the binary, own CMA_DEMO_STATE)', () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-local-test-'));
  const env = { CMA_DEMO_STATE: state };
  let pid = 0;

  afterAll(async () => {
    await runCli(['local', 'down'], { env });
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(state, { recursive: true, force: true });
  });

  it('up without java on PATH: exit 3 naming java and the fix, nothing started', async () => {
    const r = await runCli(['local', 'up'], { env: { ...env, PATH: '/nonexistent-bin' } });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('error: java was not found on PATH');
    expect(r.stderr).toMatch(/hint: install a Java 17\+ runtime/);
    expect((await runCli(['local', 'status'], { env })).exitCode).toBe(3);
  });

  it('a broker that dies on start: exit 3 with the cause and the log file, nothing left running', async () => {
    const r = await runCli(['local', 'up'], { env: { ...env, CMA_DEMO_KAFKA_HEAP: '999999g' } });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/error: the Kafka broker exited during start; log: \S+broker\.log/);
    expect(r.stderr).toContain('Could not reserve enough space');
    expect((await runCli(['local', 'status'], { env })).exitCode).toBe(3);
    const bad = await runCli(['local', 'up'], { env: { ...env, CMA_DEMO_KAFKA_HEAP: 'lots' } });
    expect(bad.exitCode).toBe(2);
  });

  it('status exits 3 when no broker runs', async () => {
    const r = await runCli(['local', 'status', '-o', 'json'], { env });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ running: false });
    expect(r.stderr).toContain('no local Kafka broker runs');
  });

  it('up starts a broker, a second up reuses it, status reports it, down stops it and frees its ports', async () => {
    // Watch every process command line while the broker is formatted and started (the secret check below).
    const seen = new Map<string, string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const d of fs.readdirSync('/proc')) {
          if (!/^\d+$/.test(d)) continue;
          try {
            const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
            if (cmd) seen.set(`${d}:${cmd}`, cmd);
          } catch {
            /* gone */
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const up = await runCli(['local', 'up', '-o', 'json'], { env });
    watching = false;
    await watcher;
    expect(up.exitCode, up.stderr).toBe(0);
    const first = JSON.parse(up.stdout);
    expect(first).toMatchObject({ running: true, started: true, username: 'cma-demo', version: expect.stringMatching(/^4\./) });
    expect(first.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.saslBootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    pid = first.pid;
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    expect(fs.statSync(first.passwordFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(first.logFile)).toBe(true);

    // The generated password: only in its mode-0600 file, never in a command line (format's java and the
    // broker's included), output, the log, the state file or server.properties.
    const password = fs.readFileSync(first.passwordFile, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(16);
    const cmdlines = [...seen.values()];
    expect(cmdlines.some((c) => c.includes('format.args'))).toBe(true); // the watcher did see the format step
    expect(cmdlines.some((c) => c.includes('start.args'))).toBe(true); // … and the broker
    expect(cmdlines.filter((c) => c.includes(password))).toEqual([]);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password);
    const dir = path.dirname(first.passwordFile);
    for (const f of fs.readdirSync(dir)) {
      if (f === 'password' || f === 'data') continue;
      expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).not.toContain(password);
    }
    expect(fs.existsSync(path.join(dir, 'format.args'))).toBe(false);
    expect(up.stdout + up.stderr).not.toContain(password);

    const again = await runCli(['local', 'up', '-o', 'json'], { env });
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ started: false, pid, bootstrap: first.bootstrap });

    const st = await runCli(['local', 'status', '-o', 'json'], { env });
    expect(st.exitCode).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({
      running: true,
      bootstrap: first.bootstrap,
      saslBootstrap: first.saslBootstrap,
      username: 'cma-demo',
      pid,
      version: first.version,
      logFile: first.logFile,
    });

    const down = await runCli(['local', 'down', '-o', 'json'], { env });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ stopped: true });
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(fs.existsSync(first.dataDir)).toBe(false);
    for (const hp of [first.bootstrap, first.saslBootstrap]) expect(await isPortFree(Number(hp.split(':')[1]))).toBe(true);

    const after = await runCli(['local', 'status'], { env });
    expect(after.exitCode).toBe(3);
    const downAgain = await runCli(['local', 'down', '-o', 'json'], { env });
    expect(downAgain.exitCode).toBe(0);
    expect(JSON.parse(downAgain.stdout)).toMatchObject({ stopped: false });
  });

  it('treats state of a dead broker as stale: status exits 3 and up starts a new one', async () => {
    const up = await runCli(['local', 'up', '-o', 'json'], { env });
    expect(up.exitCode, up.stderr).toBe(0);
    const first = JSON.parse(up.stdout);
    pid = first.pid;
    process.kill(-pid, 'SIGKILL');
    for (let i = 0; i < 50 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    const st = await runCli(['local', 'status'], { env });
    expect(st.exitCode).toBe(3);
    const up2 = await runCli(['local', 'up', '-o', 'json'], { env });
    expect(up2.exitCode, up2.stderr).toBe(0);
    const second = JSON.parse(up2.stdout);
    expect(second.started).toBe(true);
    expect(second.pid).not.toBe(pid);
    pid = second.pid;
    const down = await runCli(['local', 'down'], { env });
    expect(down.exitCode).toBe(0);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  });
});
