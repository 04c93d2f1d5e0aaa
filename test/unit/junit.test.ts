import { describe, expect, it } from 'vitest';
import { renderJUnit, xmlEscape } from '../../src/scenarios/junit.js';
import { validateJUnit } from '../helpers/junitSchema.js';
import { sampleCase, sampleRun } from './reportFixture.js';

describe('JUnit XML', () => {
  const run = sampleRun([
    sampleCase('case1', 'pass'),
    sampleCase('case2', 'fail'),
    sampleCase('fallback', 'skipped'),
    sampleCase('case4/latest-trap', 'error'),
  ]);
  const xml = renderJUnit(run);

  it('has one testcase per case, with counts', () => {
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toMatch(/<testsuite name="cma-demo run \(local\)" tests="4" failures="1" errors="1" skipped="1"/);
  });

  it('a failure names the failed expectation and the observed values', () => {
    expect(xml).toContain(
      '<failure message="expected: replicas return to 0 within 10 s after the load ends; observed: replicas were between 1 and 3 by the deadline t=12 s" type="return">',
    );
  });

  it('skipped cases are <skipped/> with the reason; errors are escaped', () => {
    expect(xml).toContain('<skipped message="cluster only: needs a real KEDA"/>');
    expect(xml).toContain('message="Kafka unreachable at 127.0.0.1:1 &lt;&amp;&gt;"');
    expect(xmlEscape('a\u0001b"')).toBe('ab&quot;');
  });

  it('validates against test/fixtures/junit.xsd (libxml2 as WebAssembly, no system binary)', async () => {
    const r = await validateJUnit(xml);
    expect(r.errors).toBe('');
    expect(r.ok).toBe(true);
  });

  it('the schema rejects a testcase without a name (the check can fail)', async () => {
    const r = await validateJUnit(xml.replace('<testcase name="case1" ', '<testcase '));
    expect(r.ok).toBe(false);
    expect(r.errors).toContain("attribute 'name' is required");
  });
});
