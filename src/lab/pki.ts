/**
 * Certificates of the local lab, made with the `openssl` CLI (argument arrays, keys written mode 0600):
 * - the front-proxy CA and client certificate the kube-apiserver presents to aggregated API servers
 *   (kube docs "Configure the aggregation layer"; docs/design.md §11.2);
 * - one CA and one leaf (SAN localhost/127.0.0.1, EKU serverAuth + clientAuth) shared by the KEDA operator's gRPC
 *   server and the metrics adapter's gRPC client, which use mutual TLS from one directory holding ca.crt, tls.crt
 *   and tls.key (KEDA pkg/metricsservice/utils: the TLS config loads exactly those three names).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CmaError, ExitCode } from '../errors.js';

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execa('openssl', args, { cwd, stdin: 'ignore' });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') {
      throw new CmaError('openssl is not installed; the lab needs it to make its certificates', {
        exitCode: ExitCode.ENV,
        hint: 'install it (Debian/Ubuntu: apt-get install openssl; Fedora/RHEL: dnf install openssl) and rerun `cma-demo lab up`',
      });
    }
    throw new CmaError(
      `openssl ${args[0]} failed: ${String(e.stderr ?? e.shortMessage ?? err)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')}`,
      {
        exitCode: ExitCode.ENV,
        hint: `check that ${cwd} is writable`,
      },
    );
  }
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '365', '-subj', `/CN=${cn}`], dir);
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
}

async function makeLeaf(dir: string, o: { ca: string; name: string; cn: string; san?: string; eku: string }): Promise<void> {
  const ext = path.join(dir, `${o.name}.ext`);
  const lines = [`extendedKeyUsage=${o.eku}`, 'basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment'];
  if (o.san) lines.push(`subjectAltName=${o.san}`);
  fs.writeFileSync(ext, lines.join('\n') + '\n');
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${o.name}.key`, '-out', `${o.name}.csr`, '-subj', `/CN=${o.cn}`], dir);
  fs.chmodSync(path.join(dir, `${o.name}.key`), 0o600);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${o.name}.csr`,
      '-CA',
      `${o.ca}.crt`,
      '-CAkey',
      `${o.ca}.key`,
      '-CAcreateserial',
      '-out',
      `${o.name}.crt`,
      '-days',
      '365',
      '-extfile',
      ext,
    ],
    dir,
  );
  fs.rmSync(path.join(dir, `${o.name}.csr`), { force: true });
  fs.rmSync(ext, { force: true });
}

export interface LabPki {
  /** front-proxy-ca.crt, front-proxy-client.crt/.key (the apiserver's identity towards the adapter). */
  frontProxyDir: string;
  /** ca.crt, tls.crt, tls.key: KEDA's operator ↔ adapter mutual TLS (and the adapter's serving cert). */
  kedaCertDir: string;
}

export async function makeLabPki(dir: string): Promise<LabPki> {
  const frontProxyDir = path.join(dir, 'front-proxy');
  const kedaCertDir = path.join(dir, 'keda-certs');
  fs.mkdirSync(frontProxyDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(kedaCertDir, { recursive: true, mode: 0o700 });
  await makeCa(frontProxyDir, 'front-proxy-ca', 'cma-demo-lab-front-proxy-ca');
  await makeLeaf(frontProxyDir, { ca: 'front-proxy-ca', name: 'front-proxy-client', cn: 'front-proxy-client', eku: 'clientAuth' });
  await makeCa(kedaCertDir, 'ca', 'cma-demo-lab-keda-ca');
  await makeLeaf(kedaCertDir, {
    ca: 'ca',
    name: 'tls',
    cn: 'keda-metrics-apiserver',
    san: 'DNS:localhost,IP:127.0.0.1,DNS:keda-metrics-apiserver.keda.svc,DNS:keda-operator.keda.svc',
    eku: 'serverAuth,clientAuth',
  });
  return { frontProxyDir, kedaCertDir };
}
