/**
 * Server-side dry-run of every rendered manifest, both platforms, both Strimzi APIs, against real kube-apiservers:
 * one with Strimzi 0.51 (v1 + v1beta2) and one with Strimzi 1.2 (v1 only) — one Strimzi set per API server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { cli, labLog, tempState } from './helpers.js';
import { Kube } from '../../src/cluster/kube.js';
import { loadTemplates, renderSetup, allObjects } from '../../src/manifests/render.js';
import { paramsFromFlags } from '../../src/cluster/setupParams.js';

let lab051: Lab;
let labV1: Lab;
const state = tempState();

beforeAll(async () => {
  // allSettled: when one lab fails to start, the other is still stopped in afterAll
  const [a, b] = await Promise.allSettled([
    startLab({ strimzi: '0.51', openshift: true, log: labLog }),
    startLab({ strimzi: 'v1', openshift: false, log: labLog }),
  ]);
  if (a.status === 'fulfilled') lab051 = a.value;
  if (b.status === 'fulfilled') labV1 = b.value;
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
});
afterAll(async () => {
  await Promise.all([lab051?.stop(), labV1?.stop()]);
});

type Doc = { results: Array<{ object: string; result: string; detail?: string }>; strimziApi: string; platform: string };
const dry = async (lab: Lab, args: string[]) => {
  const r = await cli(lab, ['setup', '--dry-run=server', '-o', 'json', ...args], { CMA_DEMO_STATE: state });
  return { ...r, doc: r.stdout ? (JSON.parse(r.stdout) as Doc) : null };
};

describe('setup --dry-run=server validates every rendered manifest', () => {
  for (const [platform, api] of [
    ['openshift', 'v1beta2'],
    ['openshift', 'v1'],
    ['kubernetes', 'v1beta2'],
    ['kubernetes', 'v1'],
  ] as const) {
    it(`${platform} with kafka.strimzi.io/${api} on Strimzi 0.51 (serves both)`, async () => {
      const r = await dry(lab051, ['--platform', platform, '--strimzi-api', api, '--image', 'quay.io/x/y:1']);
      expect(r.stderr).not.toMatch(/error:/);
      expect(r.exitCode).toBe(0);
      const res = r.doc!.results;
      expect(res.filter((x) => x.result !== 'valid')).toEqual([]);
      expect(res.length).toBeGreaterThanOrEqual(platform === 'openshift' ? 16 : 9);
      expect(res.map((x) => x.object)).toContain('Kafka/demo-cluster -n keda-cma-kafka');
    });
  }
  it('v1 manifests are valid on Strimzi 1.2 (v1 only), both platforms; auto picks v1 there', async () => {
    for (const platform of ['openshift', 'kubernetes']) {
      const r = await dry(labV1, ['--platform', platform, '--image', 'quay.io/x/y:1']);
      // openshift-only kinds (ImageStream, BuildConfig) are not served by this server: reported as skipped, never as valid
      expect(r.doc!.strimziApi).toBe('v1');
      const strimzi = r.doc!.results.filter((x) => /^Kafka/.test(x.object));
      expect(strimzi.length).toBe(5);
      expect(
        strimzi.every((x) => x.result === 'valid'),
        JSON.stringify(strimzi),
      ).toBe(true);
    }
  });
  it('failing variant: v1beta2 manifests are not served by Strimzi 1.2', async () => {
    const r = await dry(labV1, ['--platform', 'kubernetes', '--strimzi-api', 'v1beta2', '--image', 'quay.io/x/y:1']);
    const strimzi = r.doc!.results.filter((x) => /^Kafka/.test(x.object));
    expect(strimzi.every((x) => x.result === 'skipped')).toBe(true);
  });
  it('auto-detects OpenShift from the API groups (stand-ins serve route.openshift.io) and v1beta2 from Strimzi 0.51', async () => {
    const r = await dry(lab051, []);
    expect(r.doc!.platform).toBe('openshift');
    expect(r.doc!.strimziApi).toBe('v1beta2');
    const r2 = await dry(labV1, ['--image', 'quay.io/x/y:1']);
    expect(r2.doc!.platform).toBe('kubernetes');
  });
  it('failing variant: a typo in a rendered field is rejected by the real schemas (stand-ins included)', async () => {
    const kube = new Kube({ kubeconfig: lab051.kubeconfig });
    const p = paramsFromFlags({}, {}, { platform: 'openshift', strimziApi: 'v1beta2', sourceHash: 'x' });
    const objs = allObjects(renderSetup(p, loadTemplates()));
    await kube.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keda-cma-kafka' } } as never]);
    for (const [kind, mutate] of [
      [
        'BuildConfig',
        (o: any) => {
          o.spec.strategy.dockerStrategy.dockerfilePth = 'x';
        },
      ],
      [
        'ImageStream',
        (o: any) => {
          o.spec.lookupPolicy.locl = true;
        },
      ],
      [
        'Kafka',
        (o: any) => {
          o.spec.kafka.listners = [];
        },
      ],
      [
        'ScaledObject',
        (o: any) => {
          o.spec.maxReplicaCount = 'ten';
        },
      ],
      [
        'Deployment',
        (o: any) => {
          o.spec.template.spec.terminationGracePeriodSecond = 60;
        },
      ],
      [
        'Subscription',
        (o: any) => {
          o.spec.chanel = 'stable';
        },
      ],
    ] as const) {
      const o = structuredClone(objs.find((x) => x.kind === kind)!);
      if (o.metadata.namespace) o.metadata.namespace = 'keda-cma-kafka';
      await expect(kube.apply([o], { dryRun: 'server' }), `${kind} as rendered`).resolves.toBeTruthy();
      mutate(o);
      await expect(kube.apply([o], { dryRun: 'server' }), `${kind} with a typo`).rejects.toThrow(
        /unknown field|Invalid value|invalid type|strict decoding|field not declared/,
      );
    }
  });
});
