/** cma-demo image build: light metadata (options, help); the implementation (../image.ts) loads when it runs. */
import { type Command, Option } from 'commander';
import type { Bind } from '../action.js';

export function registerImage(program: Command, bind: Bind): void {
  const image = program
    .command('image')
    .description('the consumer image (build)')
    .addHelpText(
      'after',
      `
The image is built from the package's Containerfile with a hermetic context: this package, packed and installed
with its production dependencies on this host, so no build step downloads anything (the build runs with
--network none). The default base is Red Hat's UBI 9 Node.js 20 minimal image; --base takes any image with
node 20+ on PATH, e.g. one made without a registry by scripts/image/local-node-base.sh.

Examples:
  $ cma-demo image build                                   # → cma-demo:<version> with podman, buildah or docker
  $ cma-demo image build --tag quay.io/me/cma-demo:1 --push
  $ cma-demo image build --base localhost/cma-demo-node-base:20 --tag cma-demo:test
  $ cma-demo setup --platform kubernetes --build-image --image quay.io/me/cma-demo:1   # build, push, deploy`,
    );
  image
    .command('build')
    .description('build the consumer image and print its reference')
    .option('--tag <image>', 'the image reference to build (default cma-demo:<version>)')
    .option('--base <image>', 'the Node 20+ base image (Containerfile ARG BASE)')
    .option('--push', 'push the image to the registry in --tag')
    .addOption(new Option('--builder <name>', 'the builder to use (default: the first found)').choices(['podman', 'buildah', 'docker']))
    .option('--file <path>', 'a Containerfile other than the package one (its context is still the hermetic one)')
    .action(bind(async () => (await import('../image.js')).imageBuildAction));
}
