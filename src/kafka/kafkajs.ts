/**
 * The KafkaJS adapter: the only place (with other src/kafka/kafkajs*.ts files) that imports 'kafkajs'.
 * Builds clients from a KafkaConnection, implements our KafkaAdmin, and maps KafkaJS errors to CmaError.
 */
import net from 'node:net';
import tls from 'node:tls';
import kafkajs from 'kafkajs';
import type { Admin, Kafka as KafkaType, KafkaConfig, logCreator as LogCreator, SASLOptions } from 'kafkajs';
import { CmaError, ExitCode } from '../errors.js';
import { retry } from '../util/retry.js';
import { sleep } from '../util/sleep.js';
import type { CommittedOffset, GroupDescription, KafkaAdmin, KafkaConnection, PartitionEnd } from './client.js';
import { dnsError, dnsFailureIn, unresolvableHost } from './dns.js';

const { Kafka, logLevel, AssignerProtocol } = kafkajs;

/** How long connecting may take before we give up with an "unreachable" error (the contract says ≤ 10 s). */
export const CONNECT_DEADLINE_MS = 6_000;

let verbose = false;
/** Routes KafkaJS's own logger to stderr (--verbose); silent otherwise. */
export function setKafkaVerbose(on: boolean): void {
  verbose = on;
}

const stderrLogCreator: LogCreator = () => (entry) => {
  const { namespace, log } = entry;
  const { message, timestamp: _t, logger: _l, ...rest } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
  const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
  process.stderr.write(`kafkajs ${logLevel[entry.level] ?? entry.level} [${namespace}] ${message}${extra}\n`);
};

/** A KafkaJS client for a connection (producers and consumers inside src/kafka/ build on it). */
export function kafkaFor(conn: KafkaConnection, opts: { clientId?: string; retries?: number; isolation?: 'read_committed' } = {}): KafkaType {
  const config: KafkaConfig = {
    clientId: opts.clientId ?? conn.clientId ?? 'cma-demo',
    brokers: conn.brokers,
    connectionTimeout: 3_000,
    authenticationTimeout: 10_000,
    requestTimeout: 30_000,
    retry: { retries: opts.retries ?? 5, initialRetryTime: 200, maxRetryTime: 3_000 },
    logLevel: verbose ? logLevel.INFO : logLevel.NOTHING,
    logCreator: stderrLogCreator,
  };
  if (conn.securityProtocol === 'SSL' || conn.securityProtocol === 'SASL_SSL') config.ssl = conn.tls ?? true;
  if (conn.sasl) config.sasl = { mechanism: conn.sasl.mechanism, username: conn.sasl.username, password: conn.sasl.password } as SASLOptions;
  const sockets = new Set<net.Socket>();
  config.socketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect(Object.assign({ host, port }, !net.isIP(host) ? { servername: host } : {}, ssl as tls.ConnectionOptions), onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    if (deadClients.has(sockets)) socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
  const kafka = new Kafka(config);
  socketsOf.set(kafka, sockets);
  readUncommittedAdmin(kafka, opts.isolation === 'read_committed' ? 1 : 0);
  return kafka;
}

const socketsOf = new WeakMap<KafkaType, Set<net.Socket>>();

/**
 * Destroys every socket of a client. After a failed connect KafkaJS may keep a socket waiting for a reply
 * for its whole request timeout (and the process alive with it); this ends them at once.
 */
export function destroySockets(kafka: KafkaType): void {
  const set = socketsOf.get(kafka);
  if (!set) return;
  deadClients.add(set); // sockets KafkaJS opens later (its retries) are closed at once
  for (const s of set) s.destroy();
}
const deadClients = new WeakSet<Set<net.Socket>>();

/**
 * KafkaJS's admin lists offsets READ_COMMITTED (its cluster gets no isolation level), so "high" would be the
 * last stable offset. kafka-consumer-groups, kafka_exporter and KEDA use the high watermark: clusters
 * created without an isolation level (admin, producer) get READ_UNCOMMITTED. Consumers pass their own.
 */
function readUncommittedAdmin(kafka: KafkaType, level: 0 | 1 = 0): void {
  const k = kafka as unknown as Record<symbol, unknown>;
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!sym || typeof k[sym] !== 'function') return; // a future KafkaJS: endOffsets falls back to its default
  const create = k[sym] as (o: Record<string, unknown>) => unknown;
  // level 1 (READ_COMMITTED) only for lastStableOffsets' own client.
  k[sym] = (o: Record<string, unknown>) => create({ ...o, isolationLevel: o.isolationLevel ?? level /* 0 = READ_UNCOMMITTED */ });
}

interface KafkaJsErrorLike {
  name?: string;
  message?: string;
  type?: string;
  code?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

function chain(err: unknown): KafkaJsErrorLike[] {
  const out: KafkaJsErrorLike[] = [];
  let e: unknown = err;
  for (let i = 0; e && typeof e === 'object' && i < 10; i++) {
    out.push(e as KafkaJsErrorLike);
    const x = e as KafkaJsErrorLike;
    e = x.originalError ?? x.cause;
  }
  return out;
}

/** Maps a KafkaJS (or socket) error to a CmaError naming the problem and the fix. */
export function mapKafkaError(err: unknown, conn: KafkaConnection): CmaError {
  if (err instanceof CmaError) return err;
  const links = chain(err);
  const where = conn.brokers.join(',');
  const text = links.map((l) => `${l.name ?? ''} ${l.type ?? ''} ${l.code ?? ''} ${l.message ?? ''}`).join(' | ');
  const first = (links.find((l) => l.message)?.message ?? String(err)).split('\n')[0];

  if (
    links.some((l) => l.name === 'KafkaJSSASLAuthenticationError') ||
    /SASL_AUTHENTICATION_FAILED|SASL .*authentication failed|Authentication failed/i.test(text)
  ) {
    const user = conn.sasl?.username ?? '(none)';
    return new CmaError(`SASL authentication failed for user ${user} at ${where}`, {
      hint: 'check the password (CMA_DEMO_KAFKA_PASSWORD or --password-file), the user name and --sasl-mechanism; for the local broker omit them',
      exitCode: ExitCode.ENV,
      code: 'KAFKA_AUTH',
      cause: err,
    });
  }
  if (/UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE/i.test(text) || (conn.sasl && /Connection closed by the server|unexpected EOF/i.test(text))) {
    return new CmaError(`Kafka at ${where} refused SASL ${conn.sasl?.mechanism ?? ''}: ${first}`, {
      hint: 'check --security-protocol and --sasl-mechanism against the listener (the local broker: SASL_PLAINTEXT, scram-sha-512, on its saslBootstrap port)',
      exitCode: ExitCode.ENV,
      code: 'KAFKA_SASL',
      cause: err,
    });
  }
  if (/certificate|self[- ]signed|SSL routines|wrong version number|ERR_TLS|DEPTH_ZERO|UNABLE_TO_VERIFY/i.test(text)) {
    return new CmaError(`TLS handshake with Kafka at ${where} failed: ${first}`, {
      hint: 'pass the cluster CA with --ca-file (PEM), and check --security-protocol (SSL/SASL_SSL only on TLS listeners)',
      exitCode: ExitCode.ENV,
      code: 'KAFKA_TLS',
      cause: err,
    });
  }
  if (/Closed connection|Connection closed/i.test(text) && !/ECONNREFUSED/.test(text)) {
    return new CmaError(`Kafka at ${where} closed the connection (${conn.securityProtocol})`, {
      hint: 'check --security-protocol: the listener may expect SASL or TLS (or not); the local broker has PLAINTEXT on its bootstrap port and SASL_PLAINTEXT on saslBootstrap',
      exitCode: ExitCode.ENV,
      code: 'KAFKA_PROTOCOL',
      cause: err,
    });
  }
  const dnsFailure = dnsFailureIn(text);
  if (dnsFailure) return dnsError(dnsFailure.host, dnsFailure.code, conn, err);
  if (
    links.some((l) =>
      /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSConnectionClosedError|KafkaJSRequestTimeoutError|KafkaJSBrokerNotFound/.test(l.name ?? ''),
    ) ||
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|Connection timeout|connect deadline/i.test(text)
  ) {
    return new CmaError(`cannot reach Kafka at ${where}: ${first}`, {
      hint:
        conn.source === 'local broker'
          ? 'the local broker does not answer; check "cma-demo local status" and its log, or restart it'
          : 'check --bootstrap-server (host:port of a listener reachable from here), or start the local broker with "cma-demo local up"' +
            (conn.tls !== undefined || conn.securityProtocol.endsWith('SSL')
              ? '; a TLS client on a non-TLS listener also waits like this (check --security-protocol)'
              : ''),
      exitCode: ExitCode.ENV,
      code: 'KAFKA_UNREACHABLE',
      retriable: true,
      cause: err,
    });
  }
  const typed = links.find((l) => l.type);
  return new CmaError(`Kafka error${typed ? ` ${typed.type}` : ''} from ${where}: ${first}`, {
    hint: 'rerun with --verbose for the client log',
    exitCode: ExitCode.ENV,
    code: typed?.type ? `KAFKA_${typed.type}` : 'KAFKA_ERROR',
    retriable: links.some((l) => l.retriable === true),
    cause: err,
  });
}

/** Runs fn (a connect) with a deadline; on timeout calls onTimeout (a disconnect) and throws an unreachable error. */
export async function withDeadline<T>(fn: () => Promise<T>, ms: number, conn: KafkaConnection, onTimeout?: () => Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onTimeout?.().catch(() => {});
      reject(new Error(`connect deadline of ${ms / 1000} s exceeded`));
    }, ms);
  });
  try {
    return await Promise.race([fn(), deadline]);
  } catch (err) {
    clearTimeout(timer);
    const mapped = mapKafkaError(err, conn);
    // KafkaJS retries a failed host lookup until the deadline: say so when a bootstrap host does not resolve.
    const dnsFailure = mapped.code === 'KAFKA_UNREACHABLE' ? await unresolvableHost(conn.brokers) : null;
    throw dnsFailure ? dnsError(dnsFailure.host, dnsFailure.code, conn, err) : mapped;
  } finally {
    clearTimeout(timer);
  }
}

const num = (s: string | number): number => Number(s);

const RETRIABLE_TYPES = new Set([
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'UNKNOWN_LEADER_EPOCH',
]);

class KafkaJsAdmin implements KafkaAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly conn: KafkaConnection,
  ) {}

  /**
   * Runs an admin call. Coordinator moves and loads and leader elections (RETRIABLE_TYPES) are retried for up to
   * 15 s: a fresh broker loads __consumer_offsets for a few seconds. This is the only retry around admin reads;
   * callers (readPartitionOffsets, …) do not add another.
   */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, {
      attempts: 30,
      deadlineMs: 15_000,
      backoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
      retriable: (err) => chain(err).some((l) => l.type !== undefined && RETRIABLE_TYPES.has(l.type)),
    }).catch((err: unknown) => {
      throw mapKafkaError(err, this.conn);
    });
  }

  listTopics(): Promise<string[]> {
    return this.call(() => this.admin.listTopics());
  }

  async brokerCount(): Promise<number> {
    return (await this.call(() => this.admin.describeCluster())).brokers.length;
  }

  async ensureTopic(
    topic: string,
    partitions: number,
    opts: { replicationFactor?: number; timeoutMs?: number } = {},
  ): Promise<{ created: boolean; partitions: number }> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let created = false;
    const existing = await this.call(() => this.admin.listTopics());
    if (!existing.includes(topic)) {
      try {
        created = await this.admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor: opts.replicationFactor ?? -1 }],
          waitForLeaders: true,
          timeout: timeoutMs,
        });
      } catch (err) {
        if (!chain(err).some((l) => l.type === 'TOPIC_ALREADY_EXISTS')) throw mapKafkaError(err, this.conn);
      }
    }
    // Wait until every partition has a leader (also when another process created it a moment ago).
    const t0 = Date.now();
    for (;;) {
      try {
        const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
        const parts = md.topics[0]?.partitions ?? [];
        if (parts.length > 0 && parts.every((p) => p.leader >= 0)) {
          // Leaders are listed a moment before every partition takes writes on a fresh broker: wait until each
          // partition answers an offset read too, so the first produce request does not partly fail and get resent.
          await this.admin.fetchTopicOffsets(topic);
          return { created, partitions: parts.length };
        }
      } catch (err) {
        if (
          !chain(err).some(
            (l) =>
              l.type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
              l.type === 'LEADER_NOT_AVAILABLE' ||
              l.type === 'NOT_LEADER_FOR_PARTITION' ||
              l.type === 'NOT_LEADER_OR_FOLLOWER',
          )
        )
          throw mapKafkaError(err, this.conn);
      }
      if (Date.now() - t0 > timeoutMs) {
        throw new CmaError(`topic ${topic} has partitions without a leader after ${timeoutMs / 1000} s`, {
          hint: 'check the brokers (cma-demo local status, or the cluster)',
          exitCode: ExitCode.ENV,
          code: 'NO_LEADER',
        });
      }
      await sleep(200);
    }
  }

  async partitions(topic: string): Promise<number[]> {
    try {
      const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
      return (md.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
    } catch (err) {
      if (chain(err).some((l) => l.type === 'UNKNOWN_TOPIC_OR_PARTITION')) {
        throw new CmaError(`topic ${topic} does not exist at ${this.conn.brokers.join(',')}`, {
          hint: 'check --topic, or create it (cma-demo produce creates it)',
          exitCode: ExitCode.ENV,
          code: 'UNKNOWN_TOPIC',
        });
      }
      throw mapKafkaError(err, this.conn);
    }
  }

  async endOffsets(topic: string): Promise<PartitionEnd[]> {
    await this.partitions(topic); // a clear error when the topic is missing
    const r = await this.call(() => this.admin.fetchTopicOffsets(topic));
    return r.map((p) => ({ partition: p.partition, high: num(p.high), low: num(p.low) })).sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topics?: string[]): Promise<CommittedOffset[]> {
    // Never resolveOffsets: it would rewrite the group's commits.
    const r = await this.call(() => (topics ? this.admin.fetchOffsets({ groupId, topics }) : this.admin.fetchOffsets({ groupId })));
    const out: CommittedOffset[] = [];
    for (const t of r) {
      for (const p of t.partitions) {
        const o = num(p.offset);
        // Only −1 means "no commit" (as in KEDA, which checks invalidOffset = −1); other values are kept.
        out.push({ topic: t.topic, partition: p.partition, offset: o === -1 ? null : o });
      }
    }
    return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  commitOffsets(groupId: string, topic: string, offsets: { partition: number; offset: number }[]): Promise<void> {
    return this.call(() => this.admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: String(o.offset) })) }));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const r = await this.call(() => this.admin.describeGroups([groupId]));
    const g = r.groups[0];
    return {
      groupId,
      state: g?.state ?? 'Dead',
      members: (g?.members ?? []).map((m) => {
        let assignment: Record<string, number[]> = {};
        try {
          const decoded = m.memberAssignment?.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
          assignment = (decoded?.assignment as Record<string, number[]>) ?? {};
        } catch {
          assignment = {};
        }
        return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment };
      }),
    };
  }

  deleteTopics(topics: string[]): Promise<void> {
    return this.call(() => this.admin.deleteTopics({ topics }));
  }

  deleteRecords(topic: string, partitions: number[]): Promise<void> {
    // Offset -1 = up to the high watermark (DeleteRecords, as kafka-delete-records with offset -1).
    return this.call(() => this.admin.deleteTopicRecords({ topic, partitions: partitions.map((partition) => ({ partition, offset: '-1' })) }));
  }

  deleteGroups(groupIds: string[]): Promise<void> {
    return this.call(async () => {
      await this.admin.deleteGroups(groupIds);
    });
  }

  /** A second client, READ_COMMITTED, opened on first use by lastStableOffsets. */
  private lsoAdmin: Promise<Admin> | null = null;

  /**
   * The last stable offset of each partition (ListOffsets READ_COMMITTED): below the high watermark while a
   * transaction is open. Read through a READ_COMMITTED client of its own (this admin lists READ_UNCOMMITTED).
   */
  async lastStableOffsets(topic: string): Promise<Array<{ partition: number; offset: number }>> {
    this.lsoAdmin ??= (async () => {
      const a = kafkaFor(this.conn, { isolation: 'read_committed' }).admin();
      await a.connect();
      return a;
    })();
    const a = await this.lsoAdmin.catch((err: unknown) => {
      this.lsoAdmin = null;
      throw mapKafkaError(err, this.conn);
    });
    const r = await this.call(() => a.fetchTopicOffsets(topic));
    return r.map((p) => ({ partition: p.partition, offset: num(p.high) })).sort((x, y) => x.partition - y.partition);
  }

  async close(): Promise<void> {
    const lso = this.lsoAdmin;
    this.lsoAdmin = null;
    await Promise.all([this.admin.disconnect().catch(() => {}), lso?.then((a) => a.disconnect()).catch(() => {})]);
  }
}

/** A connected admin. Wrong credentials and unreachable brokers fail with exit 3 within CONNECT_DEADLINE_MS. */
export async function openAdmin(conn: KafkaConnection, opts: { deadlineMs?: number; retries?: number } = {}): Promise<KafkaAdmin> {
  const kafka = kafkaFor(conn, { retries: opts.retries });
  const admin = kafka.admin();
  await withDeadline(
    async () => {
      await admin.connect();
      // connect() alone may succeed lazily; one metadata round trip proves the listener and the credentials.
      await admin.listTopics();
    },
    opts.deadlineMs ?? CONNECT_DEADLINE_MS,
    conn,
  ).catch((err) => {
    // Don't wait for KafkaJS to give up (a silent listener holds a request for requestTimeout).
    void admin.disconnect().catch(() => {});
    destroySockets(kafka);
    throw err;
  });
  return new KafkaJsAdmin(admin, conn);
}
