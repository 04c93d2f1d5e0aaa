import { describe, expect, it } from 'vitest';
import { compareWithCluster, renderClusterText, type ClusterObservation } from '../../src/kafka/clusterView.js';

const computed = { metric: 2000, active: true, desiredReplicas: 10 };
const obs = (o: Partial<ClusterObservation> = {}): ClusterObservation => ({
  metric: 2000,
  active: true,
  fallback: false,
  hpa: { currentReplicas: 4, desiredReplicas: 10 },
  deploymentReplicas: 4,
  ...o,
});

describe('lag on a cluster: computed vs real', () => {
  it('has the document shape and no warning when they agree', () => {
    const r = compareWithCluster(computed, obs(), 200);
    expect(r.cluster).toEqual({ metric: 2000, hpa: { currentReplicas: 4, desiredReplicas: 10 }, deploymentReplicas: 4, active: true, mismatch: false });
    expect(r.warnings).toEqual([]);
  });

  it('a difference up to lagThreshold is no mismatch (the HPA reads at another moment)', () => {
    expect(compareWithCluster(computed, obs({ metric: 1800 }), 200).cluster.mismatch).toBe(false);
    expect(compareWithCluster(computed, obs({ metric: 2200 }), 200).warnings).toEqual([]);
  });

  it('more than lagThreshold apart → mismatch and METRIC_MISMATCH naming both values', () => {
    const r = compareWithCluster(computed, obs({ metric: 1799 }), 200);
    expect(r.cluster.mismatch).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['METRIC_MISMATCH']);
    expect(r.warnings[0]!.message).toContain('2000');
    expect(r.warnings[0]!.message).toContain('1799');
    expect(compareWithCluster({ ...computed, metric: 0 }, obs({ metric: 201 }), 200).cluster.mismatch).toBe(true);
  });

  it("KEDA's metric unreadable → mismatch null and KEDA_METRIC_UNAVAILABLE, not METRIC_MISMATCH", () => {
    const r = compareWithCluster(computed, obs({ metric: null, hpa: { currentReplicas: null, desiredReplicas: null } }), 200);
    expect(r.cluster.mismatch).toBeNull();
    expect(r.cluster.hpa).toEqual({ currentReplicas: null, desiredReplicas: null });
    expect(r.warnings.map((w) => w.code)).toEqual(['KEDA_METRIC_UNAVAILABLE']);
  });

  it('Fallback True is flagged', () => {
    expect(compareWithCluster(computed, obs({ fallback: true }), 200).warnings.map((w) => w.code)).toEqual(['KEDA_FALLBACK']);
  });

  it('text: computed and cluster rows side by side, with the verdict', () => {
    const ok = renderClusterText(computed, compareWithCluster(computed, obs({ metric: 1950 }), 200).cluster);
    expect(ok).toMatch(/computed\s+2000\s+yes\s+10\s+-/);
    expect(ok).toMatch(/cluster \(KEDA\/HPA\)\s+1950\s+yes\s+10\s+4/);
    expect(ok).toContain('deployment replicas 4; metric agrees');
    const bad = renderClusterText(computed, compareWithCluster(computed, obs({ metric: 10 }), 200).cluster);
    expect(bad).toContain('MISMATCH');
    const unread = renderClusterText(computed, compareWithCluster(computed, obs({ metric: null, active: null, deploymentReplicas: null }), 200).cluster);
    expect(unread).toMatch(/cluster \(KEDA\/HPA\)\s+-\s+-/);
    expect(unread).toContain('deployment replicas -; metric not compared');
  });
});
