/**
 * Resolves the Kafka connection of produce, lag, consume and run:
 * flags > CMA_DEMO_* environment > --command-config properties > the running local broker.
 * The password only ever comes from CMA_DEMO_KAFKA_PASSWORD, a mode-0600 --password-file, a mode-0600
 * --command-config (sasl.jaas.config), or the local broker's own mode-0600 password file.
 */
import fsp from 'node:fs/promises';
import { CmaError, ExitCode, envError, usageError } from '../errors.js';
import type { KafkaConnection, SaslMechanism, SecurityProtocol } from './client.js';
import { mechanismOfLoginModule, parseJaasConfig, parseProperties, propertyProblems } from './properties.js';

export interface ConnectionFlags {
  bootstrapServer?: string;
  securityProtocol?: string;
  saslMechanism?: string;
  username?: string;
  passwordFile?: string;
  caFile?: string;
  commandConfig?: string;
}

/** What resolveConnection needs to know about a running local broker. */
export interface LocalBrokerRef {
  bootstrap: string;
  saslBootstrap: string;
  username: string;
  passwordFile: string;
}

export type PasswordSource =
  { kind: 'env' } | { kind: 'file'; path: string } | { kind: 'command-config'; path: string; password: string } | { kind: 'local'; path: string };

/** A connection before its secrets and CA files are read: the pure outcome of the precedence rules. */
export interface ConnectionPlan {
  brokers: string[];
  securityProtocol: SecurityProtocol;
  sasl?: { mechanism: SaslMechanism; username: string; password: PasswordSource };
  caFile?: string;
  /** Inline PEM (ssl.truststore.certificates). */
  caPem?: string;
  /** ssl.endpoint.identification.algorithm= (empty): no host name check. */
  skipHostnameCheck?: boolean;
  source: string;
}

const PROTOCOLS: SecurityProtocol[] = ['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL'];
const MECHANISMS: SaslMechanism[] = ['scram-sha-512', 'scram-sha-256', 'plain'];

export function parseSecurityProtocol(v: string, from: string): SecurityProtocol {
  const p = v.trim().toUpperCase() as SecurityProtocol;
  if (!PROTOCOLS.includes(p)) throw usageError(`unknown security protocol "${v}" (${from})`, `use one of ${PROTOCOLS.join('|')}`, 'BAD_PROTOCOL');
  return p;
}

export function parseSaslMechanism(v: string, from: string): SaslMechanism {
  const m = v.trim().toLowerCase() as SaslMechanism;
  if (!MECHANISMS.includes(m)) throw usageError(`unknown SASL mechanism "${v}" (${from})`, `use one of ${MECHANISMS.join('|')}`, 'BAD_MECHANISM');
  return m;
}

export function parseBrokers(v: string, from: string): string[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw usageError(`empty bootstrap server list (${from})`, 'pass host:port[,host:port…]', 'BAD_BOOTSTRAP');
  for (const b of list) {
    if (!/^(\[[0-9a-fA-F:]+\]|[^\s:/]+):\d{1,5}$/.test(b)) {
      throw usageError(`bootstrap server "${b}" is not host:port (${from})`, 'pass host:port[,host:port…], e.g. 127.0.0.1:9092', 'BAD_BOOTSTRAP');
    }
  }
  return list;
}

const hasSasl = (p: SecurityProtocol): boolean => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';
const hasTls = (p: SecurityProtocol): boolean => p === 'SSL' || p === 'SASL_SSL';

/**
 * The precedence rules, pure. `props` is the parsed --command-config (with whether its file is mode 0600);
 * `local` the running local broker or null.
 */
export function planConnection(input: {
  flags: ConnectionFlags;
  env: NodeJS.ProcessEnv;
  props?: { path: string; values: Map<string, string>; private: boolean } | null;
  local?: LocalBrokerRef | null;
}): ConnectionPlan {
  const { flags, env } = input;
  const props = input.props ?? null;
  const pv = (k: string): string | undefined => props?.values.get(k);
  const cc = props ? `--command-config ${props.path}` : '';

  // Bootstrap servers.
  let brokers: string[] | null = null;
  let source = '';
  if (flags.bootstrapServer) {
    brokers = parseBrokers(flags.bootstrapServer, '--bootstrap-server');
    source = '--bootstrap-server';
  } else if (env.CMA_DEMO_BOOTSTRAP_SERVER) {
    brokers = parseBrokers(env.CMA_DEMO_BOOTSTRAP_SERVER, 'CMA_DEMO_BOOTSTRAP_SERVER');
    source = 'CMA_DEMO_BOOTSTRAP_SERVER';
  } else if (pv('bootstrap.servers')) {
    brokers = parseBrokers(pv('bootstrap.servers')!, cc);
    source = cc;
  }

  const explicitProtocol =
    flags.securityProtocol !== undefined
      ? parseSecurityProtocol(flags.securityProtocol, '--security-protocol')
      : env.CMA_DEMO_SECURITY_PROTOCOL
        ? parseSecurityProtocol(env.CMA_DEMO_SECURITY_PROTOCOL, 'CMA_DEMO_SECURITY_PROTOCOL')
        : pv('security.protocol')
          ? parseSecurityProtocol(pv('security.protocol')!, cc)
          : undefined;

  const jaasText = pv('sasl.jaas.config');
  const jaas = jaasText ? parseJaasConfig(jaasText) : null;
  if (jaasText && !jaas)
    throw usageError(`cannot read sasl.jaas.config in ${props!.path}`, 'expected: <LoginModule> required username="…" password="…";', 'BAD_JAAS');

  const mechanism =
    flags.saslMechanism !== undefined
      ? parseSaslMechanism(flags.saslMechanism, '--sasl-mechanism')
      : env.CMA_DEMO_SASL_MECHANISM
        ? parseSaslMechanism(env.CMA_DEMO_SASL_MECHANISM, 'CMA_DEMO_SASL_MECHANISM')
        : pv('sasl.mechanism')
          ? parseSaslMechanism(pv('sasl.mechanism')!, cc)
          : ((jaas && mechanismOfLoginModule(jaas.loginModule)) ?? 'scram-sha-512');

  const username = flags.username || env.CMA_DEMO_USERNAME || jaas?.username || undefined;
  const passwordFile = flags.passwordFile || env.CMA_DEMO_PASSWORD_FILE || undefined;
  const explicitPassword = (): PasswordSource | null => {
    if (passwordFile) return { kind: 'file', path: passwordFile };
    if (env.CMA_DEMO_KAFKA_PASSWORD !== undefined && env.CMA_DEMO_KAFKA_PASSWORD !== '') return { kind: 'env' };
    if (jaas?.password !== undefined) {
      if (!props!.private) {
        throw usageError(
          `${props!.path} holds a password (sasl.jaas.config) but other users can read it`,
          `chmod 600 ${props!.path}, or move the password to CMA_DEMO_KAFKA_PASSWORD or a mode-0600 --password-file`,
          'INSECURE_PASSWORD_FILE',
        );
      }
      return { kind: 'command-config', path: props!.path, password: jaas.password };
    }
    return null;
  };

  const caFile = flags.caFile || env.CMA_DEMO_CA_FILE || undefined;

  // Fall back to the running local broker.
  if (!brokers) {
    const local = input.local ?? null;
    if (!local) {
      throw new CmaError('no Kafka to talk to: no --bootstrap-server was given and no local broker runs', {
        hint: 'start one with "cma-demo local up", or pass --bootstrap-server (or CMA_DEMO_BOOTSTRAP_SERVER)',
        exitCode: ExitCode.ENV,
        code: 'NO_KAFKA',
      });
    }
    const protocol = explicitProtocol ?? 'PLAINTEXT';
    if (hasTls(protocol)) {
      throw usageError(
        `the local broker has no ${protocol} listener`,
        'use --security-protocol PLAINTEXT or SASL_PLAINTEXT with the local broker',
        'BAD_PROTOCOL',
      );
    }
    if (protocol === 'PLAINTEXT') return { brokers: [local.bootstrap], securityProtocol: 'PLAINTEXT', source: 'local broker' };
    const user = username ?? local.username;
    const pw = explicitPassword() ?? (user === local.username ? ({ kind: 'local', path: local.passwordFile } as const) : null);
    if (!pw) throw missingPassword(user);
    return {
      brokers: [local.saslBootstrap],
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: flags.saslMechanism || env.CMA_DEMO_SASL_MECHANISM ? mechanism : 'scram-sha-512', username: user, password: pw },
      source: 'local broker',
    };
  }

  // No protocol given: a user name implies SASL, a CA implies TLS (Kafka's own default is PLAINTEXT).
  const wantsTls = Boolean(caFile || pv('ssl.truststore.location') || pv('ssl.truststore.certificates'));
  const protocol: SecurityProtocol = explicitProtocol ?? (username ? (wantsTls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : wantsTls ? 'SSL' : 'PLAINTEXT');
  const plan: ConnectionPlan = { brokers, securityProtocol: protocol, source };
  if (hasSasl(protocol)) {
    if (!username) {
      throw usageError(
        `${protocol} needs a SASL user name`,
        'pass --username (or CMA_DEMO_USERNAME, or username= in sasl.jaas.config of --command-config)',
        'NO_USERNAME',
      );
    }
    const pw = explicitPassword();
    if (!pw) throw missingPassword(username);
    plan.sasl = { mechanism, username, password: pw };
  }
  if (hasTls(protocol)) {
    if (caFile) plan.caFile = caFile;
    else if (pv('ssl.truststore.certificates')) plan.caPem = pv('ssl.truststore.certificates');
    else if (pv('ssl.truststore.location')) {
      const type = (pv('ssl.truststore.type') ?? 'JKS').toUpperCase();
      if (type !== 'PEM') {
        throw usageError(
          `${type} truststore ${pv('ssl.truststore.location')} in ${props!.path} cannot be read by cma-demo`,
          'export the CA as PEM (e.g. keytool -exportcert -rfc -keystore … -alias …) and pass --ca-file, or set ssl.truststore.type=PEM',
          'UNSUPPORTED_TRUSTSTORE',
        );
      }
      plan.caFile = pv('ssl.truststore.location');
    }
    if (pv('ssl.endpoint.identification.algorithm') === '') plan.skipHostnameCheck = true;
  }
  return plan;
}

function missingPassword(user: string): CmaError {
  return usageError(
    `no password for SASL user ${user}`,
    'set CMA_DEMO_KAFKA_PASSWORD or pass --password-file FILE (mode 0600); passwords are never accepted as flags',
    'NO_PASSWORD',
  );
}

/** Reads a secret file that must not be readable by group or others (mode 0600 or stricter). */
export async function readPrivateFile(file: string, what: string): Promise<string> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch (err) {
    throw usageError(`${what} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the path', 'BAD_PASSWORD_FILE');
  }
  if ((st.mode & 0o077) !== 0) {
    throw usageError(
      `${what} ${file} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; it must not be readable by others (0600)`,
      `chmod 600 ${file}`,
      'INSECURE_PASSWORD_FILE',
    );
  }
  return fsp.readFile(file, 'utf8');
}

async function readCommandConfig(file: string): Promise<{ path: string; values: Map<string, string>; private: boolean }> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.stat(file).then((s) => s.mode)]);
  } catch (err) {
    throw usageError(
      `--command-config ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'check the path',
      'BAD_COMMAND_CONFIG',
    );
  }
  const problems = propertyProblems(text);
  if (problems.length) {
    throw usageError(
      problems
        .slice(0, 5)
        .map((p) => `--command-config ${file}:${p.line}: ${p.message}`)
        .join('\n'),
      'fix or remove the line; Kafka client properties are key=value lines (# starts a comment)',
      'BAD_COMMAND_CONFIG',
    );
  }
  return { path: file, values: parseProperties(text), private: (mode & 0o077) === 0 };
}

/** Turns a plan into a connection: reads the password and CA files. */
export async function materialize(plan: ConnectionPlan, env: NodeJS.ProcessEnv = process.env): Promise<KafkaConnection> {
  const conn: KafkaConnection = { brokers: plan.brokers, securityProtocol: plan.securityProtocol, source: plan.source };
  if (plan.sasl) {
    const src = plan.sasl.password;
    let password: string;
    if (src.kind === 'env') password = env.CMA_DEMO_KAFKA_PASSWORD ?? '';
    else if (src.kind === 'command-config') password = src.password;
    else if (src.kind === 'local') {
      try {
        password = (await readPrivateFile(src.path, 'local broker password file')).trim();
      } catch (err) {
        throw envError(
          `the local broker's password file ${src.path} cannot be used: ${(err as Error).message}`,
          'restart it: cma-demo local down && cma-demo local up',
          'LOCAL_STATE',
          err,
        );
      }
    } else password = (await readPrivateFile(src.path, 'password file')).replace(/\r?\n$/, '');
    if (!password) throw missingPassword(plan.sasl.username);
    conn.sasl = { mechanism: plan.sasl.mechanism, username: plan.sasl.username, password };
  }
  if (plan.securityProtocol === 'SSL' || plan.securityProtocol === 'SASL_SSL') {
    const tls: NonNullable<KafkaConnection['tls']> = {};
    if (plan.caFile) {
      try {
        tls.ca = await fsp.readFile(plan.caFile, 'utf8');
      } catch (err) {
        throw usageError(`CA file ${plan.caFile} cannot be read: ${(err as NodeJS.ErrnoException).code}`, 'pass a PEM bundle with --ca-file', 'BAD_CA_FILE');
      }
    } else if (plan.caPem) tls.ca = plan.caPem;
    if (plan.skipHostnameCheck) tls.checkServerIdentity = () => undefined;
    conn.tls = tls;
  }
  return conn;
}

/**
 * Finds the running local broker, or null. The caller passes it in (commands pass src/local/broker.ts's
 * brokerStatus): the local broker is built on this module, so this module never imports it.
 */
export type LocalBrokerLookup = (env: NodeJS.ProcessEnv) => Promise<LocalBrokerRef | null>;

/**
 * flags > CMA_DEMO_* env > --command-config > the running local broker (exit 3 when none and no bootstrap).
 * Without `localBroker` there is no local fallback.
 */
export async function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  localBroker?: LocalBrokerLookup,
): Promise<KafkaConnection> {
  const ccFile = flags.commandConfig || env.CMA_DEMO_COMMAND_CONFIG;
  const props = ccFile ? await readCommandConfig(ccFile) : null;
  let local: LocalBrokerRef | null = null;
  const needsLocal = !flags.bootstrapServer && !env.CMA_DEMO_BOOTSTRAP_SERVER && !props?.values.get('bootstrap.servers');
  if (needsLocal && localBroker) local = await localBroker(env);
  return materialize(planConnection({ flags, env, props, local }), env);
}
