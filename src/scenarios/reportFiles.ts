/**
 * The run's report files (--report-dir: report.json + report.html, --junit): their folders are checked before a
 * case starts, and they are written after the verdict is printed, so a write that fails still leaves the verdict.
 */
import fs from 'node:fs';
import path from 'node:path';
import { envError, type CmaError } from '../errors.js';
import { ensureWritableDir } from '../paths.js';
import { renderHtml } from './html.js';
import { renderJUnit } from './junit.js';
import type { RunReport } from './report.js';

export interface ReportPaths {
  reportDir?: string;
  junit?: string;
}

/**
 * Creates the report folders and proves they are writable, before any work starts: exit 3 naming the path and
 * the flag (e.g. `--report-dir FILE/sub` where FILE is a regular file).
 */
export function checkReportPaths(p: ReportPaths): void {
  if (p.reportDir) ensureWritableDir(p.reportDir, { name: '--report-dir' });
  if (p.junit) {
    if (p.junit.endsWith('/') || (fs.existsSync(p.junit) && fs.statSync(p.junit).isDirectory())) {
      throw envError(`--junit ${p.junit} is a directory`, 'give --junit a file name, e.g. out/junit.xml', 'DIR_UNUSABLE');
    }
    ensureWritableDir(path.dirname(path.resolve(p.junit)), { name: '--junit' });
  }
}

/** Writes the report files; returns the files written and, if one failed, the error (the others are still tried). */
export function writeReportFiles(report: RunReport, p: ReportPaths): { written: string[]; error: CmaError | null } {
  const written: string[] = [];
  const failures: string[] = [];
  const files: Array<[string, () => string, string]> = [];
  if (p.reportDir) {
    files.push([path.join(p.reportDir, 'report.json'), () => JSON.stringify(report, null, 2) + '\n', '--report-dir']);
    files.push([path.join(p.reportDir, 'report.html'), () => renderHtml(report), '--report-dir']);
  }
  if (p.junit) files.push([p.junit, () => renderJUnit(report), '--junit']);
  for (const [file, render, flag] of files) {
    try {
      ensureWritableDir(path.dirname(path.resolve(file)), { name: flag });
      fs.writeFileSync(file, render());
      written.push(file);
    } catch (err) {
      failures.push(`${file} (${flag}): ${(err as Error).message}`);
    }
  }
  const error = failures.length
    ? envError(
        `the verdict above stands, but writing the report failed: ${failures.join('; ')}`,
        'check the folder and free space, then rerun with a writable --report-dir / --junit',
        'REPORT_WRITE',
      )
    : null;
  return { written, error };
}
