/**
 * `setup --kafka local|existing`: a Kafka that setup does not install. The connection comes from the flags and
 * environment of produce/lag (or the running local broker's SASL listener); the topic is made with the Kafka
 * admin API; the credentials Secret is made from the given credentials.
 */
import { CmaError, ExitCode, envError, usageError } from '../errors.js';
import type { KafkaConnection } from '../kafka/client.js';
import type { ConnectionFlags, LocalBrokerLookup } from '../kafka/connection.js';
import type { ExternalKafka } from '../manifests/params.js';

export type KafkaMode = 'strimzi' | 'local' | 'existing';

export function parseKafkaMode(v: string | undefined): KafkaMode {
  const m = (v ?? 'strimzi').toLowerCase();
  if (m === 'strimzi' || m === 'local' || m === 'existing') return m;
  throw usageError(
    `--kafka must be strimzi, local or existing, got "${v}"`,
    'strimzi installs Kafka with Strimzi; existing uses --bootstrap-server …; local uses `cma-demo local up`',
  );
}

export interface ResolvedExternalKafka {
  kafka: ExternalKafka;
  /** Holds the password in memory: never printed. */
  connection: KafkaConnection;
}

/** Describes the connection for the rendered objects (bootstrap, protocol, mechanism, whether a CA is given). */
export function externalKafkaOf(mode: 'local' | 'existing', conn: KafkaConnection): ExternalKafka {
  const ca = (conn.tls as { ca?: unknown } | undefined)?.ca;
  return {
    mode,
    bootstrap: conn.brokers.join(','),
    securityProtocol: conn.securityProtocol,
    saslMechanism: conn.sasl?.mechanism,
    hasCa: Array.isArray(ca) ? ca.length > 0 : Boolean(ca),
  };
}

export async function resolveExternalKafka(
  mode: 'local' | 'existing',
  flags: ConnectionFlags,
  deps: {
    connectionFromFlags: (f: ConnectionFlags) => Promise<KafkaConnection>;
    localBroker: LocalBrokerLookup;
    localConnection: (sasl: boolean) => Promise<KafkaConnection>;
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedExternalKafka> {
  if (mode === 'local') {
    if (flags.bootstrapServer)
      throw usageError('--kafka local uses the local broker: --bootstrap-server does not apply', 'drop --bootstrap-server, or use --kafka existing');
    const info = await deps.localBroker(env);
    if (!info) throw envError('--kafka local: no local Kafka broker runs', 'start one with `cma-demo local up`, then rerun setup', 'NO_LOCAL_BROKER');
    // The SASL listener (SCRAM-SHA-512), so the TriggerAuthentication and the credentials Secret are exercised.
    const connection = await deps.localConnection(true);
    return { kafka: externalKafkaOf('local', connection), connection };
  }
  if (!flags.bootstrapServer && !env.CMA_DEMO_BOOTSTRAP_SERVER && !flags.commandConfig && !env.CMA_DEMO_COMMAND_CONFIG) {
    throw usageError(
      '--kafka existing needs the Kafka connection',
      'pass --bootstrap-server host:port (plus --security-protocol/--sasl-mechanism/--username and CMA_DEMO_KAFKA_PASSWORD or --password-file as for `cma-demo lag`)',
    );
  }
  const connection = await deps.connectionFromFlags(flags);
  return { kafka: externalKafkaOf('existing', connection), connection };
}

/** The credentials Secret's data (base64) for the given connection: username/password for SASL, ca.crt for TLS. */
export function credentialSecretData(conn: KafkaConnection): Record<string, string> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const data: Record<string, string> = {};
  if (conn.sasl) {
    data.username = b64(conn.sasl.username);
    data.password = b64(conn.sasl.password);
  }
  const ca = (conn.tls as { ca?: string | string[] | Buffer } | undefined)?.ca;
  if (ca) data['ca.crt'] = b64(Array.isArray(ca) ? ca.join('\n') : String(ca));
  return data;
}

/** Topic replicas must fit on the brokers the cluster really has. */
export function checkReplicas(topicReplicas: number, brokerCount: number, bootstrap: string): void {
  if (topicReplicas > brokerCount) {
    throw new CmaError(`--topic-replicas ${topicReplicas} is more than the ${brokerCount} broker(s) of the Kafka at ${bootstrap}`, {
      exitCode: ExitCode.USAGE,
      code: 'TOPIC_REPLICAS_GT_BROKERS',
      hint: `use --topic-replicas ${brokerCount} (or fewer)`,
    });
  }
}

/**
 * The connection from this machine to a Kafka set up with `--kafka local|existing`: bootstrap, protocol and
 * mechanism as setup recorded them, credentials and CA from the credentials Secret setup made (pure).
 */
export function connectionFromSecret(
  rec: { bootstrap: string; securityProtocol: string; saslMechanism: string | null },
  secretData: Record<string, string> | undefined,
  where: string,
): KafkaConnection {
  const dec = (k: string) => (secretData?.[k] ? Buffer.from(secretData[k]!, 'base64').toString('utf8') : undefined);
  const protocol = rec.securityProtocol as KafkaConnection['securityProtocol'];
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const conn: KafkaConnection = { brokers: rec.bootstrap.split(','), securityProtocol: protocol, source: `setup --kafka (${where})` };
  if (sasl) {
    const username = dec('username');
    const password = dec('password');
    if (!username || !password) {
      throw envError(
        `${where} has no username/password keys`,
        'rerun `cma-demo setup --only credentials` with the Kafka connection flags',
        'NO_KAFKA_CREDENTIALS',
      );
    }
    conn.sasl = { mechanism: (rec.saslMechanism ?? 'scram-sha-512') as NonNullable<KafkaConnection['sasl']>['mechanism'], username, password };
  }
  if (tls) {
    const ca = dec('ca.crt');
    conn.tls = ca ? { ca: [ca] } : {};
  }
  return conn;
}
