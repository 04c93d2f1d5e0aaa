/**
 * One exit path: command actions return an exit code or throw a CmaError; only src/cli.ts prints errors and
 * decides the exit code (src/output.ts defines Output.error, which only cli.ts calls).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bindTo, reportError } from '../../src/cli.js';
import { CmaError, ExitCode, usageError } from '../../src/errors.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const ALLOWED = new Set(['cli.ts', 'output.ts']);

/** Lines that set process.exitCode or print an error, outside the files allowed to. */
export function exitPathViolations(files: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (ALLOWED.has(file)) continue;
    text.split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line)) return; // comments
      if (/\bprocess\.exitCode\s*=(?!=)/.test(line)) found.push(`${file}:${i + 1}: sets process.exitCode`);
      if (/\b(out|output)\.error\(|\bconsole\.error\(/.test(line)) found.push(`${file}:${i + 1}: prints an error`);
    });
  }
  return found;
}

function sources(dir: string, base = dir, acc: Record<string, string> = {}): Record<string, string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, base, acc);
    else if (e.name.endsWith('.ts')) acc[path.relative(base, p).split(path.sep).join('/')] = fs.readFileSync(p, 'utf8');
  }
  return acc;
}

describe('one exit path', () => {
  it('the scan finds a planted exit-code write and a planted error print, and ignores cli.ts and comments', () => {
    expect(
      exitPathViolations({
        'commands/x.ts':
          "out.info('ok');\n    process.exitCode = 3;\n  out.error('boom', 'hint');\n// process.exitCode = 1 in a comment\nif (process.exitCode === 2) {}",
        'cli.ts': 'process.exitCode = 1; out.error("x");',
      }),
    ).toEqual(['commands/x.ts:2: sets process.exitCode', 'commands/x.ts:3: prints an error']);
  });

  it('no module under src/ but cli.ts sets process.exitCode or prints an error', () => {
    expect(exitPathViolations(sources(SRC))).toEqual([]);
  });

  it("an action's returned code reaches the exit path; nothing returned is 0; a throw propagates", async () => {
    const codes: number[] = [];
    const bind = bindTo((c) => codes.push(c));
    const p = new Command('t').exitOverride();
    p.command('three').action(bind(async () => () => 3));
    p.command('none').action(bind(async () => async () => undefined));
    p.command('fails').action(
      bind(async () => () => {
        throw usageError('bad flag');
      }),
    );
    await p.parseAsync(['three'], { from: 'user' });
    await p.parseAsync(['none'], { from: 'user' });
    await expect(p.parseAsync(['fails'], { from: 'user' })).rejects.toThrow('bad flag');
    expect(codes).toEqual([3, 0]);
  });
});

describe('reportError', () => {
  const written = { out: '', err: '' };
  afterEach(() => {
    vi.restoreAllMocks();
    written.out = '';
    written.err = '';
  });
  const capture = (): void => {
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((written.out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((written.err += String(s)), true));
  };

  it('a CmaError: its document on stdout with -o json, message and hint on stderr, its exit code', async () => {
    capture();
    const err = new CmaError('no local Kafka broker runs', { hint: 'start one', exitCode: ExitCode.ENV, document: { running: false } });
    expect(await reportError(err, { output: 'json', color: false })).toBe(3);
    expect(JSON.parse(written.out)).toEqual({ running: false });
    expect(written.err).toBe('error: no local Kafka broker runs\nhint: start one\n');
  });

  it('with -o text the document is not printed; a usage error exits 2; an unknown error is a bug (3)', async () => {
    capture();
    expect(await reportError(new CmaError('x', { exitCode: ExitCode.USAGE, document: { a: 1 } }), { output: 'text', color: false })).toBe(2);
    expect(written.out).toBe('');
    expect(await reportError(new Error('kaput'), { color: false })).toBe(3);
    expect(written.err).toContain('error: kaput\nhint: this is a bug in cma-demo');
  });
});
