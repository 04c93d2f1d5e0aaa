/** A short hash of what the consumer image is built from (package.json, bin/, dist/, Containerfile). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MANIFESTS_DIR } from './render.js';

export function sourceHash(root = path.dirname(MANIFESTS_DIR), env: NodeJS.ProcessEnv = process.env): string {
  // A fixed value (CI, reproducible demos, tests in a checkout others rebuild) overrides the computed one.
  if (env.CMA_DEMO_SOURCE_HASH) return env.CMA_DEMO_SOURCE_HASH;
  const h = crypto.createHash('sha256');
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (!e.endsWith('.map')) walk(path.join(p, e));
    } else {
      h.update(path.relative(root, p)).update('\0').update(fs.readFileSync(p)).update('\0');
    }
  };
  for (const e of ['package.json', 'Containerfile', 'bin', 'dist']) walk(path.join(root, e));
  return h.digest('hex').slice(0, 16);
}
