/**
 * The KafkaJS implementation of our KafkaProducer (the only KafkaJS producer code).
 * The caller picks every message's partition, so the partitioner just returns it: no murmur2 per message and
 * no v2-partitioner warning. Not idempotent: KafkaJS's idempotent producer holds a per-broker lock around each
 * request, i.e. one request in flight per broker, which would cap throughput.
 */
import kafkajs from 'kafkajs';
import type { Message, Producer } from 'kafkajs';
import type { KafkaConnection, KafkaProducer, ProducerMessage, ProducerSettings } from './client.js';
import { CONNECT_DEADLINE_MS, kafkaFor, mapKafkaError, withDeadline } from './kafkajs.js';

const { CompressionTypes } = kafkajs;

class KafkaJsProducer implements KafkaProducer {
  constructor(
    private readonly producer: Producer,
    private readonly conn: KafkaConnection,
    private readonly settings: ProducerSettings,
  ) {}

  async send(topic: string, messages: ProducerMessage[]): Promise<void> {
    try {
      await this.producer.send({
        topic,
        messages: messages as Message[],
        acks: this.settings.acks,
        timeout: this.settings.timeoutMs,
        compression: this.settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
    } catch (err) {
      throw mapKafkaError(err, this.conn);
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect().catch(() => {});
  }
}

/** A connected producer; unreachable brokers and wrong credentials fail with exit 3 within the connect deadline. */
export async function openProducer(conn: KafkaConnection, settings: ProducerSettings): Promise<KafkaProducer> {
  const kafka = kafkaFor(conn, { clientId: settings.clientId ?? 'cma-demo-producer' });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    createPartitioner: () => ({ message }) => (message as { partition?: number }).partition ?? 0,
  });
  await withDeadline(() => producer.connect(), CONNECT_DEADLINE_MS, conn, () => producer.disconnect()).catch(async (err) => {
    await producer.disconnect().catch(() => {});
    throw err;
  });
  return new KafkaJsProducer(producer, conn, settings);
}
