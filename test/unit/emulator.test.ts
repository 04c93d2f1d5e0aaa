import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createEmulatorState,
  defaultScaledObjectAgeSeconds,
  emulatorHpaSync,
  emulatorKedaPoll,
  EmulatorDriver,
  hpaHistory,
  hpaSyncNeedsObservation,
  type EmulatorConfig,
  type EmulatorState,
} from '../../src/scaling/emulator.js';
import type { PartitionOffsets } from '../../src/scaling/kedaLag.js';
import { DEFAULT_SETTINGS, type ScaledObjectSettings } from '../../src/scaling/settings.js';

const cfgOf = (o: Partial<ScaledObjectSettings> = {}, extra: Partial<EmulatorConfig> = {}): EmulatorConfig => ({
  settings: { ...DEFAULT_SETTINGS, ...o },
  hpaSyncSeconds: 15,
  tolerance: 0.1,
  defaultDownscaleWindowSeconds: 300,
  boundary: 'exclusive',
  ...extra,
});

/** P partitions, each with the given committed and log-end offsets. */
const offsets = (P: number, committed: number | null, end: number): PartitionOffsets[] =>
  Array.from({ length: P }, (_, i) => ({ topic: 't', partition: i, committedOffset: committed, logEndOffset: end }));

describe('emulator state machine (synthetic observations, fake clock)', () => {
  it('activates at a KEDA poll, then the HPA scales on the observed metric', () => {
    const cfg = cfgOf();
    let st: EmulatorState = createEmulatorState(-1000, { hpaInitialRecommendation: { replicas: 0, t: -1000 } });
    let replicas = 0;
    // HPA at 5: replicas 0 → disabled, reads nothing.
    expect(hpaSyncNeedsObservation(cfg, 0)).toBe(false);
    let r = emulatorHpaSync(cfg, st, 5, 0, 0, null);
    st = r.state;
    expect(r.setReplicas).toBeNull();
    // KEDA at 15: lag 15 000 per partition.
    r = emulatorKedaPoll(cfg, st, 15, replicas, { offsets: offsets(10, 0, 15_000) });
    st = r.state;
    expect(r.setReplicas).toBe(1);
    replicas = 1;
    expect(st.active).toBe(true);
    expect(st.metric).toBe(2000); // capped at 10 partitions × 200
    // HPA at 20: reads again, raw 10 → Pods policy 1 + 2.
    expect(hpaSyncNeedsObservation(cfg, replicas)).toBe(true);
    r = emulatorHpaSync(cfg, st, 20, replicas, replicas, { offsets: offsets(10, 0, 20_000) });
    expect(r.setReplicas).toBe(3);
    expect(r.state.desiredReplicas).toBe(3);
  });

  it('decides from the observation only: a drained topic scales nothing up whatever was decided before', () => {
    const cfg = cfgOf();
    let st = createEmulatorState(-1000, { hpaInitialRecommendation: { replicas: 0, t: -1000 } });
    st = emulatorKedaPoll(cfg, st, 15, 0, { offsets: offsets(10, 0, 15_000) }).state;
    const r = emulatorHpaSync(cfg, st, 20, 1, 1, { offsets: offsets(10, 20_000, 20_000) });
    expect(r.setReplicas).toBeNull();
    expect(r.state.metric).toBe(0);
  });

  it('never activates on a never-committed group at activationLagThreshold = partitions (the seed trap)', () => {
    const cfg = cfgOf();
    const r = emulatorKedaPoll(cfg, createEmulatorState(0), 15, 0, { offsets: offsets(10, null, 100_000) });
    expect(r.setReplicas).toBeNull();
    expect(r.state.active).toBe(false);
    expect(r.state.metric).toBe(10);
    // Failing variant: 9 is below 10 partitions × 1.
    expect(emulatorKedaPoll(cfgOf({ activationLagThreshold: 9 }), createEmulatorState(0), 15, 0, { offsets: offsets(10, null, 100_000) }).setReplicas).toBe(1);
  });

  it('shares persistent-lag memory between the KEDA and HPA reads, and loses it after an error', () => {
    const cfg = cfgOf(
      { excludePersistentLag: true, minReplicaCount: 1 },
      { settings: { ...DEFAULT_SETTINGS, excludePersistentLag: true, minReplicaCount: 1, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
    );
    let st = createEmulatorState(-1000, { hpaInitialRecommendation: { replicas: 4, t: -1000 } });
    const stuck = { offsets: offsets(1, 500, 2500) }; // one partition, 2 000 behind, commit not moving
    // KEDA poll: first read, nothing remembered yet → lag counts; active.
    let r = emulatorKedaPoll(cfg, st, 0, 4, stuck);
    st = r.state;
    expect(r.view?.metric).toBe(200); // capped to 1 partition × 200
    // HPA read with the same commit: persistent → metric 0 → scales down to the HPA min.
    r = emulatorHpaSync(cfg, st, 5, 4, 4, stuck);
    expect(r.view?.metric).toBe(0);
    expect(r.view?.active).toBe(true); // activity keeps the persistent lag
    expect(r.setReplicas).toBe(1);
    st = r.state;
    // A failed read clears the memory: the next read counts the lag again.
    r = emulatorKedaPoll(cfg, st, 30, 1, { error: 'broker down' });
    expect(r.state.lastError).toBe('broker down');
    expect(r.setReplicas).toBeNull();
    st = r.state;
    r = emulatorHpaSync(cfg, st, 35, 1, 1, stuck);
    expect(r.view?.metric).toBe(200);
    expect(r.state.lastError).toBeNull();
  });

  it('holds paused-replicas and runs no HPA', () => {
    const cfg = cfgOf({}, { pausedReplicas: 2 });
    const st = createEmulatorState(0);
    expect(emulatorKedaPoll(cfg, st, 0, 5, { offsets: offsets(10, 0, 100_000) }).setReplicas).toBe(2);
    expect(hpaSyncNeedsObservation(cfg, 2)).toBe(false);
    expect(emulatorHpaSync(cfg, st, 5, 2, 2, null).setReplicas).toBeNull();
  });

  it('goes back to 0 only after cooldown once the lag is gone', () => {
    const cfg = cfgOf();
    let st = createEmulatorState(-1000);
    st = emulatorKedaPoll(cfg, st, 15, 0, { offsets: offsets(10, 0, 100) }).state;
    const drained = { offsets: offsets(10, 100, 100) };
    expect(emulatorKedaPoll(cfg, st, 45, 1, drained).setReplicas).toBe(null); // 45 − 15 = 30, not > 30
    expect(emulatorKedaPoll(cfgOf({}, { cooldownEdge: 'expire' }), st, 45, 1, drained).setReplicas).toBe(0);
    expect(emulatorKedaPoll(cfg, st, 75, 1, drained).setReplicas).toBe(0);
  });
});

describe('EmulatorDriver (real-time, fake timers)', () => {
  afterEach(() => vi.useRealTimers());

  function fakeIO(read: () => Promise<PartitionOffsets[]>) {
    let replicas = 0;
    const calls = { reads: 0, sets: [] as number[] };
    return {
      calls,
      io: {
        readOffsets: async () => {
          calls.reads++;
          return read();
        },
        setReplicas: async (n: number) => {
          calls.sets.push(n);
          replicas = n;
        },
        getReplicas: () => replicas,
      },
    };
  }
  /** A ScaledObject created at start() (age 0): its HPA's first reconcile stores the initial recommendation then. */
  const fast = cfgOf(
    {
      pollingInterval: 6,
      cooldownPeriod: 6,
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 6, policies: [{ type: 'Pods', value: 2, periodSeconds: 6 }] },
        scaleDown: { stabilizationWindowSeconds: 6, policies: [{ type: 'Pods', value: 1, periodSeconds: 6 }] },
      },
    },
    { hpaSyncSeconds: 3, scaledObjectAgeSeconds: 0 },
  );

  it('polls at start and every pollingInterval, syncs the HPA, and applies the decisions', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let lag = 5000;
    const { io, calls } = fakeIO(async () => offsets(10, 0, lag));
    const d = new EmulatorDriver(fast, io);
    expect(d.snapshot()).toMatchObject({ replicas: 0, active: null, metric: null, desiredReplicas: null });
    d.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.sets).toEqual([1]); // KEDA at t=0: active → 1
    expect(d.snapshot()).toMatchObject({ replicas: 1, active: true, metric: 2000 });
    // HPA at 1 s and 4 s: the initial recommendation (0 at start) is inside the 6 s up window → hold.
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls.sets).toEqual([1]);
    expect(d.snapshot().desiredReplicas).toBe(1);
    await vi.advanceTimersByTimeAsync(2000); // HPA at 7 s: 1 → 3 (Pods 2 / 6 s)
    expect(calls.sets).toEqual([1, 3]);
    await vi.advanceTimersByTimeAsync(3000); // 10 s: the 7 s event is inside the period → hold
    expect(calls.sets).toEqual([1, 3]);
    await vi.advanceTimersByTimeAsync(3000); // 13 s: → 5
    expect(calls.sets).toEqual([1, 3, 5]);
    lag = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.sets.at(-1)).toBe(0); // drained: the HPA steps down, KEDA ends at 0 after cooldown
    await d.stop();
    const reads = calls.reads;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.reads).toBe(reads); // nothing runs after stop()
  });

  it('decides knife edges by the boundary setting, not by read latency (ticks carry their scheduled time)', async () => {
    const times = async (boundary: 'exclusive' | 'inclusive') => {
      vi.useFakeTimers({ now: 0 });
      let replicas = 0;
      let reads = 0;
      const at: Array<[number, number]> = [];
      const d = new EmulatorDriver(
        { ...fast, boundary },
        {
          // Each read takes 1 ms longer than the one before, so wall-clock intervals between ticks are never exact.
          readOffsets: () => new Promise((r) => setTimeout(() => r(offsets(10, 0, 5000)), reads++)),
          setReplicas: async (n) => {
            at.push([Math.round(Date.now() / 1000), n]);
            replicas = n;
          },
          getReplicas: () => replicas,
        },
      );
      d.start();
      await vi.advanceTimersByTimeAsync(20_000);
      await d.stop();
      vi.useRealTimers();
      return at;
    };
    expect(await times('exclusive')).toEqual([
      [0, 1],
      [7, 3],
      [13, 5],
      [19, 7],
    ]);
    // The 7 s event is exactly one 6 s period old at 13 s: it still counts, so 5 waits for 16 s.
    expect(await times('inclusive')).toEqual([
      [0, 1],
      [7, 3],
      [16, 5],
    ]);
  });

  it('surfaces read errors in snapshot().lastError without scaling, and recovers', async () => {
    vi.useFakeTimers({ now: 0 });
    let fail = true;
    const { io, calls } = fakeIO(async () => {
      if (fail) throw new Error('connection refused');
      return offsets(10, 0, 5000);
    });
    const d = new EmulatorDriver(fast, io);
    d.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(d.snapshot().lastError).toBe('connection refused');
    expect(calls.sets).toEqual([]);
    fail = false;
    await vi.advanceTimersByTimeAsync(6000);
    expect(d.snapshot().lastError).toBeNull();
    expect(calls.sets[0]).toBe(1);
    await d.stop();
  });

  it('stop() waits for the read in flight and applies nothing after it', async () => {
    vi.useFakeTimers({ now: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { io, calls } = fakeIO(async () => {
      await gate;
      return offsets(10, 0, 5000);
    });
    const d = new EmulatorDriver(fast, io);
    d.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.reads).toBe(1);
    let stopped = false;
    const p = d.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    release();
    await p;
    expect(stopped).toBe(true);
    expect(calls.sets).toEqual([]);
  });
});

describe('the HPA history before start (shared with plan)', () => {
  const min1 = cfgOf({ minReplicaCount: 1 });
  it('replays the idle reconciles on the sync grid: proposals of 0 at replicas ≥ the HPA min, only what a window can still see', () => {
    const h = hpaHistory(min1, { createdAt: -1000, until: 0, replicas: 1, gridTick: 5 });
    const recs = h.recommendations!;
    expect(recs.every((r) => r.replicas === 0)).toBe(true);
    expect(recs.map((r) => r.t).at(-1)).toBe(-10); // the last tick before 0 on the grid 5 + 15k
    expect(Math.min(...recs.map((r) => r.t))).toBeGreaterThanOrEqual(-30 - 15); // nothing older than a window (+ a sync)
    expect(h.desiredReplicas).toBeNull();
  });
  it('stores nothing at 0 replicas (ScalingDisabled) and the initial recommendation when created at the moment itself', () => {
    expect(hpaHistory(cfgOf(), { createdAt: -1000, until: 0, replicas: 0, gridTick: 5 }).recommendations).toEqual([]);
    expect(hpaHistory(cfgOf(), { createdAt: 0, until: 0, replicas: 0, gridTick: 5 }).recommendations).toEqual([{ replicas: 0, t: 0 }]);
    expect(hpaHistory(min1, { createdAt: -3, until: 0, replicas: 1, gridTick: 5 }).recommendations).toEqual([
      { replicas: 1, t: -3 },
      { replicas: 0, t: -3 },
    ]);
  });
  it('costs the longest window, not the age', () => {
    const h = hpaHistory(min1, { createdAt: -1e12, until: 0, replicas: 1, gridTick: 5 });
    expect(h.recommendations!.length).toBeLessThan(10);
  });
  it('defaults the age to a span that fills every window and the initial cooldown', () => {
    expect(defaultScaledObjectAgeSeconds(cfgOf({ initialCooldownPeriod: 600 }))).toBeGreaterThan(600);
    expect(defaultScaledObjectAgeSeconds(cfgOf({ behavior: null }))).toBeGreaterThan(300); // legacy: the 300 s downscale window
  });
});

describe('EmulatorDriver: the same history and timestamps as plan', () => {
  afterEach(() => vi.useRealTimers());
  const behavior = {
    scaleUp: { stabilizationWindowSeconds: 6, policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 6 }] },
    scaleDown: { stabilizationWindowSeconds: 6, policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 6 }] },
  };

  async function run(cfg: EmulatorConfig, startReplicas: number, nowMs: number, lagOf: (tMs: number) => number, forMs: number) {
    vi.useFakeTimers({ now: nowMs });
    let replicas = startReplicas;
    const sets: Array<[number, number]> = [];
    const d = new EmulatorDriver(cfg, {
      readOffsets: async () => offsets(10, 0, lagOf(Date.now() - nowMs)),
      setReplicas: async (n) => {
        sets.push([(Date.now() - nowMs) / 1000, n]);
        replicas = n;
      },
      getReplicas: () => replicas,
    });
    d.start();
    await vi.advanceTimersByTimeAsync(forMs);
    await d.stop();
    vi.useRealTimers(); // the next run sets its own clock
    return sets;
  }

  it('minReplicaCount 1: the zeros stored before start() hold the first scale-up until they leave the up window', async () => {
    const cfg = cfgOf({ minReplicaCount: 1, pollingInterval: 6, cooldownPeriod: 6, behavior }, { hpaSyncSeconds: 3 });
    // HPA ticks at 1, 4, 7 s; idle reconciles at −2, −5, … stored 0. At 1 s the −2 zero holds it; at 4 s it is 6 s old.
    expect((await run(cfg, 1, 0, () => 5000, 5000))[0]).toEqual([4, 3]);
    // Created at start(): the initial recommendation (1) and a 0 at 0 s hold it until 7 s.
    expect((await run({ ...cfg, scaledObjectAgeSeconds: 0 }, 1, 0, () => 5000, 8000))[0]).toEqual([7, 3]);
  });

  it('minReplicaCount 0: nothing is stored at 0 replicas, so the first HPA tick after activation scales', async () => {
    const cfg = cfgOf({ pollingInterval: 6, cooldownPeriod: 6, behavior }, { hpaSyncSeconds: 3 });
    expect((await run(cfg, 0, 0, () => 5000, 2000)).slice(0, 2)).toEqual([
      [0, 1],
      [1, 3],
    ]);
  });

  it('stores lastActiveTime in whole seconds: polls on half seconds scale to 0 one cooldown after the last active one', async () => {
    const cfg = cfgOf({ pollingInterval: 6, cooldownPeriod: 6, behavior }, { hpaSyncSeconds: 3 });
    const lag = (ms: number) => (ms < 3000 ? 5000 : 0); // drained from 3 s on: the poll at 0 s is the last active one
    const zeroAt = (sets: Array<[number, number]>) => sets.find(([, n]) => n === 0)?.[0];
    // Start at x.5 s: the active poll at 0 s stores a time 0.5 s earlier, so the poll at 6 s is past it.
    expect(zeroAt(await run(cfg, 0, 1_000_000_500, lag, 20_000))).toBe(6);
    // Start on a whole second: the poll at 6 s is exactly one cooldown later and holds (strict test), 0 at 12 s.
    expect(zeroAt(await run(cfg, 0, 1_000_000_000, lag, 20_000))).toBe(12);
  });
});
