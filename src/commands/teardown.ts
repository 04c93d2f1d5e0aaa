/** cma-demo teardown: remove what setup created (reverse order, labelled objects only). Thin. */
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor, type Output } from '../output.js';
import type { Kube } from '../cluster/kube.js';
import { CmaError, usageError } from '../errors.js';
import { parseDuration } from '../util/numbers.js';
import { validateNamespace } from '../manifests/params.js';
import { binFor, detectPlatform, kubeFromGlobals } from '../cluster/connect.js';
import { runTeardownStep, teardownPlan, type Deleted } from '../cluster/teardown.js';
import { connectionFromSecret } from '../cluster/externalKafka.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { clearLastTarget } from '../state/lastTarget.js';
import { resolveClusterTarget } from '../state/resolveTarget.js';

interface Flags {
  yes?: boolean;
  dryRun?: boolean;
  all?: boolean;
  platform?: string;
  timeout?: string;
  kubectl?: string;
}

/**
 * `teardown --dry-run`: what teardown would delete, found the way it finds it (the managed-by label, the topics the
 * last setup recorded), deleting nothing. Text: one line an object on stdout; -o json|yaml: one document.
 */
async function teardownDryRun(
  kube: Kube,
  o: {
    namespace: string;
    platform: 'openshift' | 'kubernetes';
    context: string;
    server: string;
    all: boolean;
    timeoutMs: number;
    at: ReturnType<typeof resolveClusterTarget>;
    out: Output;
  },
): Promise<void> {
  const would: Deleted[] = [];
  for (const s of teardownPlan(o.namespace, { all: o.all, platform: o.platform })) {
    const step = { namespace: o.namespace, kedaNamespace: DEMO_DEFAULTS.kedaNamespaceOpenShift, timeoutMs: o.timeoutMs, dryRun: true };
    would.push(...(await runTeardownStep(kube, s, step)));
  }
  const last = o.at.lastSetup?.namespace === o.namespace ? o.at.lastSetup : null;
  for (const t of last?.kafka ? (last.createdTopics ?? []) : [])
    would.push({ object: `topic ${t}`, note: `created by setup --kafka ${last!.kafka!.mode}; deleted if it still exists` });
  if (o.out.format !== 'text') {
    const { namespace, platform, context, server } = o;
    o.out.document({ namespace, platform, context, server, dryRun: true, wouldDelete: would, warnings: o.out.warnings });
    return;
  }
  for (const w of would) o.out.text(`would delete ${w.object}${w.note ? ` (${w.note})` : ''}`);
  o.out.info(
    would.length ? `teardown --dry-run: ${would.length} object(s) would be deleted; nothing was deleted` : 'nothing labelled managed-by=cma-demo was found',
  );
}

/** Deletes what setup created; a failed step stops the run with its own exit code (2 usage, 3 environment). */
export async function teardownAction(flags: Flags, c: Command): Promise<void> {
  const g = globalsOf<{ kubectl?: string }>(c);
  const out = outputFor(c);
  const at = resolveClusterTarget(g, flags);
  const namespace = validateNamespace(at.namespace);
  const timeoutMs = (parseDuration(flags.timeout, '--timeout', { unit: 's', exclusiveMin: true }) ?? 300) * 1000;
  const dryRun = Boolean(flags.dryRun);
  // Refused before the cluster is touched: a confirmation a non-interactive run cannot give.
  if (!flags.yes && !dryRun && (!process.stdin.isTTY || !process.stderr.isTTY)) {
    throw usageError(
      `teardown deletes objects in ${namespace} and needs a confirmation a non-interactive run cannot give`,
      'rerun with --yes (or --dry-run to see what it would delete)',
      'CONFIRMATION_REQUIRED',
    );
  }
  const kube0 = kubeFromGlobals(at);
  const platform = at.platform ?? (await detectPlatform(kube0));
  const kube = kube0.withBin(binFor(platform, at));
  const server = (await kube.serverUrl()) ?? '?';
  const context = (await kube.currentContext()) ?? '(no current context)';
  out.info(`target: cluster ${server} (context ${context}), namespace ${namespace}, platform ${platform}${dryRun ? ', dry run: nothing is deleted' : ''}`);
  if (dryRun) return teardownDryRun(kube, { namespace, platform, context, server, all: Boolean(flags.all), timeoutMs, at, out });
  if (!flags.yes) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    const a = await rl.question(
      `Delete everything cma-demo created in namespace ${namespace}${flags.all ? ' and its operators' : ''} on context ${context} (${server})? [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(a.trim())) {
      out.info('nothing deleted');
      return;
    }
  }
  const deleted: Deleted[] = [];
  let failure: CmaError | null = null;
  // `setup --kafka local|existing` created topics with the admin API: read the credentials before their Secret goes.
  const last = at.lastSetup?.namespace === namespace ? at.lastSetup : null;
  const topics = last?.kafka ? (last.createdTopics ?? []) : [];
  const topicConn = topics.length
    ? connectionFromSecret(
        last!.kafka!,
        (await kube.get('secret', DEMO_DEFAULTS.credentialSecret, namespace))?.data,
        `Secret ${namespace}/${DEMO_DEFAULTS.credentialSecret}`,
      )
    : null;
  for (const s of teardownPlan(namespace, { all: Boolean(flags.all), platform })) {
    try {
      const d = await runTeardownStep(kube, s, { namespace, kedaNamespace: DEMO_DEFAULTS.kedaNamespaceOpenShift, timeoutMs, log: (x) => out.info(`  ${x}`) });
      for (const x of d) out.info(`deleted ${x.object}${x.note ? ` (${x.note})` : ''}`);
      deleted.push(...d);
    } catch (err) {
      failure = err instanceof CmaError ? err : new CmaError((err as Error).message);
      break;
    }
  }
  if (!failure && topicConn) {
    // Only the topics setup created; a topic that existed before setup is never deleted.
    const { openAdmin } = await import('../kafka/kafkajs.js');
    const admin = await openAdmin(topicConn);
    try {
      const present = new Set(await admin.listTopics());
      const gone = topics.filter((t) => present.has(t));
      if (gone.length) await admin.deleteTopics(gone);
      for (const t of gone) {
        out.info(`deleted topic ${t} (created by setup --kafka ${last!.kafka!.mode})`);
        deleted.push({ object: `topic ${t}` });
      }
    } finally {
      await admin.close();
    }
  }
  if (!failure && flags.all && at.lastSetup?.namespace === namespace) clearLastTarget();
  const doc = { namespace, platform, ok: !failure, deleted, error: failure ? { message: failure.message, hint: failure.hint } : null, warnings: out.warnings };
  if (failure) {
    throw new CmaError(failure.message, {
      hint: failure.hint ?? 'rerun teardown; it continues with what is left',
      exitCode: failure.exitCode,
      code: failure.code,
      cause: failure,
      document: doc,
    });
  }
  if (out.format !== 'text') out.document(doc);
  else out.info(deleted.length ? `teardown complete: ${deleted.length} object(s) deleted` : 'nothing labelled managed-by=cma-demo was found');
}
