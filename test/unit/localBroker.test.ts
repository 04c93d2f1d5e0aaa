import { describe, expect, it } from 'vitest';
import { argfileQuote, argfileText, parseBrokerState, renderServerProperties } from '../../src/local/config.js';
import { renderPom, slf4jBindingFor } from '../../src/local/install.js';
import { parseProperties } from '../../src/kafka/properties.js';
import { freePorts, isPortFree } from '../../src/local/ports.js';

describe('local broker server.properties', () => {
  const p = parseProperties(renderServerProperties({ ports: { plaintext: 1001, sasl: 1002, controller: 1003 }, dataDir: '/d' }));
  it('has a PLAINTEXT, a SASL_PLAINTEXT (SCRAM-SHA-512) and a controller listener on loopback only', () => {
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:1001,SASL_PLAINTEXT://127.0.0.1:1002,CONTROLLER://127.0.0.1:1003');
    expect(p.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(p.get('listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config')).toMatch(/ScramLoginModule required;$/);
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:1003');
    expect(p.get('process.roles')).toBe('broker,controller');
  });
  it('is set up for one node and a fast test loop', () => {
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.replication.factor')).toBe('1');
    expect(p.get('group.initial.rebalance.delay.ms')).toBe('0');
    expect(p.get('log.dirs')).toBe('/d');
  });
});

describe('Java @argfiles', () => {
  it('quotes every argument and escapes backslashes and quotes', () => {
    expect(argfileQuote('a b')).toBe('"a b"');
    expect(argfileQuote('C:\\x"y')).toBe('"C:\\\\x\\"y"');
    expect(argfileText(['-cp', '/l/*', 'Main'])).toBe('"-cp"\n"/l/*"\n"Main"\n');
  });
});

describe('broker state file', () => {
  it('round-trips and rejects foreign JSON', () => {
    const s = {
      pid: 5,
      pgid: 5,
      version: '4.1.1',
      ports: { plaintext: 1, sasl: 2, controller: 3 },
      username: 'u',
      passwordFile: '/p',
      logFile: '/l',
      dataDir: '/d',
      clusterId: 'c',
      startedAt: 't',
    };
    expect(parseBrokerState(JSON.stringify(s))).toEqual(s);
    expect(() => parseBrokerState('{"pid":"x"}')).toThrow();
  });
});

describe('Maven install helpers', () => {
  it('picks the log4j2 binding for the resolved slf4j-api major', () => {
    expect(slf4jBindingFor(['kafka-clients-4.1.1.jar', 'slf4j-api-1.7.36.jar'])).toEqual({ artifactId: 'log4j-slf4j-impl', slf4jVersion: '1.7.36' });
    expect(slf4jBindingFor(['slf4j-api-2.0.17.jar'])).toEqual({ artifactId: 'log4j-slf4j2-impl', slf4jVersion: '2.0.17' });
  });
  it('renders a pom with every dependency', () => {
    const pom = renderPom([{ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '4.1.1' }]);
    expect(pom).toContain('<artifactId>kafka_2.13</artifactId><version>4.1.1</version>');
    expect(pom).toContain('<packaging>pom</packaging>');
  });
});

describe('free ports', () => {
  it('gives distinct free loopback ports', async () => {
    const ports = await freePorts(3);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(await isPortFree(p)).toBe(true);
  });
});
