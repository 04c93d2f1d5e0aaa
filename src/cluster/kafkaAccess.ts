/**
 * Reaching the cluster's Kafka from this machine with nothing hand-written: bootstrap and CA from the Kafka
 * status (the external listener), credentials from the KafkaUser's Secret. Passwords stay in memory.
 */
import { envError } from '../errors.js';
import type { KafkaConnection } from '../kafka/client.js';
import type { Kube, Obj } from './kube.js';

export interface KafkaUserCredentials {
  username: string;
  password: string;
  secretName: string;
}

/** Reads the KafkaUser's status (username, secret) and the password from that Secret. */
export async function readUserCredentials(kube: Kube, namespace: string, user: string): Promise<KafkaUserCredentials> {
  const ku = await kube.get('kafkauser', user, namespace);
  if (!ku) throw envError(`KafkaUser ${namespace}/${user} does not exist`, 'run `cma-demo setup --only kafka` first', 'NO_KAFKAUSER');
  const secretName = ku.status?.secret as string | undefined;
  const username = (ku.status?.username as string | undefined) ?? user;
  if (!secretName) {
    throw envError(
      `KafkaUser ${namespace}/${user} has no .status.secret yet`,
      'wait until the User Operator has reconciled it (cma-demo status), then rerun setup',
      'NO_USER_SECRET',
    );
  }
  const sec = await kube.get('secret', secretName, namespace);
  const b64 = sec?.data?.password as string | undefined;
  if (!b64) {
    throw envError(
      `Secret ${namespace}/${secretName} (from KafkaUser ${user}) has no "password" key`,
      'check the KafkaUser status; the User Operator writes that Secret',
      'NO_USER_PASSWORD',
    );
  }
  return { username, password: Buffer.from(b64, 'base64').toString('utf8'), secretName };
}

export interface ListenerInfo {
  name: string;
  bootstrap: string;
  tls: boolean;
  certificates: string[];
}

/** The listener the CLI can use from outside: `external` (or the one named), from .status.listeners. */
export function externalListener(kafka: Obj, name = 'external'): ListenerInfo | null {
  const ls = (kafka.status?.listeners ?? []) as Obj[];
  const l = ls.find((x) => x.name === name);
  if (!l) return null;
  const bootstrap = (l.bootstrapServers as string | undefined) ?? ((l.addresses ?? []) as Obj[]).map((a) => `${a.host}:${a.port}`).join(',');
  if (!bootstrap) return null;
  const certificates = (l.certificates ?? []) as string[];
  return { name, bootstrap, tls: certificates.length > 0, certificates };
}

/** A KafkaConnection to the cluster's Kafka from this machine. */
export async function clusterKafkaConnection(kube: Kube, namespace: string, cluster: string, user: string): Promise<KafkaConnection> {
  const kafka = await kube.get('kafka', cluster, namespace);
  if (!kafka) throw envError(`Kafka ${namespace}/${cluster} does not exist`, 'run `cma-demo setup` first', 'NO_KAFKA');
  const l = externalListener(kafka);
  if (!l) {
    throw envError(
      `Kafka ${namespace}/${cluster} reports no external listener in .status.listeners`,
      'rerun setup with --external-listener route|nodeport|loadbalancer, or run the client inside the cluster',
      'NO_EXTERNAL_LISTENER',
    );
  }
  const creds = await readUserCredentials(kube, namespace, user);
  let ca = l.certificates;
  if (l.tls && ca.length === 0) {
    const s = await kube.get('secret', `${cluster}-cluster-ca-cert`, namespace);
    const crt = s?.data?.['ca.crt'] as string | undefined;
    if (crt) ca = [Buffer.from(crt, 'base64').toString('utf8')];
  }
  return {
    brokers: l.bootstrap.split(','),
    securityProtocol: l.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT',
    tls: l.tls ? { ca } : undefined,
    sasl: { mechanism: 'scram-sha-512', username: creds.username, password: creds.password },
    source: `cluster ${namespace}/${cluster} listener ${l.name}`,
  };
}
