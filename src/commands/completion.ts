/** cma-demo completion bash|zsh|fish: a completion script generated from this program's commands and options. Thin. */
import fs from 'node:fs';
import type { Command, Option } from 'commander';
import { usageError } from '../errors.js';
import { catalogueDir } from '../scenarios/loader.js';
import { renderCompletion, SHELLS, type CommandSpec, type OptionSpec, type Shell } from '../ui/completion.js';

/** An option as the completion sees it; `a|b|c` at the start of its description is its list of values. */
function optionSpec(o: Option): OptionSpec {
  const description = o.description.split('\n')[0]!.replace(/\s+\[default:.*$/, '');
  const listed = /^([\w.-]+(?:\|[\w.-]+)+)(?=[\s:(]|$)/.exec(o.description)?.[1]?.split('|');
  const choices = o.argChoices ?? listed;
  return {
    ...(o.short ? { short: o.short } : {}),
    ...(o.long ? { long: o.long } : {}),
    description,
    takesValue: o.required,
    ...(choices?.length ? { choices } : {}),
    ...(/<[^>]*(file|dir|path)[^>]*>|kubeconfig/i.test(o.flags) ? { path: true } : {}),
  };
}

const hidden = (c: Command): boolean => Boolean((c as unknown as { _hidden?: boolean })._hidden);

function commandSpec(c: Command, args: Record<string, string[]>): CommandSpec {
  const name = c.name();
  return {
    name,
    description: c.description().split('\n')[0]!,
    options: c.options.filter((o) => !o.hidden).map(optionSpec),
    commands: c.commands.filter((s) => !hidden(s)).map((s) => commandSpec(s, {})),
    ...(args[name] ? { args: args[name] } : {}),
  };
}

/** Case names of the shipped catalogue, for `run`; none when it cannot be read. */
function caseNames(): string[] {
  try {
    return [
      ...fs
        .readdirSync(catalogueDir())
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
        .sort(),
      'all',
    ];
  } catch {
    return [];
  }
}

export function completionAction(shell: string, _flags: unknown, c: Command): void {
  if (!SHELLS.includes(shell as Shell))
    throw usageError(`no completion for shell "${shell}"`, `use one of ${SHELLS.join(', ')}, e.g. source <(cma-demo completion bash)`, 'BAD_SHELL');
  const program = c.parent!;
  const root = commandSpec(program, {});
  root.commands = program.commands.filter((s) => !hidden(s)).map((s) => commandSpec(s, { run: caseNames(), completion: SHELLS }));
  // The program's options apply after any subcommand too, except --version.
  process.stdout.write(
    renderCompletion(
      shell as Shell,
      root,
      root.options.filter((o) => o.long !== '--version'),
    ),
  );
}
