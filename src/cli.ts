/** The commander program: global options, command registration, and the one place errors become exit codes. */
import { Command, CommanderError, Option } from 'commander';
import { DEMO_DEFAULTS } from './demoDefaults.js';
import { CmaError, ExitCode } from './errors.js';
import { Output } from './output.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('cma-demo')
    .description(
      'Demo and test harness for the Custom Metrics Autoscaler (KEDA) scaling a Kafka consumer on lag.\n' +
        'Sets up the cluster side, produces load, watches lag the way KEDA sees it, and runs scripted scaling cases\n' +
        'on a cluster or on a local Kafka broker with an emulator of KEDA + HPA.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'text|json|yaml (table = text; lag adds prom)').default('text').env('CMA_DEMO_OUTPUT'))
    .addOption(new Option('--target <target>', 'local|cluster [default: the cluster of the last setup, else local]').choices(['local', 'cluster']).env('CMA_DEMO_TARGET'))
    .addOption(new Option('-n, --namespace <ns>', `Kubernetes namespace [default: the last setup's, else ${DEMO_DEFAULTS.namespace}]`).env('CMA_DEMO_NAMESPACE'))
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
  program.exitOverride();
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(s),
  });
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `cma-demo … | head` closes the pipe early: that is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  const out = new Output('text');
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    // commander already printed its message
    return ExitCode.USAGE;
  }
  if (err instanceof CmaError) {
    out.error(err.message, err.hint);
    return err.exitCode;
  }
  const e = err as Error;
  out.error(e?.message ?? String(err), 'this is a bug in cma-demo; rerun with --verbose and report it');
  if (process.env.CMA_DEMO_DEBUG) console.error(e?.stack);
  return ExitCode.ENV;
}
