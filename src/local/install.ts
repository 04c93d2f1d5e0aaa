/**
 * Resolves Apache Kafka (broker + tools) from Maven Central with `mvn dependency:copy-dependencies` into
 * $CMA_DEMO_CACHE/kafka-<version>/libs, plus a log4j2 binding matching the slf4j-api the tree resolves.
 * Cached: a complete install (marker file) is reused as is.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { envError } from '../errors.js';
import { cacheDir, usableCacheDir } from '../paths.js';

/** The one pinned Kafka version (4.x, Java 17). */
export const KAFKA_VERSION = '4.1.1';
/** log4j2 version of the logging binding added beside the Kafka tree. */
export const LOG4J_VERSION = '2.24.3';

const MARKER = 'install.json';

export interface KafkaInstall {
  version: string;
  /** Directory of every jar (java -cp '<libDir>/*'). */
  libDir: string;
  /** A log4j2 configuration for the broker and the tools. */
  log4jConfig: string;
}

export function kafkaHome(env: NodeJS.ProcessEnv = process.env, version = KAFKA_VERSION): string {
  return path.join(cacheDir(env), `kafka-${version}`);
}

/** The generated pom: one dependency list, packaging pom, nothing to build. */
export function renderPom(deps: { groupId: string; artifactId: string; version: string }[]): string {
  const d = deps
    .map((x) => `    <dependency><groupId>${x.groupId}</groupId><artifactId>${x.artifactId}</artifactId><version>${x.version}</version></dependency>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cma-demo</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${d}
  </dependencies>
</project>
`;
}

/** Picks the log4j2 SLF4J binding for the slf4j-api jar names found in a lib dir (2.x → slf4j2-impl). */
export function slf4jBindingFor(jarNames: string[]): { artifactId: string; slf4jVersion: string | null } {
  const api = jarNames.map((n) => /^slf4j-api-(\d+)\.(\d+)\.(\d+).*\.jar$/.exec(n)).find(Boolean);
  if (!api) return { artifactId: 'log4j-slf4j2-impl', slf4jVersion: null };
  const major = Number(api[1]);
  return { artifactId: major >= 2 ? 'log4j-slf4j2-impl' : 'log4j-slf4j-impl', slf4jVersion: `${api[1]}.${api[2]}.${api[3]}` };
}

const LOG4J2_PROPERTIES = `# cma-demo: broker and tool logging (stdout of the process → its log file)
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.target = SYSTEM_OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.clients.name = org.apache.kafka
logger.clients.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
`;

/** Fails with exit 3 and a hint when a tool is not on PATH. */
export async function requireTool(tool: 'java' | 'mvn'): Promise<void> {
  const args = tool === 'java' ? ['-version'] : ['-v'];
  try {
    await execa(tool, args, { reject: true, timeout: 60_000, stdin: 'ignore' });
  } catch (err) {
    const e = err as { code?: string };
    const hint =
      tool === 'java'
        ? 'install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless) and put java on PATH'
        : 'install Apache Maven (e.g. apt-get install maven) and put mvn on PATH';
    throw envError(
      e.code === 'ENOENT'
        ? `${tool} was not found on PATH (needed for the local Kafka broker)`
        : `${tool} does not run: ${(err as Error).message.split('\n')[0]}`,
      hint,
      'MISSING_TOOL',
      err,
    );
  }
}

async function mvnCopy(workDir: string, outDir: string, deps: Parameters<typeof renderPom>[0], log: (s: string) => void): Promise<void> {
  await fsp.writeFile(path.join(workDir, 'pom.xml'), renderPom(deps));
  const args = [
    '-B',
    '-q',
    '-f',
    path.join(workDir, 'pom.xml'),
    'dependency:copy-dependencies',
    `-DoutputDirectory=${outDir}`,
    '-DincludeScope=runtime',
    '-Dmdep.useRepositoryLayout=false',
  ];
  log(`mvn dependency:copy-dependencies ${deps.map((d) => `${d.artifactId}:${d.version}`).join(' ')}`);
  const r = await execa('mvn', args, { reject: false, all: true, stdin: 'ignore', cwd: workDir, timeout: 20 * 60_000 });
  if (r.exitCode !== 0) {
    const tail = String(r.all ?? '')
      .split('\n')
      .filter(Boolean)
      .slice(-15)
      .join('\n');
    throw envError(
      `mvn could not resolve the Kafka jars (exit ${r.exitCode ?? r.signal}):\n${tail}`,
      'check that Maven Central is reachable (proxy settings in ~/.m2/settings.xml) and retry',
      'MVN_FAILED',
    );
  }
}

/** Downloads the Kafka jars once; later calls return the cached install. */
export async function ensureKafkaInstalled(opts: { log?: (s: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<KafkaInstall> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const home = kafkaHome(env);
  const libDir = path.join(home, 'libs');
  const log4jConfig = path.join(home, 'log4j2.properties');
  const result: KafkaInstall = { version: KAFKA_VERSION, libDir, log4jConfig };
  if (fs.existsSync(path.join(home, MARKER)) && fs.existsSync(libDir)) {
    if (!fs.existsSync(log4jConfig)) await fsp.writeFile(log4jConfig, LOG4J2_PROPERTIES);
    return result;
  }
  await requireTool('java');
  await requireTool('mvn');
  usableCacheDir(env); // exit 3 naming CMA_DEMO_CACHE when it cannot hold the download
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'cma-demo-mvn-'));
  // Stage beside the final directory so the last step is a rename (no half-filled cache dir).
  const stage = await fsp.mkdtemp(path.join(path.dirname(home), `.kafka-${KAFKA_VERSION}-`));
  const stageLibs = path.join(stage, 'libs');
  try {
    const t0 = Date.now();
    await mvnCopy(
      work,
      stageLibs,
      [
        { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
        { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version: KAFKA_VERSION },
      ],
      log,
    );
    const jars = await fsp.readdir(stageLibs);
    const binding = slf4jBindingFor(jars);
    log(`slf4j-api ${binding.slf4jVersion ?? '(none)'} → ${binding.artifactId} ${LOG4J_VERSION}`);
    await mvnCopy(
      work,
      stageLibs,
      [
        { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: LOG4J_VERSION },
        { groupId: 'org.apache.logging.log4j', artifactId: binding.artifactId, version: LOG4J_VERSION },
      ],
      log,
    );
    // The binding may drag in its own slf4j-api; keep only the one the Kafka tree resolved.
    if (binding.slf4jVersion) {
      for (const j of await fsp.readdir(stageLibs)) {
        if (/^slf4j-api-/.test(j) && !j.startsWith(`slf4j-api-${binding.slf4jVersion}`)) await fsp.rm(path.join(stageLibs, j));
      }
    }
    await fsp.writeFile(path.join(stage, 'log4j2.properties'), LOG4J2_PROPERTIES);
    const all = (await fsp.readdir(stageLibs)).sort();
    await fsp.writeFile(
      path.join(stage, MARKER),
      JSON.stringify({ version: KAFKA_VERSION, log4j: LOG4J_VERSION, jars: all, seconds: (Date.now() - t0) / 1000 }, null, 2) + '\n',
    );
    await fsp.rm(home, { recursive: true, force: true });
    await fsp.rename(stage, home);
    log(`kafka ${KAFKA_VERSION}: ${all.length} jars in ${libDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return result;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
    await fsp.rm(stage, { recursive: true, force: true });
  }
}
