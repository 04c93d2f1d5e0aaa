/** The whole of `image build` (and setup --build-image): stage the hermetic context, build, report, push. */
import { CmaError, ExitCode } from '../errors.js';
import { stageImageContext } from './context.js';
import { buildImage, hasRegistry, imageSize, pickBuilder, pushImage } from './builder.js';

export interface BuildRequest {
  tag?: string;
  base?: string;
  push?: boolean;
  builder?: string;
  file?: string;
  verbose?: boolean;
  log?: (s: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  image: string;
  builder: string;
  base: string;
  version: string;
  sizeBytes: number | null;
  contextBytes: number;
  pushed: boolean;
}

export const DEFAULT_BASE = 'registry.access.redhat.com/ubi9/nodejs-20-minimal:latest';

export async function buildConsumerImage(o: BuildRequest): Promise<BuildResult> {
  const log = o.log ?? (() => {});
  if (o.push && !(o.tag && hasRegistry(o.tag))) {
    throw new CmaError(o.tag ? `--push: the tag ${o.tag} names no registry` : '--push needs --tag with a registry', {
      exitCode: ExitCode.USAGE,
      code: 'PUSH_NO_REGISTRY',
      hint: 'tag it with the registry, e.g. --tag quay.io/me/cma-demo:1; for a kind cluster build without --push and run `kind load docker-image <tag>`',
    });
  }
  const builder = pickBuilder(o.builder);
  const ctx = await stageImageContext({ containerfile: o.file, log });
  try {
    const tag = o.tag ?? `cma-demo:${ctx.version}`;
    log(`${builder.name} build ${tag} (base ${o.base ?? DEFAULT_BASE}, context ${(ctx.bytes / 1e6).toFixed(1)} MB, --network none)`);
    const t0 = Date.now();
    await buildImage({
      builder,
      contextDir: ctx.dir,
      tag,
      base: o.base,
      signal: o.signal,
      log: (l) => {
        if (o.verbose || /^STEP \d+\/\d+|^Step \d+\/\d+|^#\d+ \[/.test(l)) log(l);
      },
    });
    const size = await imageSize(builder, tag);
    log(`built ${tag} in ${((Date.now() - t0) / 1000).toFixed(1)} s${size !== null ? `, ${(size / 1e6).toFixed(1)} MB` : ''}`);
    if (o.push) await pushImage(builder, tag, log);
    return {
      image: tag,
      builder: builder.name,
      base: o.base ?? DEFAULT_BASE,
      version: ctx.version,
      sizeBytes: size,
      contextBytes: ctx.bytes,
      pushed: Boolean(o.push),
    };
  } finally {
    ctx.remove();
  }
}
