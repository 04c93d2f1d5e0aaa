/** cma-demo teardown: remove what setup created. Light metadata: options and help; the implementation (../teardown.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import type { Bind } from '../action.js';

export function registerTeardown(program: Command, bind: Bind): void {
  program
    .command('teardown')
    .description('remove what setup created: ScaledObject → consumer → topics/user → Kafka (→ KEDA and operators with --all); only objects labelled managed-by=cma-demo')
    .addOption(new Option('--yes', 'do not ask (required without a TTY)'))
    .addOption(new Option('--all', 'also the KedaController, Subscriptions, their CSVs, the OperatorGroup and the namespaces cma-demo created'))
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes').default('auto'))
    .addOption(new Option('--timeout <s>', 'wait for each deletion (finalizers) at most this long [default: 300]'))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'))
    .action(bind(async () => (await import('../teardown.js')).teardownAction));
}
