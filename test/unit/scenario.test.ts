import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { catalogueDir, expandCases, listCatalogue, parseScenario, resolveScenarioArgs, ScenarioError } from '../../src/scenarios/loader.js';

const base = `name: demo
description: a demo case.
partitions: 3
load:
  - records: 10
    throughput: 5
expectations:
  - kind: reach
    replicas: 1
    within: 30
`;

function problem(text: string) {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    const e = err as ScenarioError;
    expect(e.exitCode).toBe(ExitCode.USAGE);
    return e;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario schema', () => {
  it('accepts a valid file and fills defaults', () => {
    const s = parseScenario(base, 'x.yaml');
    const [c] = expandCases(s, 'x.yaml', 'r7');
    expect(c!.topic).toBe('cma-demo-r7');
    expect(c!.group).toBe('cma-demo-r7');
    expect(c!.preconditions).toEqual({ group: 'committed-at-end', replicas: 0, topic: 'fresh' });
    expect(c!.load[0]).toMatchObject({ records: 10, throughput: 5, recordSize: 100, after: 0 });
  });

  it('names file:line and field for a wrongly typed field', () => {
    const e = problem(base.replace('within: 30', 'within: soon'));
    expect(e.problems[0]).toMatchObject({ line: 10, field: 'expectations.0.within' });
    expect(e.message).toContain('x.yaml:10: expectations.0.within: must be of type number');
  });

  it('points a missing field at its parent line', () => {
    const e = problem(base.replace('    throughput: 5\n', ''));
    expect(e.problems[0]).toMatchObject({ line: 5, field: 'load.0.throughput', message: 'is required' });
  });

  it('points an unknown field at its own line', () => {
    const e = problem(base + 'colour: blue\n');
    expect(e.problems[0]).toMatchObject({ line: 11, field: 'colour' });
  });

  it('rejects an unknown expectation kind at the kind line', () => {
    const e = problem(base.replace('kind: reach', 'kind: teleport'));
    expect(e.problems[0]).toMatchObject({ line: 8, field: 'expectations.0.kind' });
  });

  it('rejects an enum value and lists the allowed ones', () => {
    const e = problem(base + 'preconditions:\n  group: sometimes\n');
    expect(e.problems[0]).toMatchObject({ line: 12, field: 'preconditions.group' });
    expect(e.problems[0]!.message).toContain('committed-at-end');
  });

  it('checks partitions named by load phases and the throughput rule', () => {
    const e = problem(base.replace('throughput: 5', 'throughput: 0\n    partitions: [0, 7]'));
    expect(e.problems.map((p) => p.field)).toEqual(['load.0.throughput', 'load.0.partitions.1']);
  });

  it('a case without a load phase exits 2 at load time, naming the field (only pauses count as none)', () => {
    const noLoad = base.replace('load:\n  - records: 10\n    throughput: 5\n', '');
    expect(problem(noLoad).message).toContain('x.yaml:1: load: is missing: a case needs at least one load phase');
    const pauses = problem(base.replace('  - records: 10\n    throughput: 5\n', '  - pause: 5\n'));
    expect(pauses.problems[0]).toMatchObject({ line: 5, field: 'load' });
    expect(pauses.problems[0]!.message).toContain('has only pauses');
    // A variant may bring the load the file lacks; one that has none either is named.
    const variants = noLoad + 'variants:\n  - name: a\n    load: [{ records: 5, throughput: 5 }]\n  - name: b\n';
    const v = problem(variants);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]!.field).toBe('variants.1');
    expect(v.problems[0]!.message).toContain('load: is missing');
  });

  it('reports YAML syntax errors with a line', () => {
    const e = problem('name: a\n  bad: [\n');
    expect(e.problems[0]!.line).toBeGreaterThan(0);
    expect(e.problems[0]!.field).toBe('(yaml)');
  });

  it('folds pauses into the next phase', () => {
    const s = parseScenario(
      base.replace('    throughput: 5\n', '    throughput: 5\n  - pause: 20\n  - records: 5\n    throughput: 5\n    after: 3\n'),
      'x.yaml',
    );
    const [c] = expandCases(s, 'x.yaml');
    expect(c!.load.map((l) => l.after)).toEqual([0, 23]);
  });

  it('expands variants into one case each, inheriting the file', () => {
    const s = parseScenario(
      base + 'variants:\n  - name: a\n    settings: { activationLagThreshold: 5 }\n  - name: b\n    expectations: [{ kind: no-loss }]\n',
      'x.yaml',
    );
    const cs = expandCases(s, 'x.yaml');
    expect(cs.map((c) => c.name)).toEqual(['demo/a', 'demo/b']);
    expect(cs[0]!.settings.activationLagThreshold).toBe(5);
    expect(cs[0]!.expectations[0]!.kind).toBe('reach');
    expect(cs[1]!.expectations[0]!.kind).toBe('no-loss');
    expect(cs[0]!.topic).not.toBe(cs[1]!.topic);
  });
});

describe('catalogue', () => {
  it('lists the catalogue cases, each valid', () => {
    const names = listCatalogue().map((e) => e.name);
    expect(names).toEqual([
      'case1',
      'case2',
      'case3',
      'case4',
      'activation-hold',
      'broker-outage',
      'even-distribution',
      'multi-topic',
      'partition-cap',
      'partition-limitation',
      'partitions-with-lag',
      'paused',
      'persistent-lag',
      'retention-gap',
      'transactions',
      'zero-loss',
    ]);
  });

  it('resolves names, all and paths; unknown names exit 2 with the list', () => {
    expect(resolveScenarioArgs(['case1'])).toEqual([path.join(catalogueDir(), 'case1.yaml')]);
    expect(resolveScenarioArgs(['all', 'case1'])).toHaveLength(16);
    try {
      resolveScenarioArgs(['case99']);
      throw new Error('no error');
    } catch (err) {
      expect((err as ScenarioError).exitCode).toBe(2);
      expect((err as Error & { hint: string }).hint).toContain('case1');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scen-'));
    const f = path.join(dir, 'mine.yaml');
    fs.writeFileSync(f, base);
    expect(resolveScenarioArgs([f])).toEqual([f]);
  });
});
