import { describe, expect, it } from 'vitest';
import { commandLine, planContainer, type RefReader } from '../../src/lab/podSpec.js';

const secrets: Record<string, Record<string, string>> = {
  'Secret/cred': { username: 'u1', password: 'p1' },
  'ConfigMap/cfg': { topic: 't1' },
};
const reader: RefReader = async (kind, _ns, name) => secrets[`${kind}/${name}`];

const pod = (container: Record<string, unknown>) => ({ metadata: { name: 'p-1', namespace: 'ns1' }, spec: { containers: [{ name: 'c', ...container }] } });

describe('lab pod runner: what runs', () => {
  it('runs a container whose command is cma-demo, with command tail then args', () => {
    expect(commandLine({ name: 'c', command: ['cma-demo', 'consume'], args: ['--group', 'g'] })).toEqual({ ok: true, args: ['consume', '--group', 'g'] });
    expect(commandLine({ name: 'c', command: ['/usr/local/bin/cma-demo'], args: ['consume'] })).toEqual({ ok: true, args: ['consume'] });
    expect(commandLine({ name: 'c', command: ['node', '/opt/cma-demo/bin/cma-demo.js'], args: ['consume'] })).toEqual({ ok: true, args: ['consume'] });
  });
  it('runs the image entry point of a cma-demo image when there is no command', () => {
    expect(commandLine({ name: 'c', image: 'quay.io/x/cma-demo:latest', args: ['consume'] })).toEqual({ ok: true, args: ['consume'] });
  });
  it('refuses other commands and images, naming the container', () => {
    const r = commandLine({ name: 'c', command: ['sh', '-c', 'sleep 1'] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/container c: command .*sh.* is not cma-demo/);
    expect(commandLine({ name: 'c', image: 'nginx:1' }).ok).toBe(false);
    expect(commandLine({ name: 'c', image: 'example.com/not-cma-demo-ish:1' }).ok).toBe(false);
  });
});

describe('lab pod runner: environment and ports', () => {
  it('resolves value, secretKeyRef, configMapKeyRef, fieldRef and envFrom', async () => {
    const r = await planContainer(
      pod({
        command: ['cma-demo'],
        args: ['consume', '--port', '8080'],
        readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'A', value: 'x' },
          { name: 'USER', valueFrom: { secretKeyRef: { name: 'cred', key: 'username' } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'cred', key: 'password' } } },
          { name: 'T', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'topic' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      }),
      reader,
    );
    expect(r).toEqual({
      ok: true,
      plan: {
        args: ['consume', '--port', '8080'],
        env: { CFG_topic: 't1', A: 'x', USER: 'u1', PW: 'p1', T: 't1', POD: 'p-1' },
        portArgIndex: 2,
        probe: { path: '/healthz' },
      },
    });
  });
  it('a missing Secret or key is CreateContainerConfigError (as the kubelet says), unless optional', async () => {
    const missingKey = await planContainer(
      pod({ command: ['cma-demo'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'cred', key: 'nope' } } }] }),
      reader,
    );
    expect(missingKey).toEqual({ ok: false, reason: 'CreateContainerConfigError', message: "couldn't find key nope in Secret ns1/cred" });
    const missingSecret = await planContainer(
      pod({ command: ['cma-demo'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }),
      reader,
    );
    expect(missingSecret).toMatchObject({ ok: false, reason: 'CreateContainerConfigError', message: 'secret "gone" not found' });
    const optional = await planContainer(
      pod({ command: ['cma-demo'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } }] }),
      reader,
    );
    expect(optional.ok).toBe(true);
  });
  it('a readiness probe needs a --port to be served on', async () => {
    const r = await planContainer(pod({ command: ['cma-demo'], args: ['consume'], readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } }), reader);
    expect(r).toMatchObject({ ok: false, reason: 'UnsupportedPod' });
  });
  it('pods with several containers are refused', async () => {
    const r = await planContainer({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, reader);
    expect(r).toMatchObject({ ok: false, reason: 'UnsupportedPod' });
  });
});
