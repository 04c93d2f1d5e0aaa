/**
 * The setup engine's run on a stub cluster: waits stop on the signal passed in (interrupt → exit 130, a failed
 * sibling → ABORTED), every step ends with a report, and only a completed run records the default target.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.CMA_DEMO_POLL_MS = '20'; // read when setup.ts loads: keeps the polling waits short
});
import { runSetup, waitFor, type WaitSpec } from '../../src/cluster/setup.js';
import type { Kube, Obj } from '../../src/cluster/kube.js';
import { CmaError, ExitCode } from '../../src/errors.js';
import { Output } from '../../src/output.js';
import type { StepId } from '../../src/manifests/params.js';

/** The few Kube calls the namespace and scaledobject steps make, over an in-memory object map. */
class StubKube {
  readonly bin = 'kubectl';
  readonly kubeconfig = undefined;
  readonly objects = new Map<string, Obj>();
  readonly applied: string[] = [];
  /** Called on every poll of the ScaledObject wait (it reads kind `scaledobject`; applyOwned reads `ScaledObject`). */
  onScaledObjectRead: () => void = () => {};
  async crdServedVersions(): Promise<string[]> {
    return ['v1'];
  }
  async serverUrl(): Promise<string> {
    return 'https://stub.invalid:6443';
  }
  async currentContext(): Promise<string> {
    return 'stub';
  }
  async get(kind: string, name: string, namespace?: string): Promise<Obj | null> {
    if (kind === 'scaledobject') this.onScaledObjectRead();
    return this.objects.get(`${kind.toLowerCase()}/${namespace ?? ''}/${name}`) ?? null;
  }
  async apply(objs: Obj[]): Promise<Obj[]> {
    for (const o of objs) this.applied.push(`${o.kind}/${o.metadata.name}`);
    return objs;
  }
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let s = '';
  stream.on('data', (d: Buffer) => (s += d.toString()));
  return { stream, text: () => s };
}

let state: string;
let savedState: string | undefined;
beforeEach(() => {
  state = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-setup-run-'));
  savedState = process.env.CMA_DEMO_STATE;
  process.env.CMA_DEMO_STATE = state;
});
afterEach(() => {
  if (savedState === undefined) delete process.env.CMA_DEMO_STATE;
  else process.env.CMA_DEMO_STATE = savedState;
  fs.rmSync(state, { recursive: true, force: true });
});

async function setup(kube: StubKube, steps: StepId[], signal?: AbortSignal) {
  const stdout = capture();
  const out = new Output('json', { stdout: stdout.stream, stderr: new PassThrough(), color: false });
  // A failed run is thrown as a CmaError (cli.ts prints it); its exit code is the run's.
  const code = await runSetup({
    kube: kube as unknown as Kube,
    platform: 'kubernetes',
    flags: { timeout: '600' },
    globals: { namespace: 'demo-ns' },
    steps,
    dryRunServer: false,
    out,
    ...(signal ? { signal } : {}),
  }).catch((err: unknown) => {
    if (err instanceof CmaError) return err.exitCode;
    throw err;
  });
  const doc = JSON.parse(stdout.text()) as { ok: boolean; steps: Array<{ id: string; status: string; notes: string[]; error?: { message: string } }> };
  return { code, doc, lastTarget: path.join(state, 'last-setup.json') };
}

const readyScaledObject = (ready: { status: string; reason?: string; message?: string }): Obj => ({
  kind: 'ScaledObject',
  metadata: { name: 'kafka-consumer-scaledobject', namespace: 'demo-ns' },
  status: { conditions: [{ type: 'Ready', ...ready }] },
});

describe('runSetup', () => {
  it('an interrupt through the signal stops the ScaledObject wait: exit 130, the step not-run, no default target recorded', async () => {
    const kube = new StubKube();
    const interrupt = new AbortController();
    kube.onScaledObjectRead = () => interrupt.abort();
    const { code, doc, lastTarget } = await setup(kube, ['namespace', 'scaledobject'], interrupt.signal);
    expect(code).toBe(ExitCode.INTERRUPTED);
    expect(doc.ok).toBe(false);
    expect(doc.steps.map((s) => [s.id, s.status])).toEqual([
      ['namespace', 'ok'],
      ['scaledobject', 'not-run'],
    ]);
    expect(doc.steps[1]!.notes).toContain('stopped by an interrupt');
    expect(fs.existsSync(lastTarget)).toBe(false);
  });

  it('a signal aborted before the run applies nothing and waits for nothing', async () => {
    const kube = new StubKube();
    const interrupt = new AbortController();
    interrupt.abort();
    let reads = 0;
    kube.onScaledObjectRead = () => reads++;
    const { code } = await setup(kube, ['namespace', 'scaledobject'], interrupt.signal);
    expect(code).toBe(ExitCode.INTERRUPTED);
    expect(kube.applied).toEqual([]);
    expect(reads).toBe(0);
  });

  it('a Ready ScaledObject completes the run: exit 0 and the namespace recorded as the default target', async () => {
    const kube = new StubKube();
    kube.objects.set('scaledobject/demo-ns/kafka-consumer-scaledobject', readyScaledObject({ status: 'True' }));
    const { code, doc, lastTarget } = await setup(kube, ['namespace', 'scaledobject']);
    expect(code).toBe(ExitCode.OK);
    expect(doc.ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(lastTarget, 'utf8'))).toMatchObject({ namespace: 'demo-ns', platform: 'kubernetes' });
  });

  it('a ScaledObject the cluster reports as failed fails its step with exit 3, naming the reason', async () => {
    const kube = new StubKube();
    kube.objects.set(
      'scaledobject/demo-ns/kafka-consumer-scaledobject',
      readyScaledObject({ status: 'False', reason: 'ScaledObjectCheckFailed', message: 'no trigger' }),
    );
    const { code, doc, lastTarget } = await setup(kube, ['namespace', 'scaledobject']);
    expect(code).toBe(ExitCode.ENV);
    const so = doc.steps.find((s) => s.id === 'scaledobject')!;
    expect(so.status).toBe('failed');
    expect(so.error?.message).toMatch(/ScaledObjectCheckFailed: no trigger/);
    expect(fs.existsSync(lastTarget)).toBe(false);
  });
});

describe('waitFor', () => {
  const pending: WaitSpec = {
    what: 'Thing ns/x',
    condition: 'condition Ready=True',
    read: async () => null,
    verdict: () => ({ state: 'wait', detail: 'not yet' }),
    next: 'look at it',
  };

  it('a run signal aborted because a step failed ends the wait with ABORTED (exit 3)', async () => {
    const c = new AbortController();
    c.abort('step-failed');
    const err = await waitFor(pending, { timeoutMs: 60_000, signal: c.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmaError);
    expect(err).toMatchObject({ code: 'ABORTED', exitCode: ExitCode.ENV });
  });

  it('any other abort is an interrupt (exit 130)', async () => {
    const c = new AbortController();
    const err = await waitFor({ ...pending, read: async () => (c.abort(), null) }, { timeoutMs: 60_000, signal: c.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERRUPTED', exitCode: ExitCode.INTERRUPTED });
    expect((err as Error).message).toContain('Thing ns/x');
  });

  it('returns the object once the verdict is ready, reporting each new detail once', async () => {
    let n = 0;
    const details: string[] = [];
    const obj = await waitFor(
      { ...pending, read: async () => ({ n: ++n }) as Obj, verdict: (o) => (o!.n >= 3 ? { state: 'ready' } : { state: 'wait', detail: `n=${o!.n}` }) },
      { timeoutMs: 60_000, onWait: (d) => details.push(d) },
    );
    expect(obj.n).toBe(3);
    expect(details).toEqual(['n=1', 'n=2']);
  });
});
