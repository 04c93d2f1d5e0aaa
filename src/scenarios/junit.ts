/** JUnit XML of a run (pure): one testcase per case; failures name the expectation and the observed values. */
import type { RunReport } from './report.js';

/** Escapes text for XML and drops characters XML 1.0 cannot hold. */
export function xmlEscape(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const attrs = (o: Record<string, string | number>) =>
  Object.entries(o)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

export function renderJUnit(r: RunReport, opts: { timestamp?: string } = {}): string {
  const count = (v: string) => r.cases.filter((c) => c.verdict === v).length;
  const time = r.cases.reduce((s, c) => s + c.durationSeconds, 0);
  const suite = {
    name: `cma-demo run (${r.target})`,
    tests: r.cases.length,
    failures: count('fail'),
    errors: count('error'),
    skipped: count('skipped'),
    time: time.toFixed(3),
    timestamp: (opts.timestamp ?? r.startedAt).replace(/\.\d+Z$/, '').replace(/Z$/, ''),
  };
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites${attrs({ name: 'cma-demo', tests: suite.tests, failures: suite.failures, errors: suite.errors, skipped: suite.skipped, time: suite.time })}>`,
  );
  out.push(`  <testsuite${attrs(suite)}>`);
  out.push('    <properties>');
  out.push(`      <property${attrs({ name: 'target', value: r.target })}/>`);
  out.push(`      <property${attrs({ name: 'fast.factor', value: r.profile.factor })}/>`);
  for (const [k, v] of Object.entries(r.versions)) out.push(`      <property${attrs({ name: `version.${k}`, value: v })}/>`);
  out.push('    </properties>');
  for (const c of r.cases) {
    const open = `    <testcase${attrs({ name: c.name, classname: `cma-demo.${r.target}.${c.name.split('/')[0]!}`, file: c.file, time: c.durationSeconds.toFixed(3) })}`;
    const failed = c.expectations.filter((e) => e.ok !== true);
    const detail = c.expectations.map((e) => `${e.ok === true ? 'ok  ' : e.ok === false ? 'FAIL' : 'open'} ${e.text}: ${e.observed}`).join('\n');
    const auditLine = c.audit
      ? `\naudit: produced ${c.audit.produced}, processed ${c.audit.processed}, lost ${c.audit.lost}, duplicates ${c.audit.duplicates}, scale-downs ${c.audit.scaleDowns}`
      : '';
    if (c.verdict === 'pass') {
      out.push(`${open}>`);
      out.push(`      <system-out>${xmlEscape(detail + auditLine)}</system-out>`);
      out.push('    </testcase>');
    } else if (c.verdict === 'skipped') {
      out.push(`${open}>`);
      out.push(`      <skipped${attrs({ message: c.reason ?? 'skipped' })}/>`);
      out.push('    </testcase>');
    } else if (c.verdict === 'fail') {
      const first = failed[0];
      const message = first ? `expected: ${first.text}; observed: ${first.observed}` : (c.reason ?? 'failed');
      out.push(`${open}>`);
      out.push(`      <failure${attrs({ message, type: first?.kind ?? 'expectation' })}>${xmlEscape(detail + auditLine)}</failure>`);
      out.push('    </testcase>');
    } else {
      out.push(`${open}>`);
      out.push(`      <error${attrs({ message: c.reason ?? 'error', type: 'error' })}>${xmlEscape(detail)}</error>`);
      out.push('    </testcase>');
    }
  }
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
