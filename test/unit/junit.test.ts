import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderJUnit, xmlEscape } from '../../src/scenarios/junit.js';
import { sampleCase, sampleRun } from './reportFixture.js';

const XSD = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/junit.xsd');
const hasXmllint = (() => {
  try {
    return execaSync('xmllint', ['--version'], { reject: false }).exitCode === 0;
  } catch {
    return false;
  }
})();

async function validate(xml: string): Promise<{ ok: boolean; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junit-'));
  const f = path.join(dir, 'junit.xml');
  fs.writeFileSync(f, xml);
  const r = await execa('xmllint', ['--noout', '--schema', XSD, f], { reject: false });
  return { ok: r.exitCode === 0, stderr: String(r.stderr) };
}

describe('JUnit XML', () => {
  const run = sampleRun([sampleCase('case1', 'pass'), sampleCase('case2', 'fail'), sampleCase('fallback', 'skipped'), sampleCase('case4/latest-trap', 'error')]);
  const xml = renderJUnit(run);

  it('has one testcase per case, with counts', () => {
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toMatch(/<testsuite name="cma-demo run \(local\)" tests="4" failures="1" errors="1" skipped="1"/);
  });

  it('a failure names the failed expectation and the observed values', () => {
    expect(xml).toContain('<failure message="expected: replicas return to 0 within 10 s after the load ends; observed: replicas were between 1 and 3 by the deadline t=12 s" type="return">');
  });

  it('skipped cases are <skipped/> with the reason; errors are escaped', () => {
    expect(xml).toContain('<skipped message="cluster only: needs a real KEDA"/>');
    expect(xml).toContain('message="Kafka unreachable at 127.0.0.1:1 &lt;&amp;&gt;"');
    expect(xmlEscape('a\u0001b"')).toBe('ab&quot;');
  });

  it.skipIf(!hasXmllint)('validates against test/fixtures/junit.xsd with xmllint', async () => {
    const r = await validate(xml);
    expect(r.stderr).toContain('validates');
    expect(r.ok).toBe(true);
  });

  it.skipIf(!hasXmllint)('the schema rejects a testcase without a name (the check can fail)', async () => {
    const r = await validate(xml.replace('<testcase name="case1" ', '<testcase '));
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain("attribute 'name' is required");
  });
});
