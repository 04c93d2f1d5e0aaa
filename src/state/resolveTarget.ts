/**
 * The one cluster resolver: which cluster, namespace and demo objects a command means.
 *
 * Precedence, field by field (the same for run, lag, status, teardown, the in-cluster mode and ClusterTarget):
 *
 *   1. flags          the command's flags, then the global ones (-n/--namespace, --context, --kubeconfig)
 *   2. environment    CMA_DEMO_NAMESPACE, CMA_DEMO_CONTEXT, KUBECONFIG, CMA_DEMO_KUBECTL
 *   3. last setup     what the last successful `setup` recorded (state/lastTarget.ts), but only while the flags and
 *                     the environment name no other context or kubeconfig than it recorded: a different cluster
 *                     does not inherit that setup's namespace, platform or names
 *   4. DEMO_DEFAULTS  the seed demo's names (demoDefaults.ts)
 *
 * The platform has no default: when neither a flag nor the last setup gives it, the caller detects it from the
 * API groups. Commander already folds the environment twins into the global options; the resolver reads them
 * as well so that callers without a command line (ClusterTarget built in code) follow the same rule.
 */
import path from 'node:path';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { usageError } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { readLastTarget, type LastTarget } from './lastTarget.js';

export type ClusterPlatform = 'openshift' | 'kubernetes';

/** The global options that select a cluster (commander's, or set in code). */
export type ClusterGlobals = Pick<GlobalOptions, 'namespace' | 'context' | 'kubeconfig'> & { kubectl?: string };

/** Command flags that name the cluster side's objects. Absent (undefined) means "not given". */
export interface ClusterTargetFlags {
  kubectl?: string;
  /** auto|openshift|kubernetes; auto (or absent): the last setup's, else the caller detects it. */
  platform?: string;
  kafkaCluster?: string;
  kafkaUser?: string;
  topic?: string;
  auditTopic?: string;
  group?: string;
}

export interface ResolvedClusterTarget {
  namespace: string;
  context?: string;
  kubeconfig?: string;
  kubectl?: string;
  /** Undefined: detect from the API groups. */
  platform?: ClusterPlatform;
  kafkaCluster: string;
  kafkaUser: string;
  topic: string;
  auditTopic: string;
  group: string;
  app: string;
  scaledObject: string;
  credentialSecret: string;
  /** The last setup's record when it applies (same cluster), else null. */
  lastSetup: LastTarget | null;
}

/** A flag or recorded value: null and undefined are "not given". */
const given = (v: string | undefined | null): string | undefined => v ?? undefined;
/** An environment variable: empty is unset. */
const fromEnv = (v: string | undefined): string | undefined => (v === '' ? undefined : v);

function parsePlatform(v: string | undefined): ClusterPlatform | undefined {
  if (v === undefined || v === 'auto') return undefined;
  if (v === 'openshift' || v === 'kubernetes') return v;
  throw usageError(`--platform must be auto, openshift or kubernetes, got "${v}"`, 'e.g. --platform openshift', 'BAD_PLATFORM');
}

const samePath = (a: string, b: string): boolean => path.resolve(a) === path.resolve(b);

/** Resolves the cluster target (see the precedence above). `last` defaults to the recorded last setup. */
export function resolveClusterTarget(
  globals: ClusterGlobals,
  flags: ClusterTargetFlags = {},
  src: { env?: NodeJS.ProcessEnv; last?: LastTarget | null } = {},
): ResolvedClusterTarget {
  const env = src.env ?? process.env;
  const recorded = src.last !== undefined ? src.last : readLastTarget(env);
  // 1 + 2: what the flags and the environment say.
  const context = given(globals.context) ?? fromEnv(env.CMA_DEMO_CONTEXT);
  const kubeconfig = given(globals.kubeconfig) ?? fromEnv(env.KUBECONFIG);
  const kubectl = given(flags.kubectl) ?? given(globals.kubectl) ?? fromEnv(env.CMA_DEMO_KUBECTL);
  const namespace = given(globals.namespace) ?? fromEnv(env.CMA_DEMO_NAMESPACE);
  // 3: the last setup, while it describes the same cluster.
  const otherCluster =
    recorded !== null &&
    ((context !== undefined && context !== (recorded.context ?? undefined)) ||
      (kubeconfig !== undefined && !(recorded.kubeconfig && samePath(kubeconfig, recorded.kubeconfig))));
  const last = otherCluster ? null : recorded;
  return {
    namespace: namespace ?? last?.namespace ?? DEMO_DEFAULTS.namespace,
    context: context ?? given(last?.context),
    kubeconfig: kubeconfig ?? given(last?.kubeconfig),
    kubectl,
    platform: parsePlatform(given(flags.platform)) ?? last?.platform,
    kafkaCluster: given(flags.kafkaCluster) ?? last?.kafkaCluster ?? DEMO_DEFAULTS.kafkaCluster,
    kafkaUser: given(flags.kafkaUser) ?? last?.kafkaUser ?? DEMO_DEFAULTS.kafkaUser,
    topic: given(flags.topic) ?? last?.topic ?? DEMO_DEFAULTS.topic,
    auditTopic: given(flags.auditTopic) ?? last?.auditTopic ?? DEMO_DEFAULTS.auditTopic,
    group: given(flags.group) ?? last?.group ?? DEMO_DEFAULTS.group,
    app: DEMO_DEFAULTS.app,
    scaledObject: DEMO_DEFAULTS.scaledObject,
    credentialSecret: DEMO_DEFAULTS.credentialSecret,
    lastSetup: last,
  };
}

/**
 * The default target kind (contracts): --target, else the cluster of the last setup when one is recorded and no
 * Kafka connection was given explicitly, else local.
 */
export function chooseTargetKind(
  globals: Pick<GlobalOptions, 'target'>,
  o: { kafkaGiven?: boolean; env?: NodeJS.ProcessEnv; last?: LastTarget | null } = {},
): { kind: 'local' | 'cluster'; reason: string } {
  if (globals.target) return { kind: globals.target, reason: '--target' };
  if (o.kafkaGiven) return { kind: 'local', reason: 'default: a Kafka connection was given' };
  const last = o.last !== undefined ? o.last : readLastTarget(o.env ?? process.env);
  return last
    ? { kind: 'cluster', reason: `default: the cluster of the last setup, namespace ${last.namespace}` }
    : { kind: 'local', reason: 'default: no cluster recorded by setup' };
}
