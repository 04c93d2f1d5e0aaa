/** cma-demo teardown: remove what setup created. Light metadata: options and help; the implementation (../teardown.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import type { Bind } from '../action.js';

export function registerTeardown(program: Command, bind: Bind): void {
  program
    .command('teardown')
    .description(
      'remove what setup created: ScaledObject → consumer → topics/user → Kafka (→ KEDA and operators with --all); only objects labelled managed-by=cma-demo',
    )
    .addOption(new Option('--yes', 'do not ask (required without a TTY)'))
    .addOption(new Option('--dry-run', 'list what would be deleted (stdout), delete nothing'))
    .addOption(new Option('--all', 'also the KedaController, Subscriptions, their CSVs, the OperatorGroup and the namespaces cma-demo created'))
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes').default('auto'))
    .addOption(new Option('--timeout <s>', 'wait for each deletion (finalizers) at most this long [default: 300]'))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'))
    .addHelpText(
      'after',
      `
Asks before deleting (naming the namespace and the kubeconfig context); without a TTY it needs --yes (exit 2).
An object that existed before setup (no managed-by=cma-demo label) is never deleted.
Exit: 0 done (also when nothing was found) · 2 no confirmation · 3 the cluster failed or a deletion timed out.

Examples:
  $ cma-demo teardown --dry-run                          # what would be deleted; deletes nothing
  $ cma-demo teardown                                    # asks, then deletes in reverse order of setup
  $ cma-demo teardown --yes -n my-demo --context prod    # in a CI step
  $ cma-demo teardown --yes --all                        # also KEDA and the operators cma-demo installed
  $ cma-demo -o json teardown --yes                      # the deleted objects as a document`,
    )
    .action(bind(async () => (await import('../teardown.js')).teardownAction));
}
