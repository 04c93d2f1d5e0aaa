import { describe, expect, it } from 'vitest';
import { renderBash, renderFish, renderZsh, type CommandSpec, type OptionSpec } from '../../src/ui/completion.js';

const globals: OptionSpec[] = [
  { short: '-o', long: '--output', description: 'text|json|yaml (table = text)', takesValue: true, choices: ['text', 'json', 'yaml'] },
];
const root: CommandSpec = {
  name: 'tool',
  description: 'a tool',
  options: globals,
  commands: [
    { name: 'local', description: "it's local", options: [], commands: [{ name: 'up', description: 'start', options: [], commands: [] }] },
    {
      name: 'run',
      description: 'run cases',
      options: [
        { long: '--report-dir', description: 'where', takesValue: true, path: true },
        { long: '--fast', description: 'faster', takesValue: false },
      ],
      commands: [],
      args: ['case1', 'all'],
    },
  ],
};

describe('completion scripts from the command tree', () => {
  it('bash: subcommands per path, options with the global ones, choices and path options keyed by path|option', () => {
    const b = renderBash(root, globals);
    expect(b).toContain(`    '') echo 'local run' ;;`);
    expect(b).toContain(`    'local') echo 'up' ;;`);
    expect(b).toContain(`    'run') echo '--report-dir --fast -o --output --help' ;;`);
    expect(b).toContain(`    'run') echo 'case1 all' ;;`);
    expect(b).toContain(`    'run|--output') echo 'text json yaml' ;;`);
    expect(b).toContain(`    'run|--report-dir') echo 'yes' ;;`);
    expect(b).not.toContain(`'run|--fast'`); // a flag without a value never takes the next word
    expect(b).toContain('complete -o default -F _tool tool');
  });

  it('zsh loads the same functions through bashcompinit', () => {
    const z = renderZsh(root, globals);
    expect(z).toContain('bashcompinit');
    expect(z).toContain(renderBash(root, globals));
  });

  it('fish: one complete line each, conditioned on the command path, quotes escaped', () => {
    const f = renderFish(root, globals);
    expect(f).toContain(`complete -c tool -s o -l output -x -a 'text json yaml' -d 'text|json|yaml (table = text)'`);
    expect(f).toContain(`complete -c tool -n '__tool_at \\'\\'' -a 'local' -d 'it\\'s local'`);
    expect(f).toContain(`complete -c tool -n '__tool_at \\'run\\'' -l report-dir -r -F -d 'where'`);
    expect(f).toContain(`complete -c tool -n '__tool_at \\'run\\'' -a 'case1 all'`);
    expect(f).toContain(`complete -c tool -n '__tool_at \\'local\\'' -a 'up' -d 'start'`);
  });
});
