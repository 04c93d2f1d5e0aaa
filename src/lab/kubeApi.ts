/**
 * A small REST client for the lab's own kube-apiserver (loopback, bearer token, the server's self-signed
 * certificate pinned as CA). The pod runner uses it to list pods, bind them, write their status and finalize
 * deletions many times a second without spawning kubectl for each call.
 */
import fs from 'node:fs';
import https from 'node:https';

export type KObj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface KubeApiOptions {
  server: string;
  token: string;
  /** PEM of the server's CA; without it the certificate is not verified (loopback lab only). */
  caFile?: string;
}

export class KubeApi {
  private readonly agent: https.Agent;
  constructor(private readonly o: KubeApiOptions) {
    const ca = o.caFile && fs.existsSync(o.caFile) ? fs.readFileSync(o.caFile) : undefined;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca, rejectUnauthorized: Boolean(ca), servername: ca ? 'localhost' : undefined });
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 15_000): Promise<KObj> {
    const url = new URL(path, this.o.server);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            authorization: `Bearer ${this.o.token}`,
            accept: 'application/json',
            ...(data ? { 'content-type': contentType, 'content-length': data.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let json: KObj = {};
            try {
              json = text ? (JSON.parse(text) as KObj) : {};
            } catch {
              json = { message: text };
            }
            if (status >= 200 && status < 300) resolve(json);
            else reject(new KubeApiError(status, `${method} ${path}: ${status} ${json.message ?? text}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  get(path: string): Promise<KObj> {
    return this.request('GET', path);
  }
  post(path: string, body: unknown): Promise<KObj> {
    return this.request('POST', path, body);
  }
  put(path: string, body: unknown): Promise<KObj> {
    return this.request('PUT', path, body);
  }
  mergePatch(path: string, body: unknown): Promise<KObj> {
    return this.request('PATCH', path, body, 'application/merge-patch+json');
  }
  delete(path: string, body?: unknown): Promise<KObj> {
    return this.request('DELETE', path, body);
  }
  close(): void {
    this.agent.destroy();
  }
}

/** True when the error is an API answer with this HTTP status (404 gone, 409 conflict). */
export const isStatus = (err: unknown, status: number): boolean => err instanceof KubeApiError && err.status === status;
