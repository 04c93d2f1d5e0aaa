/** KEDA's error path in the emulator: no scale on errors, no scale to zero on errors, fallback after failureThreshold. */
import { describe, expect, it } from 'vitest';
import { createEmulatorState, emulatorHpaSync, emulatorKedaPoll, type EmulatorConfig, type EmulatorState } from '../../src/scaling/emulator.js';
import { fallbackRead, pollLoopUsesFallback } from '../../src/scaling/fallback.js';
import type { PartitionOffsets } from '../../src/scaling/kedaLag.js';
import { DEFAULT_SETTINGS, type ScaledObjectSettings } from '../../src/scaling/settings.js';

const cfgOf = (o: Partial<ScaledObjectSettings> = {}): EmulatorConfig => ({
  settings: { ...DEFAULT_SETTINGS, behavior: null, ...o },
  hpaSyncSeconds: 15,
  tolerance: 0.1,
  defaultDownscaleWindowSeconds: 300,
  boundary: 'exclusive',
});
const offsets = (P: number, committed: number, end: number): PartitionOffsets[] =>
  Array.from({ length: P }, (_, i) => ({ topic: 't', partition: i, committedOffset: committed, logEndOffset: end }));
const down = { error: 'kafka: i/o timeout' };
const fresh = (): EmulatorState => createEmulatorState(-1000, { hpaInitialRecommendation: { replicas: 1, t: -1000 } });

describe('fallbackRead (pkg/fallback GetMetricsWithFallback)', () => {
  const s = { ...DEFAULT_SETTINGS, lagThreshold: 200, fallback: { failureThreshold: 2, replicas: 3 } };
  it('counts failures, answers with replicas × lagThreshold once they pass the threshold, resets on success', () => {
    expect(fallbackRead(s, 0, true)).toEqual({ failures: 1, metric: null });
    expect(fallbackRead(s, 1, true)).toEqual({ failures: 2, metric: null });
    expect(fallbackRead(s, 2, true)).toEqual({ failures: 3, metric: 600 });
    expect(fallbackRead(s, 3, false)).toEqual({ failures: 0, metric: null });
  });
  it('tracks nothing without a fallback', () => {
    expect(fallbackRead({ ...s, fallback: null }, 0, true)).toEqual({ failures: 0, metric: null });
  });
  it('the polling loop reads through it from KEDA 2.19 only', () => {
    expect(pollLoopUsesFallback({ ...s, kedaVersion: '2.18' })).toBe(false);
    expect(pollLoopUsesFallback({ ...s, kedaVersion: '2.19' })).toBe(true);
    expect(pollLoopUsesFallback({ ...s, fallback: null, kedaVersion: 'main' })).toBe(false);
  });
});

describe('the emulator on scaler errors', () => {
  it('without fallback: errors change nothing — the HPA keeps its size and KEDA does not scale to 0 after the cooldown', () => {
    const cfg = cfgOf({ cooldownPeriod: 30 });
    let st = emulatorKedaPoll(cfg, fresh(), 0, 2, { offsets: offsets(10, 0, 500) }).state; // active at t=0
    for (let t = 15; t <= 300; t += 15) {
      const h = emulatorHpaSync(cfg, st, t, 2, 2, down);
      expect(h.setReplicas).toBeNull();
      const k = emulatorKedaPoll(cfg, h.state, t + 1, 2, down);
      expect(k.setReplicas).toBeNull(); // no scale to zero on error, long after the cooldown
      expect(k.action).toBe('error');
      st = k.state;
    }
    // The same timeline with successful reads of a drained topic does scale to 0 once the cooldown passed.
    const ok = emulatorKedaPoll(cfg, st, 400, 2, { offsets: offsets(10, 500, 500) });
    expect(ok.setReplicas).toBe(0);
  });

  it('with fallback: the HPA goes to fallback.replicas on the first failure above failureThreshold, and back on success', () => {
    const cfg = cfgOf({ fallback: { failureThreshold: 1, replicas: 4 } });
    let st = fresh();
    let h = emulatorHpaSync(cfg, st, 15, 1, 1, down); // failure 1: not above 1
    expect([h.setReplicas, h.state.fallbackFailures]).toEqual([null, 1]);
    h = emulatorHpaSync(cfg, h.state, 30, 1, 1, down); // failure 2 > 1: metric 4 × 200
    expect([h.setReplicas, h.state.fallbackFailures, h.state.metric]).toEqual([4, 2, 800]);
    st = emulatorHpaSync(cfg, h.state, 45, 4, 4, { offsets: offsets(10, 0, 0) }).state;
    expect(st.fallbackFailures).toBe(0);
  });

  it('KEDA 2.18: a ScaledObject at 0 stays at 0 whatever the failures; 2.19+: the loop falls back and scales 0 → 1', () => {
    // The count is held at 0 here, so a falling-back loop asks for 1 at every poll after the threshold.
    const want = { '2.18': [null, null, null, null], '2.19': [null, null, 1, 1], main: [null, null, 1, 1] };
    for (const [v, expected] of Object.entries(want)) {
      const cfg = cfgOf({ kedaVersion: v, fallback: { failureThreshold: 2, replicas: 3 } });
      let st = fresh();
      const scaled: Array<number | null> = [];
      for (let t = 0; t < 4; t++) {
        const k = emulatorKedaPoll(cfg, st, t * 30, 0, down);
        scaled.push(k.setReplicas);
        st = k.state;
      }
      expect(scaled, v).toEqual(expected);
    }
  });
});
