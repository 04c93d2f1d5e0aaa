import { Command } from 'commander';
import { usageError } from '../errors.js';

/** A command that a later issue builds: it exists, says so, and exits 2 (no fake behaviour). */
export function notImplemented(program: Command, name: string, summary: string, issue: string): Command {
  return program
    .command(name)
    .description(`${summary} (not implemented yet: ${issue})`)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw usageError(`"cma-demo ${name}" is not implemented yet`, `it is tracked in ${issue}`, 'NOT_IMPLEMENTED');
    });
}
