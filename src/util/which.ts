/** Finding a program the way a shell does: a path with a slash as it is, else the first executable on PATH. */
import fs from 'node:fs';
import path from 'node:path';

export function which(bin: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const executable = (p: string): boolean => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (bin.includes('/')) return executable(bin) ? bin : null;
  for (const d of (env.PATH ?? '').split(path.delimiter)) {
    if (d && executable(path.join(d, bin))) return path.join(d, bin);
  }
  return null;
}
