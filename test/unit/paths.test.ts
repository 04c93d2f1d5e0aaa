import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CmaError } from '../../src/errors.js';
import { ensureWritableDir, usableCacheDir, usableStateDir } from '../../src/paths.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cma-paths-'));

function thrown(fn: () => unknown): CmaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CmaError);
    return err as CmaError;
  }
  throw new Error('expected an error');
}

describe('ensureWritableDir', () => {
  it('creates missing parents and leaves no probe behind', () => {
    const d = path.join(tmp(), 'a', 'b', 'c');
    expect(ensureWritableDir(d, { name: '--report-dir' })).toBe(d);
    expect(fs.statSync(d).isDirectory()).toBe(true);
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it('FILE/sub where FILE is a regular file: exit 3 naming the path and the flag', () => {
    const file = path.join(tmp(), 'FILE');
    fs.writeFileSync(file, 'x');
    const e = thrown(() => ensureWritableDir(path.join(file, 'sub'), { name: '--report-dir' }));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain(`${file}/sub (--report-dir)`);
    expect(e.message).toContain('ENOTDIR');
    expect(e.hint).toContain('--report-dir');
  });

  it('a regular file in place of the directory is refused (EEXIST)', () => {
    const file = path.join(tmp(), 'FILE');
    fs.writeFileSync(file, 'x');
    expect(thrown(() => ensureWritableDir(file, { name: '--junit' })).message).toContain('EEXIST');
  });

  it('a path under /proc fails at once instead of spinning (Node 20 recursive mkdir loops there)', () => {
    const e = thrown(() => ensureWritableDir('/proc/x/y', { name: 'CMA_DEMO_STATE' }));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain('/proc/x/y (CMA_DEMO_STATE)');
  });

  it('usableStateDir / usableCacheDir name their variable, or say the default is in use', () => {
    const file = path.join(tmp(), 'FILE');
    fs.writeFileSync(file, 'x');
    expect(thrown(() => usableStateDir({ CMA_DEMO_STATE: path.join(file, 's') })).message).toContain('(CMA_DEMO_STATE)');
    expect(thrown(() => usableCacheDir({ CMA_DEMO_CACHE: path.join(file, 'c') })).hint).toContain('set CMA_DEMO_CACHE to');
    const ok = path.join(tmp(), 'state');
    expect(usableStateDir({ CMA_DEMO_STATE: ok })).toBe(ok);
  });
});
