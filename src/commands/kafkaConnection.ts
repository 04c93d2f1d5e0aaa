/** The Kafka connection of produce, lag and consume: resolveConnection with the running local broker as fallback. */
import type { KafkaConnection } from '../kafka/client.js';
import { resolveConnection, type ConnectionFlags } from '../kafka/connection.js';

/** flags > CMA_DEMO_* env > --command-config > the running local broker (src/local/broker.ts, loaded only when needed). */
export async function connectionFromFlags(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<KafkaConnection> {
  return resolveConnection(flags, env, async (e) => (await import('../local/broker.js')).brokerStatus({ env: e }));
}
