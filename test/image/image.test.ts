/**
 * The consumer image built and run for real with podman (issue 12): a Node base made without any registry
 * (scripts/image/local-node-base.sh: debootstrap + this host's node, cached in $CMA_DEMO_CACHE/image), the image
 * from the package's Containerfile with `cma-demo image build --base`, then the image run against the test broker.
 * Runs where podman and debootstrap are on PATH (as root); elsewhere the suite is skipped and says why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { groupLag, produceSequenced, requireTestKafka, uniqueName, withAdmin } from '../helpers/kafka.js';
import { hostUlimitArgs } from '../../src/image/builder.js';
import { VERSION } from '../../src/version.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const onPath = (b: string) => (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, b)));
const missing = ['podman', 'debootstrap'].filter((b) => !onPath(b));
const why = missing.length
  ? `${missing.join(' and ')} not on PATH (apt-get install podman debootstrap)`
  : process.getuid?.() !== 0
    ? 'not root (debootstrap needs root)'
    : '';
if (why) console.warn(`test/image: the image suite is SKIPPED: ${why}`);

const TAG = `localhost/cma-demo:test-${process.pid}`;
const ULIMITS = hostUlimitArgs({ name: 'podman', bin: 'podman' });
let base = '';

describe.skipIf(Boolean(why))('the consumer image, built and run with podman', () => {
  beforeAll(async () => {
    const r = await execa(path.join(ROOT, 'scripts/image/local-node-base.sh'), [], { reject: false, timeout: 600_000 });
    if (r.exitCode !== 0) throw new Error(`local-node-base.sh failed: ${r.stderr}`);
    base = r.stdout.trim().split('\n').pop()!;
  }, 660_000);
  afterAll(async () => {
    await execa('podman', ['rmi', '--force', TAG], { reject: false });
  });

  it('image build --base <local Node image> builds from the Containerfile with no network, and reports the image and its size', async () => {
    const r = await runCli(['-o', 'json', 'image', 'build', '--base', base, '--tag', TAG], { timeout: 600_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ image: TAG, builder: 'podman', base, version: VERSION, pushed: false });
    expect(doc.sizeBytes).toBeGreaterThan(50e6);
    expect(r.stderr).toMatch(/--network none/);
    expect(r.stderr).toMatch(/STEP \d+\/\d+: COPY rootfs\/ \//);
  }, 600_000);

  it('runs as a non-root uid, and --version prints the package version', async () => {
    const v = await execa('podman', ['run', '--rm', ...ULIMITS, TAG, '--version'], { reject: false });
    expect(v.stdout.trim(), v.stderr).toBe(VERSION);
    const uid = await execa('podman', ['run', '--rm', ...ULIMITS, '--entrypoint', 'id', TAG, '-u'], { reject: false });
    expect(Number(uid.stdout.trim()), uid.stderr).toBeGreaterThan(0);
  }, 120_000);

  it('consume in a container processes records from the local broker and commits; SIGTERM gives exit 0 and a committed position', async () => {
    const k = requireTestKafka();
    const topic = uniqueName('img');
    const group = uniqueName('g');
    await produceSequenced(topic, 300, { partitions: 3 });
    const name = uniqueName('cma-img');
    const child = execa(
      'podman',
      [
        'run',
        '--rm',
        '--name',
        name,
        '--network',
        'host',
        ...ULIMITS,
        '-e',
        'CMA_DEMO_BOOTSTRAP_SERVER',
        TAG,
        'consume',
        '--group',
        group,
        '--topic',
        topic,
        '--offset-reset',
        'earliest',
      ],
      { reject: false, env: { CMA_DEMO_BOOTSTRAP_SERVER: k.bootstrap } },
    );
    try {
      // wait on the condition: every record committed (twice: the first batch, then records sent while it runs)
      const drained = async () => {
        const deadline = Date.now() + 120_000;
        let lag = await groupLag(group, topic);
        while (lag.total !== 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 500));
          lag = await groupLag(group, topic);
        }
        return lag.total;
      };
      expect(await drained()).toBe(0);
      await produceSequenced(topic, 30, { start: 300 });
      expect(await drained()).toBe(0);
      await execa('podman', ['kill', '--signal', 'TERM', name]);
      const res = await child;
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/consume: stopped after 330 records \(SIGTERM\)/);
      const ends = await withAdmin((a) => a.endOffsets(topic));
      const committed = await withAdmin((a) => a.committedOffsets(group, [topic]));
      expect(committed.map((c) => c.offset)).toEqual(ends.map((e) => e.high));
    } finally {
      child.kill('SIGKILL');
      await execa('podman', ['rm', '--force', '--ignore', name], { reject: false });
    }
  }, 240_000);

  it('a Containerfile step that needs the network fails the build, naming the step and why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-img-bad-'));
    const file = path.join(dir, 'Containerfile');
    fs.writeFileSync(
      file,
      [
        'ARG BASE',
        'FROM ${BASE}',
        'COPY rootfs/ /',
        `RUN ["node", "-e", "require('https').get('https://registry.npmjs.org/kafkajs', () => process.exit(0)).on('error', (e) => { console.error(e.code); process.exit(1); })"]`,
      ].join('\n') + '\n',
    );
    const r = await runCli(['image', 'build', '--base', base, '--tag', `${TAG}-bad`, '--file', file], { timeout: 300_000 });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.exitCode).toBe(3);
    // podman/buildah print the exec form's words joined: RUN node -e …
    expect(r.stderr).toMatch(/error: podman build of \S+ failed at step RUN node -e require\('https'\).*: (EAI_AGAIN|ENOTFOUND|ENETUNREACH)/);
    expect(r.stderr).toMatch(/hint: the build has no network/);
    const exists = await execa('podman', ['image', 'exists', `${TAG}-bad`], { reject: false });
    expect(exists.exitCode).not.toBe(0);
  }, 300_000);
});
