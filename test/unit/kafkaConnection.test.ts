import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CmaError } from '../../src/errors.js';
import { materialize, planConnection, readPrivateFile, resolveConnection, type LocalBrokerRef } from '../../src/kafka/connection.js';
import { parseProperties } from '../../src/kafka/properties.js';

const local: LocalBrokerRef = { bootstrap: '127.0.0.1:1111', saslBootstrap: '127.0.0.1:2222', username: 'cma-demo', passwordFile: '/x/password' };
const props = (text: string, priv = true) => ({ path: '/etc/client.properties', values: parseProperties(text), private: priv });

function thrown(fn: () => unknown): CmaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CmaError);
    return e as CmaError;
  }
  throw new Error('expected a CmaError');
}

describe('planConnection precedence: flags > CMA_DEMO_* env > --command-config > local broker', () => {
  it('flag beats env beats command-config beats local broker for the bootstrap servers', () => {
    const cc = props('bootstrap.servers=cc:9092');
    expect(planConnection({ flags: { bootstrapServer: 'flag:9092' }, env: { CMA_DEMO_BOOTSTRAP_SERVER: 'env:9092' }, props: cc, local }).brokers).toEqual([
      'flag:9092',
    ]);
    expect(planConnection({ flags: {}, env: { CMA_DEMO_BOOTSTRAP_SERVER: 'env:9092' }, props: cc, local }).brokers).toEqual(['env:9092']);
    expect(planConnection({ flags: {}, env: {}, props: cc, local }).brokers).toEqual(['cc:9092']);
    expect(planConnection({ flags: {}, env: {}, props: null, local })).toMatchObject({
      brokers: ['127.0.0.1:1111'],
      securityProtocol: 'PLAINTEXT',
      source: 'local broker',
    });
  });

  it('no bootstrap anywhere and no local broker → exit 3 with the fix', () => {
    const e = thrown(() => planConnection({ flags: {}, env: {}, local: null }));
    expect(e.exitCode).toBe(3);
    expect(e.hint).toContain('cma-demo local up');
  });

  it('protocol, mechanism and user follow the same order', () => {
    const cc = props(
      'bootstrap.servers=cc:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ccuser" password="ccpw";\nssl.truststore.type=PEM\nssl.truststore.location=/ca.pem',
    );
    const fromCc = planConnection({ flags: {}, env: {}, props: cc });
    expect(fromCc).toMatchObject({
      securityProtocol: 'SASL_SSL',
      caFile: '/ca.pem',
      sasl: { mechanism: 'scram-sha-256', username: 'ccuser', password: { kind: 'command-config' } },
    });
    const fromEnv = planConnection({
      flags: {},
      env: { CMA_DEMO_SECURITY_PROTOCOL: 'sasl_plaintext', CMA_DEMO_SASL_MECHANISM: 'plain', CMA_DEMO_USERNAME: 'envuser', CMA_DEMO_KAFKA_PASSWORD: 'x' },
      props: cc,
    });
    expect(fromEnv).toMatchObject({ securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'plain', username: 'envuser', password: { kind: 'env' } } });
    const fromFlags = planConnection({
      flags: { securityProtocol: 'SASL_SSL', saslMechanism: 'scram-sha-512', username: 'flaguser', passwordFile: '/pw', caFile: '/flag-ca.pem' },
      env: { CMA_DEMO_SECURITY_PROTOCOL: 'PLAINTEXT', CMA_DEMO_USERNAME: 'envuser', CMA_DEMO_KAFKA_PASSWORD: 'x' },
      props: cc,
    });
    expect(fromFlags).toMatchObject({
      securityProtocol: 'SASL_SSL',
      caFile: '/flag-ca.pem',
      sasl: { mechanism: 'scram-sha-512', username: 'flaguser', password: { kind: 'file', path: '/pw' } },
    });
  });

  it('infers SASL from a user name and TLS from a CA when no protocol is given', () => {
    expect(planConnection({ flags: { bootstrapServer: 'h:1', username: 'u' }, env: { CMA_DEMO_KAFKA_PASSWORD: 'p' } }).securityProtocol).toBe('SASL_PLAINTEXT');
    expect(planConnection({ flags: { bootstrapServer: 'h:1', username: 'u', caFile: '/ca' }, env: { CMA_DEMO_KAFKA_PASSWORD: 'p' } }).securityProtocol).toBe(
      'SASL_SSL',
    );
    expect(planConnection({ flags: { bootstrapServer: 'h:1', caFile: '/ca' }, env: {} }).securityProtocol).toBe('SSL');
    expect(planConnection({ flags: { bootstrapServer: 'h:1' }, env: {} }).securityProtocol).toBe('PLAINTEXT');
  });

  it('SASL without a user or a password → exit 2 naming where to put them', () => {
    const noUser = thrown(() => planConnection({ flags: { bootstrapServer: 'h:1', securityProtocol: 'SASL_PLAINTEXT' }, env: {} }));
    expect(noUser.exitCode).toBe(2);
    expect(noUser.hint).toContain('--username');
    const noPw = thrown(() => planConnection({ flags: { bootstrapServer: 'h:1', username: 'u' }, env: {} }));
    expect(noPw.exitCode).toBe(2);
    expect(noPw.hint).toContain('CMA_DEMO_KAFKA_PASSWORD');
  });

  it('a password in a command-config that others can read → exit 2 (chmod 600)', () => {
    const cc = props(
      'bootstrap.servers=h:1\nsecurity.protocol=SASL_PLAINTEXT\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";',
      false,
    );
    const e = thrown(() => planConnection({ flags: {}, env: {}, props: cc }));
    expect(e.exitCode).toBe(2);
    expect(e.hint).toContain('chmod 600');
  });

  it('the local broker: SASL_PLAINTEXT uses its SASL port, user and password file; TLS is refused', () => {
    expect(planConnection({ flags: { securityProtocol: 'SASL_PLAINTEXT' }, env: {}, local })).toMatchObject({
      brokers: ['127.0.0.1:2222'],
      sasl: { mechanism: 'scram-sha-512', username: 'cma-demo', password: { kind: 'local', path: '/x/password' } },
    });
    expect(thrown(() => planConnection({ flags: { securityProtocol: 'SSL' }, env: {}, local })).exitCode).toBe(2);
  });

  it('bad values → exit 2', () => {
    expect(thrown(() => planConnection({ flags: { bootstrapServer: 'nohostport' }, env: {} })).exitCode).toBe(2);
    expect(thrown(() => planConnection({ flags: { bootstrapServer: 'h:1', securityProtocol: 'TLS' }, env: {} })).exitCode).toBe(2);
    expect(thrown(() => planConnection({ flags: { bootstrapServer: 'h:1', saslMechanism: 'gssapi' }, env: {} })).exitCode).toBe(2);
    const jks = props('bootstrap.servers=h:1\nsecurity.protocol=SSL\nssl.truststore.location=/t.jks');
    expect(thrown(() => planConnection({ flags: {}, env: {}, props: jks })).hint).toContain('--ca-file');
  });
});

describe('password files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-pw-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string, mode: number) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    fs.chmodSync(f, mode);
    return f;
  };

  it('accepts mode 0600 (and 0400) and strips one trailing newline', async () => {
    const f = write('ok', 's3cret\n', 0o600);
    const conn = await materialize(planConnection({ flags: { bootstrapServer: 'h:1', username: 'u', passwordFile: f }, env: {} }), {});
    expect(conn.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 's3cret' });
    expect(await readPrivateFile(write('ro', 'x', 0o400), 'password file')).toBe('x');
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses mode %o with exit 2 and a chmod hint', async (mode) => {
    const f = write(`bad-${mode.toString(8)}`, 's3cret', mode);
    const err = await resolveConnection({ bootstrapServer: 'h:1', username: 'u', passwordFile: f }, {}).catch((e) => e);
    expect(err).toBeInstanceOf(CmaError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`mode 0${mode.toString(8)}`);
    expect(err.hint).toBe(`chmod 600 ${f}`);
    expect(err.message).not.toContain('s3cret');
  });

  it('a missing password file → exit 2', async () => {
    const err = await resolveConnection({ bootstrapServer: 'h:1', username: 'u', passwordFile: path.join(dir, 'nope') }, {}).catch((e) => e);
    expect(err.exitCode).toBe(2);
  });

  it('CMA_DEMO_KAFKA_PASSWORD is used when no file is given', async () => {
    const conn = await resolveConnection({ bootstrapServer: 'h:1', username: 'u' }, { CMA_DEMO_KAFKA_PASSWORD: 'envpw' });
    expect(conn.sasl?.password).toBe('envpw');
  });

  it('a mode-0600 --command-config with a JAAS password works end to end', async () => {
    const f = write(
      'client.properties',
      'bootstrap.servers=h:1\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="demo" password="pw1";\n',
      0o600,
    );
    const conn = await resolveConnection({ commandConfig: f }, {});
    expect(conn).toMatchObject({
      brokers: ['h:1'],
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { username: 'demo', password: 'pw1', mechanism: 'scram-sha-512' },
    });
  });

  it('a garbage line in --command-config is an exit-2 error naming file:line (and never the value on it)', async () => {
    const f = write('garbage.properties', 'bootstrap.servers=h:1\n# ok\n\nthis is not a property\n', 0o600);
    const err = await resolveConnection({ commandConfig: f }, {}).catch((e: CmaError) => e);
    expect(err).toMatchObject({ exitCode: 2, code: 'BAD_COMMAND_CONFIG' });
    expect((err as CmaError).message).toBe(`--command-config ${f}:4: "this" is not followed by = or : (write this=value)`);
    // A JAAS continuation that lost its backslash: named, its password not echoed.
    const g = write(
      'broken-jaas.properties',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required\n  password="pw-secret";\n',
      0o600,
    );
    const e2 = (await resolveConnection({ commandConfig: g }, {}).catch((e: CmaError) => e)) as CmaError;
    expect(e2.message).toContain(`${g}:2: "password" is a JAAS option`);
    expect(`${e2.message} ${e2.hint}`).not.toContain('pw-secret');
  });
});
