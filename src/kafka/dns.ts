/**
 * Host-name resolution of bootstrap servers, so an unknown host is reported as a DNS problem ("cannot resolve host
 * X") instead of an unreachable broker or a connect deadline: KafkaJS retries a failed lookup like any other
 * connection error until the deadline, and the ENOTFOUND underneath is lost.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { CmaError, ExitCode } from '../errors.js';
import type { KafkaConnection } from './client.js';

/** getaddrinfo's answers that mean "this name does not resolve" (not "the network is down"). */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA']);

/** The host of host:port, [v6]:port or a bare host. */
export function hostOf(broker: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(broker);
  if (v6) return v6[1]!;
  const i = broker.lastIndexOf(':');
  return i > 0 && broker.indexOf(':') === i ? broker.slice(0, i) : broker;
}

/** A DNS failure named in an error's text (`getaddrinfo ENOTFOUND host`), or null. */
export function dnsFailureIn(text: string): { host: string; code: string } | null {
  const m = /getaddrinfo (ENOTFOUND|EAI_NONAME|EAI_AGAIN|EAI_FAIL|ENODATA) ([^\s|,;]+)/.exec(text);
  return m ? { code: m[1]!, host: m[2]! } : null;
}

export function dnsError(host: string, code: string, conn: KafkaConnection, cause?: unknown): CmaError {
  const temporary = code === 'EAI_AGAIN';
  return new CmaError(
    `cannot resolve host ${host} (DNS ${code}${temporary ? ': the name server did not answer' : ': no such host'}) for Kafka at ${conn.brokers.join(',')}`,
    {
      hint: temporary
        ? "check this machine's DNS settings (/etc/resolv.conf) and network, then retry"
        : `check the host name in the bootstrap servers (from ${conn.source}) for a typo; from outside the cluster use an external listener's address`,
      exitCode: ExitCode.ENV,
      code: 'KAFKA_DNS',
      retriable: temporary,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** The first bootstrap host that does not resolve (within timeoutMs each), or null. IP addresses are skipped. */
export async function unresolvableHost(brokers: string[], timeoutMs = 3_000): Promise<{ host: string; code: string } | null> {
  for (const b of brokers) {
    const host = hostOf(b);
    if (net.isIP(host)) continue;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      dns.lookup(host).then(
        () => null,
        (err: NodeJS.ErrnoException) => (err.code && DNS_CODES.has(err.code) ? { host, code: err.code } : null),
      ),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (r) return r;
  }
  return null;
}
