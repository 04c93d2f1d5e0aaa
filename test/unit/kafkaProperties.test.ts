import { describe, expect, it } from 'vitest';
import { mechanismOfLoginModule, parseJaasConfig, parseProperties, propertyProblems } from '../../src/kafka/properties.js';

describe('parseProperties (java.util.Properties syntax)', () => {
  it('reads = : and whitespace separators, skips comments and blank lines', () => {
    const p = parseProperties('# comment\n! also\n\na=1\nb : 2\nc 3\n  d=  4  \ne=\n');
    expect([...p]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4  '],
      ['e', ''],
    ]);
  });

  it('joins continuation lines and keeps an escaped trailing backslash', () => {
    const p = parseProperties('sasl.jaas.config=org.X required \\\n    username="u" \\\n    password="p";\npath=C:\\\\dir\\\\\n');
    expect(p.get('sasl.jaas.config')).toBe('org.X required username="u" password="p";');
    expect(p.get('path')).toBe('C:\\dir\\');
  });

  it('unescapes \\t \\n \\uXXXX and escaped separators in keys', () => {
    const p = parseProperties('k\\=x=v\\tw\\u0041\n');
    expect(p.get('k=x')).toBe('v\twA');
  });

  it('handles CRLF files; the last value wins', () => {
    const p = parseProperties('a=1\r\na=2\r\n');
    expect(p.get('a')).toBe('2');
  });
});

describe('parseJaasConfig', () => {
  it('reads the login module, user name and password', () => {
    expect(parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username="demo" password="s3cr=t;x";')).toEqual({
      loginModule: 'org.apache.kafka.common.security.scram.ScramLoginModule',
      username: 'demo',
      password: 's3cr=t;x',
    });
  });
  it('accepts unquoted values and escaped quotes', () => {
    expect(parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username=u password="a\\"b"')).toMatchObject({
      username: 'u',
      password: 'a"b',
    });
  });
  it('returns null for text that is not a JAAS entry', () => {
    expect(parseJaasConfig('username=demo')).toBeNull();
  });
  it('maps login modules to mechanisms', () => {
    expect(mechanismOfLoginModule('org.apache.kafka.common.security.plain.PlainLoginModule')).toBe('plain');
    expect(mechanismOfLoginModule('org.apache.kafka.common.security.scram.ScramLoginModule')).toBe('scram-sha-512');
    expect(mechanismOfLoginModule('com.example.Other')).toBeNull();
  });
});

describe('propertyProblems: lines that are not key=value', () => {
  it('names the line of each garbage line; well-formed files have none', () => {
    expect(propertyProblems('# c\nsecurity.protocol=SASL_SSL\nacks: all\nsasl.jaas.config=a \\\n  b;\nssl.endpoint.identification.algorithm=\n')).toEqual([]);
    expect(propertyProblems('a=1\n\ngarbage\n{{{ x=1\nb=2\nsecurity.protocol SSL\n').map((p) => p.line)).toEqual([3, 4, 6]);
    expect(propertyProblems('a=1\ngarbage\n')[0]!.message).toBe('"garbage" has no value (write garbage=value)');
  });
  it('line numbers count continuation lines', () => {
    expect(propertyProblems('a=x \\\n  y \\\n  z\nbad line\n')).toEqual([{ line: 4, message: '"bad" is not followed by = or : (write bad=value)' }]);
  });
});
