import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReportPaths, writeReportFiles } from '../../src/scenarios/reportFiles.js';
import { sampleCase, sampleRun } from './reportFixture.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cma-report-files-'));

describe('report files', () => {
  it('checkReportPaths refuses a --report-dir under a regular file and a --junit that is a directory, before any run', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'FILE'), 'x');
    expect(() => checkReportPaths({ reportDir: path.join(d, 'FILE', 'sub') })).toThrow(/FILE\/sub \(--report-dir\)/);
    expect(() => checkReportPaths({ junit: d })).toThrow(/--junit .* is a directory/);
    expect(() => checkReportPaths({ junit: path.join(d, 'FILE', 'j.xml') })).toThrow(/\(--junit\)/);
    checkReportPaths({ reportDir: path.join(d, 'new', 'dir'), junit: path.join(d, 'out', 'junit.xml') });
    expect(fs.statSync(path.join(d, 'new', 'dir')).isDirectory()).toBe(true);
  });

  it('a report that cannot be written is an exit-3 error naming the file; the other files are still written', () => {
    const d = tmp();
    const report = sampleRun([sampleCase('case1', 'pass')]);
    const reportDir = path.join(d, 'reports');
    fs.mkdirSync(reportDir);
    fs.mkdirSync(path.join(reportDir, 'report.html')); // a directory where the file must go
    const r = writeReportFiles(report, { reportDir, junit: path.join(d, 'junit.xml') });
    expect(r.written).toEqual([path.join(reportDir, 'report.json'), path.join(d, 'junit.xml')]);
    expect(r.error?.exitCode).toBe(3);
    expect(r.error?.message).toContain(`${path.join(reportDir, 'report.html')} (--report-dir)`);
    expect(JSON.parse(fs.readFileSync(path.join(reportDir, 'report.json'), 'utf8')).cases[0].name).toBe('case1');
  });

  it('nothing to write, nothing written, no error', () => {
    expect(writeReportFiles(sampleRun([sampleCase('case1', 'pass')]), {})).toEqual({ written: [], error: null });
  });
});
