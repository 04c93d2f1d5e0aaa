import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import YAML from 'yaml';
import { usageError, type Warning } from './errors.js';
import { globalsOf } from './options.js';

export type { Warning } from './errors.js';
export type OutputFormat = 'text' | 'json' | 'yaml' | 'prom';

/** Parses `-o`; `table` is an alias of `text`; `prom` only where a command allows it. */
export function parseOutputFormat(value: string | undefined, allowed: OutputFormat[] = ['text', 'json', 'yaml']): OutputFormat {
  const v = (value ?? 'text').toLowerCase();
  const f = (v === 'table' ? 'text' : v) as OutputFormat;
  if (!allowed.includes(f)) {
    throw usageError(`unknown output format "${value}"`, `use -o ${allowed.join('|')}`);
  }
  return f;
}

/**
 * What a command writes. stdout carries exactly one document (or one JSON object per line with --watch)
 * when the format is machine-readable; everything else goes to stderr. Warnings are printed on stderr and
 * collected for the document's warnings[].
 */
/**
 * Colour on stderr: only on a TTY, never with TERM=dumb, and never when NO_COLOR is set to a non-empty value
 * (no-color.org: an empty NO_COLOR does not turn colour off). --no-color overrides all of it (Output's `color`).
 */
export function colorWanted(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

export class Output {
  readonly format: OutputFormat;
  readonly warnings: Warning[] = [];
  readonly color: ChalkInstance;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  quiet = false;

  constructor(format: OutputFormat, opts: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; color?: boolean; env?: NodeJS.ProcessEnv } = {}) {
    this.format = format;
    this.out = opts.stdout ?? process.stdout;
    this.err = opts.stderr ?? process.stderr;
    const env = opts.env ?? process.env;
    this.stdoutIsTTY = Boolean((this.out as NodeJS.WriteStream).isTTY);
    this.stderrIsTTY = Boolean((this.err as NodeJS.WriteStream).isTTY);
    const wantColor = opts.color ?? colorWanted(this.stderrIsTTY, env);
    this.color = new Chalk({ level: wantColor ? 1 : 0 });
  }

  get machine(): boolean {
    return this.format !== 'text';
  }

  /** Writes the one document of a machine-readable format. */
  document(doc: unknown): void {
    if (this.format === 'yaml') this.out.write(YAML.stringify(doc));
    else this.out.write(JSON.stringify(doc, null, 2) + '\n');
  }

  /** One JSON object per line (watch mode). */
  line(doc: unknown): void {
    this.out.write(JSON.stringify(doc) + '\n');
  }

  /** Human text on stdout (text format only). */
  text(s: string): void {
    this.out.write(s.endsWith('\n') ? s : s + '\n');
  }

  /** Raw stdout write (prom exposition, YAML of --dry-run). */
  raw(s: string): void {
    this.out.write(s);
  }

  /** Progress and periodic lines: stderr. */
  info(s: string): void {
    if (!this.quiet) this.err.write(s.endsWith('\n') ? s : s + '\n');
  }

  warn(code: string, message: string): void {
    if (this.warnings.some((w) => w.code === code && w.message === message)) return;
    this.warnings.push({ code, message });
    this.err.write(this.color.yellow(`warning: ${message}`) + ` [${code}]\n`);
  }

  error(message: string, hint?: string): void {
    this.err.write(this.color.red(`error: ${message}`) + '\n');
    if (hint) this.err.write(`hint: ${hint}\n`);
  }

  get stderr(): NodeJS.WritableStream {
    return this.err;
  }
  get stdout(): NodeJS.WritableStream {
    return this.out;
  }
}

/** Builds the Output of a command from the global options (-o, --no-color). */
export function outputFor(cmd: Command, allowed?: OutputFormat[]): Output {
  const g = globalsOf(cmd);
  return new Output(parseOutputFormat(g.output, allowed), g.color === false ? { color: false } : {});
}
