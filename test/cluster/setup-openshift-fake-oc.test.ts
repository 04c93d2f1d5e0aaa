/**
 * `cma-demo setup` end to end against a real kube-apiserver that looks like OpenShift (stand-in CRDs), driving the
 * FAKE oc (test/fakes/oc: kubectl for shared verbs, recorded start-build). The tests play the operators by writing
 * status shapes; Kafka's external listener and the KafkaUser Secret point at the shared local test broker (SASL),
 * so credential discovery and the offset pre-commit run for real.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, ROOT } from '../lab/lab.js';
import { cli, labLog, tempState } from './helpers.js';
import { OperatorPlayer, seedOpenShift } from './operators.js';
import { requireTestKafka, saslConnection, uniqueName, withAdmin, produceSequenced } from '../helpers/kafka.js';

const FAKE_OC = path.join(ROOT, 'test/fakes/oc');
let lab: Lab;
let player: OperatorPlayer;
let password: string;
const state = tempState();
const ocLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-fakeoc-')), 'oc.log');
const env = (hash = 'hash-1') => ({ CMA_DEMO_STATE: state, CMA_DEMO_OC: FAKE_OC, CMA_DEMO_FAKE_OC_LOG: ocLog, CMA_DEMO_SOURCE_HASH: hash });

beforeAll(async () => {
  const k = requireTestKafka();
  password = fs.readFileSync(k.passwordFile, 'utf8').trim();
  lab = await startLab({ strimzi: '0.51', openshift: true, log: labLog });
  await seedOpenShift(lab);
  player = new OperatorPlayer(lab, { namespace: 'unset', externalBootstrap: k.saslBootstrap, username: k.username });
  player.start();
});
afterAll(async () => {
  await player?.stop();
  await lab?.stop();
});

/** The KafkaUser Secret as the User Operator writes it: keys password + sasl.jaas.config, no username. */
async function seedUserSecret(ns: string, user = 'admin'): Promise<void> {
  await lab.kubectl(['create', 'namespace', ns]);
  const k = requireTestKafka();
  await lab.k(
    ['apply', '--server-side', '--field-manager=user-operator', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: user, namespace: ns },
      data: {
        password: Buffer.from(password).toString('base64'),
        'sasl.jaas.config': Buffer.from(
          `org.apache.kafka.common.security.scram.ScramLoginModule required username="${k.username}" password="${password}";`,
        ).toString('base64'),
      },
    }),
  );
}

async function labelledVersions(ns: string): Promise<Record<string, string>> {
  const kinds =
    'namespaces,operatorgroups.operators.coreos.com,subscriptions.operators.coreos.com,kedacontrollers.keda.sh,kafkanodepools.kafka.strimzi.io,kafkas.kafka.strimzi.io,kafkausers.kafka.strimzi.io,kafkatopics.kafka.strimzi.io,secrets,triggerauthentications.keda.sh,imagestreams.image.openshift.io,buildconfigs.build.openshift.io,deployments,scaledobjects.keda.sh';
  const out = JSON.parse(await lab.k(['get', kinds, '--all-namespaces', '-l', 'app.kubernetes.io/managed-by=cma-demo', '-o', 'json']));
  const m: Record<string, string> = {};
  for (const o of out.items)
    if (!o.metadata.namespace || [ns, 'openshift-keda', 'openshift-operators'].includes(o.metadata.namespace))
      m[`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = o.metadata.resourceVersion;
  return m;
}

const readOcLog = (): any[] =>
  fs.existsSync(ocLog)
    ? fs
        .readFileSync(ocLog, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('setup on OpenShift (fake oc)', () => {
  it('an existing KedaController is never re-specced: a foreign watchNamespace stops setup (exit 3), a covering one is left untouched (fake oc)', async () => {
    const ns = uniqueName('kc');
    player.opts = { ...player.opts, namespace: ns, faults: {} };
    await lab.k(
      ['apply', '--server-side', '--field-manager=cma-operator', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'KedaController',
        metadata: { name: 'keda', namespace: 'openshift-keda' },
        spec: { watchNamespace: 'someone-else' },
      }),
    );
    await lab.setStatus('kedacontrollers.keda.sh', 'keda', 'openshift-keda', { phase: 'Installation Succeeded', reason: 'KEDA v2.19.0 is installed' });
    const bad = await cli(lab, ['setup', '-n', ns, '--only', 'keda', '--timeout', '20'], env());
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toMatch(/KedaController openshift-keda\/keda watches namespace "someone-else", not kc-/);
    expect(bad.stderr).toMatch(/hint: .*watchNamespace/);
    await lab.k(['patch', 'kedacontrollers.keda.sh', 'keda', '-n', 'openshift-keda', '--type=merge', '-p', '{"spec":{"watchNamespace":""}}']);
    const before = JSON.parse(await lab.k(['get', 'kedacontrollers.keda.sh', 'keda', '-n', 'openshift-keda', '-o', 'json']));
    const ok = await cli(lab, ['setup', '-n', ns, '--only', 'keda', '--timeout', '20'], env());
    expect(ok.stderr).not.toMatch(/error:/);
    expect(ok.exitCode).toBe(0);
    const after = JSON.parse(await lab.k(['get', 'kedacontrollers.keda.sh', 'keda', '-n', 'openshift-keda', '-o', 'json']));
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
    await lab.k(['delete', 'kedacontrollers.keda.sh', 'keda', '-n', 'openshift-keda']);
  });

  it('a Subscription with ResolutionFailed fails fast with its reason (fake oc)', async () => {
    const ns = uniqueName('sub');
    player.opts = {
      ...player.opts,
      namespace: ns,
      faults: { subscription: { reason: 'ConstraintsNotSatisfiable', message: 'no operators found in channel stable of package amq-streams' } },
    };
    const t0 = Date.now();
    const r = await cli(lab, ['setup', '-n', ns, '--only', 'operators', '--timeout', '120'], env());
    expect(r.exitCode).toBe(3);
    expect(Date.now() - t0).toBeLessThan(60_000); // fail fast, not the 120 s timeout
    expect(r.stderr).toMatch(
      /Subscription openshift-keda\/openshift-custom-metrics-autoscaler-operator: waiting for .status.installedCSV, the cluster reports ConstraintsNotSatisfiable/,
    );
    expect(r.stderr).toMatch(/hint: inspect it with/);
    await lab.k(['delete', 'subscriptions.operators.coreos.com', '--all', '-n', 'openshift-keda']);
    await lab.k(['delete', 'subscriptions.operators.coreos.com', '--all', '-n', 'openshift-operators']);
  });

  it('a package missing from the catalog stops before anything is applied (fake oc)', async () => {
    const ns = uniqueName('pkg');
    player.opts = { ...player.opts, namespace: ns, faults: {} };
    const r = await cli(lab, ['setup', '-n', ns, '--only', 'operators', '--catalog-namespace', 'no-such-marketplace'], env());
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/package openshift-custom-metrics-autoscaler-operator is not in the catalogs of no-such-marketplace/);
    const subs = JSON.parse(await lab.k(['get', 'subscriptions.operators.coreos.com', '--all-namespaces', '-o', 'json']));
    expect(subs.items).toHaveLength(0);
  });

  it('full setup in step order, pre-commit never moves an existing commit, a second run changes nothing (fake oc)', async () => {
    const ns = uniqueName('demo');
    const topic = uniqueName('t');
    const group = uniqueName('g');
    player.opts = { ...player.opts, namespace: ns, faults: {} };
    await seedUserSecret(ns);
    await produceSequenced(topic, 40, { partitions: 4 });
    await produceSequenced(`${topic}-out`, 0, { partitions: 4 });
    await withAdmin((a) => a.commitOffsets(group, topic, [{ partition: 0, offset: 1 }]));
    fs.rmSync(ocLog, { force: true });
    const args = [
      '-o',
      'json',
      'setup',
      '-n',
      ns,
      '--topic',
      topic,
      '--audit-topic',
      `${topic}-out`,
      '--group',
      group,
      '--partitions',
      '4',
      '--max-replicas',
      '4',
      '--timeout',
      '60',
    ];
    const r1 = await cli(lab, args, env());
    expect(r1.stderr).not.toMatch(/error:/);
    expect(r1.exitCode).toBe(0);
    const rep = JSON.parse(r1.stdout);
    expect(rep.steps.map((s: any) => s.id)).toEqual(['namespace', 'operators', 'keda', 'kafka', 'credentials', 'consumer', 'scaledobject']);
    expect(rep.steps.every((s: any) => s.status === 'ok')).toBe(true);
    expect(rep.steps.find((s: any) => s.id === 'credentials').notes.join(' ')).toMatch(
      /pre-committed 3 partition\(s\) .* \(1 already committed, left unchanged\)/,
    );
    const committed = await withAdmin((a) => a.committedOffsets(group, [topic]), saslConnection());
    const ends = await withAdmin((a) => a.endOffsets(topic));
    for (const e of ends) {
      const c = committed.find((x) => x.partition === e.partition)!;
      expect(c.offset, `partition ${e.partition}`).toBe(e.partition === 0 ? 1 : e.high);
    }
    // the credential Secret holds username + password copied from the KafkaUser Secret
    const sec = JSON.parse(await lab.k(['get', 'secret', 'keda-kafka-credential', '-n', ns, '-o', 'json']));
    expect(Buffer.from(sec.data.password, 'base64').toString()).toBe(password);
    expect(Buffer.from(sec.data.username, 'base64').toString()).toBe(requireTestKafka().username);
    // the image was built once, from a temp dir holding the hermetic context: the Containerfile and rootfs/ with the
    // packed package installed with its production dependencies (the same context as `cma-demo image build`)
    const builds = readOcLog().filter((l) => l.verb === 'start-build');
    expect(builds).toHaveLength(1);
    expect(builds[0].files).toEqual(['Containerfile', 'rootfs']);
    expect(builds[0].hermetic).toBe(true);
    expect(builds[0].follow).toBe(true);
    expect(builds[0].fromDir.startsWith(os.tmpdir())).toBe(true);
    // the default target is recorded
    const last = JSON.parse(fs.readFileSync(path.join(state, 'last-setup.json'), 'utf8'));
    expect(last).toMatchObject({ namespace: ns, context: 'cma-demo-lab', platform: 'openshift', cluster: lab.server });

    const before = await labelledVersions(ns);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(15);
    const r2 = await cli(lab, args, env());
    expect(r2.exitCode).toBe(0);
    expect(await labelledVersions(ns)).toEqual(before);
    expect(readOcLog().filter((l) => l.verb === 'start-build')).toHaveLength(1);

    // secrets: the password is in no output and no command line
    for (const text of [r1.stdout, r1.stderr, r2.stdout, r2.stderr, fs.readFileSync(ocLog, 'utf8')]) expect(text.includes(password)).toBe(false);
    expect(readOcLog().length).toBeGreaterThan(20);

    // failing variant of "rebuilt only when the source hash differs": a new hash builds again and records it
    const r3 = await cli(lab, [...args, '--only', 'consumer'], env('hash-2'));
    expect(r3.exitCode).toBe(0);
    expect(readOcLog().filter((l) => l.verb === 'start-build')).toHaveLength(2);
    const bc = JSON.parse(await lab.k(['get', 'buildconfigs.build.openshift.io', 'kafka-consumer', '-n', ns, '-o', 'json']));
    expect(bc.metadata.labels['cma-demo.io/source-hash']).toBe('hash-2');
  }, 600_000);

  it('Kafka NotReady with a reason other than Creating fails fast naming resource, condition, reason and next step; a rerun resumes (fake oc)', async () => {
    const ns = uniqueName('kf');
    player.opts = {
      ...player.opts,
      namespace: ns,
      faults: { kafkaNotReady: { reason: 'InvalidResourceException', message: 'Unsupported Kafka.spec.kafka.version: 4.0.0' } },
    };
    const r = await cli(lab, ['setup', '-n', ns, '--only', 'namespace,kafka', '--timeout', '120'], env());
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `Kafka ${ns}/demo-cluster: waiting for condition Ready=True, the cluster reports InvalidResourceException: Unsupported Kafka.spec.kafka.version`,
      ),
    );
    expect(r.stderr).toMatch(/hint: see `.* get kafka demo-cluster -o yaml`/);
    player.opts = { ...player.opts, faults: {} };
    const again = await cli(lab, ['setup', '-n', ns, '--only', 'namespace,kafka', '--timeout', '60'], env());
    expect(again.stderr).not.toMatch(/error:/);
    expect(again.exitCode).toBe(0);
  });

  it('a KafkaTopic Ready=False KafkaError (replicas > brokers on the cluster) fails fast (fake oc)', async () => {
    const ns = uniqueName('kt');
    player.opts = {
      ...player.opts,
      namespace: ns,
      faults: {
        topic: {
          reason: 'KafkaError',
          message: 'org.apache.kafka.common.errors.InvalidReplicationFactorException: Unable to replicate the partition 3 time(s)',
        },
      },
    };
    const r = await cli(lab, ['setup', '-n', ns, '--only', 'namespace,kafka', '--timeout', '120'], env());
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/KafkaTopic .*\/test-in: waiting for condition Ready=True, the cluster reports KafkaError: .*InvalidReplicationFactorException/);
  });

  it('a wait that never completes times out with its message (exit 3) (fake oc)', async () => {
    const ns = uniqueName('to');
    player.opts = { ...player.opts, namespace: ns, faults: { silent: ['Kafka'] } };
    const r = await cli(lab, ['setup', '-n', ns, '--only', 'namespace,kafka', '--timeout', '3'], env());
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(`Kafka ${ns}/demo-cluster: timed out after 3 s waiting for condition Ready=True \\(last seen: no Ready condition yet\\)`),
    );
    expect(r.stderr).toMatch(/longer --timeout/);
    player.opts = { ...player.opts, faults: {} };
  });

  it('a failing step stops its parallel siblings: Kafka fails while the KedaController wait is aborted, not timed out (fake oc)', async () => {
    const ns = uniqueName('par');
    await lab.kubectl(['delete', 'kedacontrollers.keda.sh', 'keda', '-n', 'openshift-keda', '--ignore-not-found']);
    player.opts = {
      ...player.opts,
      namespace: ns,
      faults: { silent: ['KedaController'], kafkaNotReady: { reason: 'InvalidResourceException', message: 'bad listener' } },
    };
    const t0 = Date.now();
    const r = await cli(lab, ['-o', 'json', 'setup', '-n', ns, '--only', 'namespace,keda,kafka', '--timeout', '120'], env());
    expect(r.exitCode).toBe(3);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const rep = JSON.parse(r.stdout);
    const st = Object.fromEntries(rep.steps.map((x: any) => [x.id, x.status]));
    expect(st).toEqual({ namespace: 'ok', keda: 'not-run', kafka: 'failed' });
    expect(rep.steps.find((x: any) => x.id === 'keda').notes).toContain('stopped because another step failed');
    expect(r.stderr).toMatch(/error: Kafka .*InvalidResourceException: bad listener/);
    player.opts = { ...player.opts, faults: {} };
  });
});
