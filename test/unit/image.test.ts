import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedStep, hasRegistry, pickBuilder, ulimitArgs, wantedNetwork, buildArgs } from '../../src/image/builder.js';
import { containerName, podmanRunArgs } from '../../src/lab/launchers.js';
import { CmaError } from '../../src/errors.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96362                96362                processes
Max open files            1024                 20000                files
`;

describe('image builder: pure parts', () => {
  it("ulimits: this process's hard open-files limit, processes capped at 32768, nothing without /proc", () => {
    expect(ulimitArgs(LIMITS)).toEqual(['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768']);
    expect(ulimitArgs(LIMITS.replace('96362                96362', '4096                 4096'))).toContain('nproc=4096:4096');
    expect(ulimitArgs(LIMITS.replace('1024                 20000', 'unlimited            unlimited'))).toEqual(['--ulimit', 'nproc=32768:32768']);
    expect(ulimitArgs(null)).toEqual([]);
  });
  it('names the step a build failed at, for podman/buildah, BuildKit and the classic builder', () => {
    expect(failedStep('STEP 4/9: RUN npm ci\nError: building at STEP "RUN npm ci": while running runtime: exit status 1')).toBe('RUN npm ci');
    expect(failedStep('ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1')).toBe('RUN npm ci');
    expect(failedStep("The command '/bin/sh -c npm ci' returned a non-zero code: 1")).toBe('RUN npm ci');
    expect(failedStep('Error: no such file Containerfile')).toBeNull();
    expect(wantedNetwork('npm error code EAI_AGAIN')).toBe(true);
    expect(wantedNetwork('Error: Cannot find module x')).toBe(false);
  });
  it('every build runs with --network none, the base as a build arg, buildah with bud', () => {
    const a = buildArgs({ builder: { name: 'podman', bin: 'podman' }, contextDir: '/c', tag: 't:1', base: 'b:2' });
    expect(a.slice(0, 3)).toEqual(['build', '--network', 'none']);
    expect(a).toContain('BASE=b:2');
    expect(a.at(-1)).toBe('/c');
    expect(buildArgs({ builder: { name: 'buildah', bin: 'buildah' }, contextDir: '/c', tag: 't' })[0]).toBe('bud');
    expect(buildArgs({ builder: { name: 'docker', bin: 'docker' }, contextDir: '/c', tag: 't' })).not.toContain('--ulimit');
  });
  it('a push needs a registry in the tag', () => {
    expect(hasRegistry('quay.io/me/cma-demo:1')).toBe(true);
    expect(hasRegistry('localhost:5000/cma-demo')).toBe(true);
    expect(hasRegistry('cma-demo:1')).toBe(false);
    expect(hasRegistry('me/cma-demo:1')).toBe(false);
    expect(hasRegistry('localhost/cma-demo:lab')).toBe(false); // podman's local storage, not a registry
  });
  it('picks the first builder on PATH, refuses an unknown one (2) and a missing one (3)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-builders-'));
    for (const b of ['buildah', 'docker']) fs.writeFileSync(path.join(dir, b), '#!/bin/sh\n', { mode: 0o755 });
    expect(pickBuilder(undefined, { PATH: dir }).name).toBe('buildah');
    expect(pickBuilder('docker', { PATH: dir }).name).toBe('docker');
    const missing = (() => {
      try {
        pickBuilder('podman', { PATH: dir });
      } catch (e) {
        return e as CmaError;
      }
    })();
    expect(missing?.exitCode).toBe(3);
    expect(missing?.message).toMatch(/podman is not on PATH/);
    expect(() => pickBuilder('kaniko', { PATH: dir })).toThrow(/--builder must be one of podman, buildah, docker/);
    expect(() => pickBuilder(undefined, { PATH: path.join(dir, 'none') })).toThrow(/no image builder on PATH/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('lab pods as containers: podman run arguments', () => {
  const r = {
    ns: 'keda-cma-kafka',
    name: 'kafka-consumer-7d9-x2',
    image: 'cma-demo:test',
    args: ['consume', '--port', '41234'],
    env: { CMA_DEMO_KAFKA_PASSWORD: 's3cret-value', CMA_DEMO_TOPIC: 'test-in' },
  };
  const a = podmanRunArgs(r, 'cma-demo-lab', ['--ulimit', 'nofile=20000:20000']);
  it('host network, pull policy Never, labelled, the image then its args', () => {
    expect(a.slice(0, 2)).toEqual(['run', '--rm']);
    expect(a.join(' ')).toMatch(/--network host --pull never --label cma-demo\.io\/lab-node=cma-demo-lab/);
    expect(a.slice(-4)).toEqual(['cma-demo:test', 'consume', '--port', '41234']);
    expect(a).toContain(containerName(r.ns, r.name));
  });
  it('env values, secrets included, never appear in the arguments (podman takes them from its environment)', () => {
    expect(a.join(' ')).not.toContain('s3cret-value');
    expect(a.join(' ')).not.toContain('test-in');
    expect(a.join(' ')).toMatch(/-e CMA_DEMO_KAFKA_PASSWORD/);
  });
});
