/**
 * A worker thread of an unlimited `produce` run: its own KafkaJS producer sends its share of the records
 * (sendLoop) and reports acknowledgements to the main thread in batches. Times are wall-clock ms
 * (timeOrigin + now) so they compare across threads.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { CmaError } from '../errors.js';
import type { KafkaProducer } from './client.js';
import { openProducer } from './kafkajsProducer.js';
import { sendLoop, type SendLoopConfig, type WorkerMessage, type WorkerRequest } from './producer.js';

const port = parentPort!;
const wall = (): number => performance.timeOrigin + performance.now();
const ac = new AbortController();
let producer: KafkaProducer | null = null;
let config: SendLoopConfig | null = null;
let pending: number[] = [];
const flush = (): void => {
  if (pending.length) {
    port.postMessage({ type: 'acks', acks: pending } satisfies WorkerMessage);
    pending = [];
  }
};
const errorOf = (e: unknown): { message: string; hint?: string; exitCode?: number; code?: string } =>
  e instanceof CmaError ? { message: e.message, hint: e.hint, exitCode: e.exitCode, code: e.code } : { message: (e as Error)?.message ?? String(e) };

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'abort') ac.abort();
  else if (m.type === 'start') {
    config = m.config;
    openProducer(m.connection, m.settings).then(
      (p) => {
        producer = p;
        port.postMessage({ type: 'ready' } satisfies WorkerMessage);
      },
      (e) => port.postMessage({ type: 'done', firstSend: null, error: errorOf(e) } satisfies WorkerMessage),
    );
  } else if (m.type === 'go' && producer && config) {
    const timer = setInterval(flush, 100);
    const p = producer;
    sendLoop(p, config, { now: wall, onAck: (t0, t1, n, bytes, first) => pending.push(t0, t1, n, bytes, first) }, ac.signal)
      .then(async (r) => {
        await p.close();
        clearInterval(timer);
        flush();
        port.postMessage({ type: 'done', firstSend: r.firstSend, error: r.failure === null ? null : errorOf(r.failure) } satisfies WorkerMessage);
      })
      .catch((e) => {
        clearInterval(timer);
        flush();
        port.postMessage({ type: 'done', firstSend: null, error: errorOf(e) } satisfies WorkerMessage);
      });
  }
});
