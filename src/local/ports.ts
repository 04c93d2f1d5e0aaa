/** Free loopback ports (the OS picks them) and checks that ports are free again. */
import net from 'node:net';
import { sleep } from '../util/sleep.js';

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(srv));
  });
}

const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

/** n distinct free ports on 127.0.0.1 (all held open together while choosing, so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await listenOn(0));
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(close));
  }
}

export async function isPortFree(port: number): Promise<boolean> {
  try {
    await close(await listenOn(port));
    return true;
  } catch {
    return false;
  }
}

export async function waitPortsFree(ports: number[], timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    let all = true;
    for (const p of ports) if (!(await isPortFree(p))) all = false;
    if (all) return true;
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(200);
  }
}
