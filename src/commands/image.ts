/** cma-demo image build (action; options and help in meta/image.ts). */
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { CmaError, ExitCode } from '../errors.js';
import { catchInterrupts } from '../util/interrupt.js';

export interface ImageBuildFlags {
  tag?: string;
  base?: string;
  push?: boolean;
  builder?: string;
  file?: string;
}

export async function imageBuildAction(flags: ImageBuildFlags, cmd: Command): Promise<void> {
  const out = outputFor(cmd);
  const verbose = Boolean(globalsOf(cmd).verbose);
  const { buildConsumerImage } = await import('../image/build.js');
  const ac = catchInterrupts({ onFirst: () => out.info('image: interrupted, stopping the build…') });
  try {
    const r = await buildConsumerImage({ ...flags, log: (s) => out.info(`image: ${s}`), verbose, signal: ac.signal });
    if (out.machine) out.document({ ...r, warnings: out.warnings });
    else out.text(r.image);
  } finally {
    ac.dispose();
  }
  if (ac.signal.aborted) throw new CmaError('interrupted', { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
}
