/**
 * Secrets on the kubectl path (the OpenShift path is covered by the fake-oc setup test): setup, status and
 * teardown on a Kubernetes lab with kubectl replaced by test/fakes/oc used as a RECORDING kubectl (it forwards
 * every verb to kubectl and logs each argv). The KafkaUser Secret holds the test broker's real password; it must
 * reach the credential Secret (through stdin) and appear in no output and no child's command line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, ROOT } from '../lab/lab.js';
import { cli, startPlayedLab, tempState } from './helpers.js';
import type { OperatorPlayer } from './operators.js';
import { uniqueName, produceSequenced } from '../helpers/kafka.js';

let lab: Lab;
let player: OperatorPlayer;
let password: string;
const state = tempState();
const ns = uniqueName('sec');
const topic = uniqueName('t');
const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-reckubectl-')), 'argv.log');
const env = { CMA_DEMO_STATE: state, CMA_DEMO_SOURCE_HASH: 'h', CMA_DEMO_KUBECTL: path.join(ROOT, 'test/fakes/oc'), CMA_DEMO_FAKE_OC_LOG: log };

beforeAll(async () => {
  ({ lab, player, password } = await startPlayedLab(ns, { seedKeda: true }));
  await produceSequenced(topic, 10, { partitions: 3 });
});
afterAll(async () => {
  await player?.stop();
  await lab?.stop();
});

describe('secrets on Kubernetes (fake oc as a recording kubectl)', () => {
  it('the KafkaUser password reaches the credential Secret but no output and no kubectl argv of setup, status, teardown (fake oc)', async () => {
    expect(password.length).toBeGreaterThan(8);
    const outputs: string[] = [];
    const setup = await cli(
      lab,
      ['setup', '-n', ns, '--image', 'quay.io/example/cma-demo:test', '--topic', topic, '--partitions', '3', '--max-replicas', '3', '--timeout', '60'],
      env,
    );
    outputs.push(setup.stdout, setup.stderr);
    expect(setup.stderr).not.toMatch(/error:/);
    expect(setup.exitCode).toBe(0);
    const sec = JSON.parse(await lab.k(['get', 'secret', 'keda-kafka-credential', '-n', ns, '-o', 'json']));
    expect(Buffer.from(sec.data.password, 'base64').toString()).toBe(password);
    for (const args of [
      ['status', '-n', ns],
      ['-o', 'json', 'status', '-n', ns],
      ['teardown', '-n', ns, '--yes'],
    ]) {
      const r = await cli(lab, args, env);
      outputs.push(r.stdout, r.stderr);
    }
    const argvs = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).argv as string[]);
    // the recorder really saw the work: the credential Secret's apply and a read of the KafkaUser's Secret
    expect(argvs.length).toBeGreaterThan(20);
    expect(argvs.some((a) => a.includes('apply') && a.includes('--server-side'))).toBe(true);
    expect(argvs.some((a) => a.includes('get') && a.includes('secret'))).toBe(true);
    for (const a of argvs) expect(a.join(' ').includes(password), a.join(' ')).toBe(false);
    for (const t of outputs) expect(t.includes(password)).toBe(false);
    // and not base64-encoded either
    const b64 = Buffer.from(password).toString('base64');
    for (const t of [...outputs, ...argvs.map((a) => a.join(' '))]) expect(t.includes(b64)).toBe(false);
  });
});
