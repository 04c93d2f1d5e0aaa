/**
 * `recommend`: the search over plan's model, and the ScaledObject it prints replayed by plan on the partition count
 * of its annotation (the same path `plan --scaledobject FILE --partitions N` takes: settingsFromScaledObjectYaml →
 * plan()).
 */
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { recommend, recommendedScaledObject, type RecommendDocument } from '../../src/explain/recommend.js';
import { plan, simulate } from '../../src/scaling/plan.js';
import { DEFAULT_SETTINGS, settingsFromScaledObjectYaml } from '../../src/scaling/settings.js';

const load = [{ records: 1_000_000, rate: 10_000 }];
const ctx = (doc: RecommendDocument) => ({
  name: 'kafka-consumer-scaledobject',
  topic: 'test-in',
  group: 'test-cg',
  bootstrapServers: 'demo-cluster-kafka-bootstrap:9092',
  authenticationRef: 'keda-trigger-auth-kafka-credential',
  triggerExtras: { sasl: 'scram_sha512' },
  scaleTargetName: 'kafka-consumer',
  goal: doc.goal,
  replayFlags: doc.replayFlags,
});

describe('recommend', () => {
  const doc = recommend({ base: DEFAULT_SETTINGS, load, consumerRate: 2000, drainWithinS: 120 });

  it('finds candidates that meet the goal, cheapest first, each distinct', () => {
    expect(doc.candidates.length).toBeGreaterThan(0);
    expect(doc.best).toBe(doc.candidates[0]);
    for (const c of doc.candidates) {
      expect(c.drainDelayS).not.toBeNull();
      expect(c.drainDelayS!).toBeLessThanOrEqual(120);
      expect(c.robust).toBe(true);
      expect(c.maxReplicaCount).toBe(c.partitions);
    }
    const costs = doc.candidates.map((c) => c.replicaSeconds);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    expect(new Set(doc.candidates.map((c) => `${c.partitions}|${JSON.stringify(c.steps)}`)).size).toBe(doc.candidates.length);
  });

  it("the printed ScaledObject, replayed by plan on its annotated partition count, drains within 120 s of the load's end", () => {
    const obj = recommendedScaledObject(doc.best!, ctx(doc));
    const text = YAML.stringify(obj);
    const parsed = settingsFromScaledObjectYaml(text, 'recommended.yaml');
    expect(parsed.warnings).toEqual([]);
    const partitions = Number((obj.metadata as { annotations: Record<string, string> }).annotations['cma-demo/partitions']);
    expect(partitions).toBe(doc.best!.partitions);
    expect(parsed.partitions).toBe(partitions); // what plan --scaledobject uses without --partitions
    const bad = settingsFromScaledObjectYaml(text.replace(/cma-demo\/partitions: "\d+"/, 'cma-demo/partitions: "ten"'), 'bad.yaml');
    expect(bad.partitions).toBeUndefined();
    expect(bad.warnings.map((w) => w.code)).toEqual(['BAD_PARTITIONS_ANNOTATION']);
    const replay = plan({ settings: parsed.settings, partitions, load, consumerRate: 2000 });
    expect(replay.drainedS).not.toBeNull();
    expect(replay.drainedS! - replay.loadEndS).toBeLessThanOrEqual(120);
    expect(replay.peak).toBe(doc.best!.peak);
    // Every field the prediction used is written out: the file's settings are the candidate's.
    expect(parsed.settings).toMatchObject({
      lagThreshold: doc.best!.lagThreshold,
      maxReplicaCount: doc.best!.maxReplicaCount,
      pollingInterval: 30,
      cooldownPeriod: 30,
      minReplicaCount: 0,
      activationLagThreshold: 10,
      behavior: doc.best!.settings.behavior,
    });
  });

  it('failing neighbour: one partition fewer with the same settings misses the goal', () => {
    const b = doc.best!;
    const fewer = simulate({ settings: { ...b.settings, maxReplicaCount: b.partitions - 1 }, partitions: b.partitions - 1, load, consumerRate: 2000 });
    expect(fewer.drainedS === null || fewer.drainedS - fewer.loadEndS > 120).toBe(true);
  });

  it('--max-replicas bounds every candidate; an unreachable goal says so and names the nearest miss', () => {
    const capped = recommend({ base: DEFAULT_SETTINGS, load, consumerRate: 2000, drainWithinS: 300, maxReplicas: 3 });
    expect(capped.candidates.every((c) => c.partitions <= 3)).toBe(true);
    const none = recommend({ base: DEFAULT_SETTINGS, load, consumerRate: 2000, drainWithinS: 5, maxReplicas: 2 });
    expect(none.candidates).toEqual([]);
    expect(none.warnings.map((w) => w.code)).toEqual(['GOAL_UNREACHABLE']);
    expect(none.closest).toMatch(/drained \d+(\.\d+)? s after the load/);
  });

  it('bad goals are usage errors', () => {
    expect(() => recommend({ base: DEFAULT_SETTINGS, load, consumerRate: 0, drainWithinS: 120 })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => recommend({ base: DEFAULT_SETTINGS, load: [{ pauseS: 10 }], consumerRate: 10, drainWithinS: 120 })).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });
});
