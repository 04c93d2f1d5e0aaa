/** cma-demo completion: shell completion scripts. Light metadata; the implementation (../completion.ts) loads when the command runs. */
import type { Command } from 'commander';
import type { Bind } from '../action.js';

export function registerCompletion(program: Command, bind: Bind): void {
  program
    .command('completion')
    .argument('<shell>', 'bash, zsh or fish')
    .description('print a shell completion script (bash, zsh, fish) for every command and option')
    .addHelpText(
      'after',
      `
The script is generated from this version's commands and options (and the catalogue's case names for run).

Examples:
  $ source <(cma-demo completion bash)                                        # this shell
  $ cma-demo completion bash > ~/.local/share/bash-completion/completions/cma-demo
  $ echo 'source <(cma-demo completion zsh)' >> ~/.zshrc                      # after compinit
  $ cma-demo completion fish > ~/.config/fish/completions/cma-demo.fish`,
    )
    .action(bind(async () => (await import('../completion.js')).completionAction));
}
