import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'cma-demo.js');

/** Runs the built binary as a process (never through a shell); returns its exit code, stdout and stderr. */
export async function runCli(args: string[], opts: Options = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1', ...opts.env }, timeout: 180_000, ...opts });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
