/**
 * Runs the Kafka Java tools from the cached jars (benchmarks, cross-checks) as `java @argfile`: the argfile
 * (mode 0600, deleted afterwards) holds the class path, main class and arguments, so nothing secret —
 * e.g. a --command-config path's neighbour, or sasl settings — ever shows in a process command line.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { envError } from '../errors.js';
import { argfileText } from './config.js';
import { ensureKafkaInstalled } from './install.js';

export const KAFKA_TOOLS = {
  producerPerformance: 'org.apache.kafka.tools.ProducerPerformance',
  consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  topics: 'org.apache.kafka.tools.TopicCommand',
  configs: 'kafka.admin.ConfigCommand',
} as const;

export interface JavaToolCommand {
  /** Spawn this: `java`. */
  command: string;
  /** `['@<argfile>']`. */
  args: string[];
  /** Removes the argfile (and its temp dir). */
  cleanup(): Promise<void>;
}

/** Prepares `java @argfile` for a Kafka tool's main class; call cleanup() when the process has ended. */
export async function kafkaToolCommand(mainClass: string, toolArgs: string[], opts: { heap?: string; jvmArgs?: string[] } = {}): Promise<JavaToolCommand> {
  const inst = await ensureKafkaInstalled();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cma-demo-java-'));
  const file = path.join(dir, 'args');
  await fsp.writeFile(
    file,
    argfileText([
      `-Xmx${opts.heap ?? '512m'}`,
      ...(opts.jvmArgs ?? []),
      `-Dlog4j2.configurationFile=${inst.log4jConfig}`,
      '-cp',
      `${inst.libDir}/*`,
      mainClass,
      ...toolArgs,
    ]),
    { mode: 0o600 },
  );
  return { command: 'java', args: [`@${file}`], cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

/** Runs a Kafka tool to completion; exit 3 (with its output) when it fails and `reject` is not false. */
export async function runKafkaTool(
  mainClass: string,
  toolArgs: string[],
  opts: { heap?: string; timeoutMs?: number; reject?: boolean } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string; durationMs: number }> {
  const cmd = await kafkaToolCommand(mainClass, toolArgs, opts);
  const t0 = Date.now();
  try {
    const r = await execa(cmd.command, cmd.args, { reject: false, stdin: 'ignore', timeout: opts.timeoutMs ?? 120_000 });
    const res = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), durationMs: Date.now() - t0 };
    if (res.exitCode !== 0 && opts.reject !== false) {
      throw envError(
        `${mainClass} failed (exit ${r.exitCode ?? r.signal}):\n${res.stderr.split('\n').slice(-10).join('\n')}`,
        'check the broker and the tool arguments',
        'JAVA_TOOL',
      );
    }
    return res;
  } finally {
    await cmd.cleanup();
  }
}
