/**
 * The commander program: global options, command registration, and the one place errors become exit codes.
 * Start-up stays light: this module and the commands' metadata (commands/meta/) import only commander and a few
 * small modules; a command's implementation, the output module (chalk, yaml) and everything else load when a
 * command runs (test/unit/imports.test.ts checks this).
 */
import { Command, CommanderError, Option } from 'commander';
import { DEMO_DEFAULTS } from './demoDefaults.js';
import { CmaError, ExitCode } from './errors.js';
import type { ActionResult, Bind } from './commands/action.js';
import { registerCommands } from './commands/index.js';
import type { GlobalOptions } from './options.js';
import { VERSION } from './version.js';

/**
 * The program. `onResult` receives the exit code the command's action returned (see commands/action.ts); a
 * thrown error is reported by main().
 */
export function buildProgram(onResult: (code: number) => void = () => undefined): Command {
  const program = new Command('cma-demo')
    .description(
      'Demo and test harness for the Custom Metrics Autoscaler (KEDA) scaling a Kafka consumer on lag.\n' +
        'Sets up the cluster side, produces load, watches lag the way KEDA sees it, and runs scripted scaling cases\n' +
        'on a cluster or on a local Kafka broker with an emulator of KEDA + HPA.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'text|json|yaml (table = text; lag adds prom)').default('text').env('CMA_DEMO_OUTPUT'))
    .addOption(
      new Option('--target <target>', 'local|cluster [default: the cluster of the last setup, else local]')
        .choices(['local', 'cluster'])
        .env('CMA_DEMO_TARGET'),
    )
    .addOption(
      new Option('-n, --namespace <ns>', `Kubernetes namespace [default: the last setup's, else ${DEMO_DEFAULTS.namespace}]`).env('CMA_DEMO_NAMESPACE'),
    )
    .addOption(new Option('--context <name>', 'kubeconfig context').env('CMA_DEMO_CONTEXT'))
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig file').env('KUBECONFIG'))
    .option('--no-color', 'no colour (also NO_COLOR, or when stderr is not a TTY)')
    .option('-v, --verbose', 'more detail on stderr')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 a case's expectation failed · 2 usage/configuration · 3 environment (cluster, Kafka, tool, timeout) · 130 interrupted

Examples:
  $ cma-demo local up                                  # a real Kafka broker on this machine
  $ cma-demo produce 1000000 10000 100                 # like kafka-producer-perf-test: records, rate, size
  $ cma-demo lag --group test-cg --watch               # per-partition lag and what KEDA sees
  $ cma-demo run case2 --target local --fast           # a scripted scaling case, verdict and report
  $ cma-demo setup --dry-run --platform openshift      # the manifests setup would apply`,
    );
  // Subcommands inherit these settings when they are created: `cma-demo <cmd> --help` lists the global options too.
  program.configureHelp({ showGlobalOptions: true });
  program.exitOverride();
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(s),
  });
  registerCommands(program, bindTo(onResult));
  return program;
}

/** The Bind the registrations get: loads the action, runs it, and hands its exit code (nothing = 0) to onResult. */
export function bindTo(onResult: (code: number) => void): Bind {
  return (load) =>
    async (...args) => {
      const action = (await load()) as (...a: unknown[]) => Promise<ActionResult> | ActionResult;
      const code = await action(...args);
      onResult(typeof code === 'number' ? code : ExitCode.OK);
    };
}

export async function main(argv: string[]): Promise<number> {
  // `cma-demo … | head` closes the pipe early: that is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  let code: number = ExitCode.OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return await reportError(err, program.opts() as GlobalOptions);
  }
}

/**
 * The one place an error becomes output and an exit code: commander's usage errors (already printed) → 2; a
 * CmaError → its document (with -o json|yaml) on stdout, its message and hint on stderr, its exit code; anything
 * else is a bug → 3.
 */
export async function reportError(err: unknown, globals: GlobalOptions = {}): Promise<number> {
  const color = globals.color === false ? { color: false } : {};
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    // commander already printed its message
    return ExitCode.USAGE;
  }
  const { Output } = await import('./output.js');
  if (err instanceof CmaError) {
    if (err.document !== undefined) {
      const format = documentFormat(globals.output);
      if (format) new Output(format, color).document(err.document);
    }
    new Output('text', color).error(err.message, err.hint);
    return err.exitCode;
  }
  const e = err as Error;
  new Output('text', color).error(e?.message ?? String(err), 'this is a bug in cma-demo; rerun with --verbose and report it');
  if (process.env.CMA_DEMO_DEBUG) console.error(e?.stack);
  return ExitCode.ENV;
}

/** The machine format a failure's document is printed in, or null (text, prom, or an -o that did not parse). */
function documentFormat(output: string | undefined): 'json' | 'yaml' | null {
  const v = (output ?? 'text').toLowerCase();
  return v === 'json' || v === 'yaml' ? v : null;
}
