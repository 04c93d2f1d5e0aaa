import { describe, expect, it } from 'vitest';
import { dnsFailureIn, hostOf, unresolvableHost } from '../../src/kafka/dns.js';
import { mapKafkaError } from '../../src/kafka/kafkajs.js';
import type { KafkaConnection } from '../../src/kafka/client.js';

const conn: KafkaConnection = { brokers: ['no-such-host.invalid:9092'], securityProtocol: 'PLAINTEXT', source: '--bootstrap-server' };

describe('an unknown host is a DNS problem, not an unreachable broker', () => {
  it('hostOf reads host:port, [v6]:port and bare hosts', () => {
    expect(hostOf('kafka.example:9094')).toBe('kafka.example');
    expect(hostOf('[::1]:9092')).toBe('::1');
    expect(hostOf('kafka')).toBe('kafka');
  });

  it('mapKafkaError names the host and DNS for getaddrinfo ENOTFOUND; a refused port stays "cannot reach"', () => {
    const dns = Object.assign(new Error('Connection error: getaddrinfo ENOTFOUND no-such-host.invalid'), { name: 'KafkaJSConnectionError' });
    const e = mapKafkaError(dns, conn);
    expect(e).toMatchObject({ code: 'KAFKA_DNS', exitCode: 3 });
    expect(e.message).toContain('cannot resolve host no-such-host.invalid (DNS ENOTFOUND');
    expect(e.hint).toContain('--bootstrap-server');
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), { name: 'KafkaJSConnectionError' });
    expect(mapKafkaError(refused, { ...conn, brokers: ['127.0.0.1:1'] }).code).toBe('KAFKA_UNREACHABLE');
    expect(dnsFailureIn('connect ECONNREFUSED 127.0.0.1:1')).toBeNull();
  });

  it('unresolvableHost finds a name that does not resolve (.invalid never does) and skips IP addresses', async () => {
    expect(await unresolvableHost(['127.0.0.1:9092', 'no-such-host.invalid:9092'])).toMatchObject({ host: 'no-such-host.invalid' });
    expect(await unresolvableHost(['127.0.0.1:9092', '[::1]:9092'])).toBeNull();
  });
});
