#!/usr/bin/env node
// npm run bench: cma-demo's producer and lag reader against the Java reference tools from the same Maven jars,
// on one local broker started here (temp CMA_DEMO_STATE, stopped at the end), cma-demo's start-up cost and the
// cost of a long plan.
// Prints one line a benchmark on stdout, `bench <name>: <value> <unit> (<details>)`; progress goes to stderr.
// `node bench/run.mjs [name…]` runs only the named ones (e.g. `node bench/run.mjs help-startup`: no broker).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'cma-demo.js');
const dist = (p) => import(path.join(ROOT, 'dist', p));

const log = (s) => process.stderr.write(`[bench] ${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

const BENCHES = ['producer-throughput-ratio', 'producer-rate-error', 'lag-poll', 'help-startup', 'plan-long'];
const BROKER_BENCHES = ['producer-throughput-ratio', 'producer-rate-error', 'lag-poll'];
const selected = process.argv.slice(2);
for (const n of selected) {
  if (!BENCHES.includes(n)) {
    process.stderr.write(`bench: unknown benchmark "${n}"; known: ${BENCHES.join(', ')}\n`);
    process.exit(2);
  }
}
const want = (name) => selected.length === 0 || selected.includes(name);

const { ensureBroker, stopBroker } = await dist('local/broker.js');
const { ensureKafkaInstalled } = await dist('local/install.js');
const { argfileText } = await dist('local/config.js');
const { openAdmin } = await dist('kafka/kafkajs.js');
const { produce } = await dist('kafka/producer.js');
const { readPartitionOffsets } = await dist('kafka/lag.js');
const { analyzeLag } = await dist('kafka/lagView.js');
const { parseSummaryLine } = await dist('kafka/stats.js');
const { DEFAULT_SETTINGS } = await dist('scaling/settings.js');

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-bench-'));
const env = { ...process.env, CMA_DEMO_STATE: stateDir, NO_COLOR: '1' };
const argDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-bench-args-'));
let argN = 0;
const CPU_HOOK = path.join(argDir, 'cpu-hook.cjs');

/** java @argfile (mode 0600): JVM options, main class and arguments all inside the file. */
async function java(install, heap, mainClass, args) {
  const file = path.join(argDir, `java-${++argN}.args`);
  const lines = [`-Xmx${heap}`, `-Dlog4j2.configurationFile=${install.log4jConfig}`, '-cp', `${install.libDir}/*`, mainClass, ...args];
  fs.writeFileSync(file, argfileText(lines), { mode: 0o600 });
  return execa('java', [`@${file}`], { env, reject: false, all: false });
}

async function cli(args) {
  return execa(process.execPath, [BIN, ...args], { env, reject: false });
}

/**
 * CPU (user + system) of one whole process, read by a preloaded hook at its exit (process.cpuUsage covers the
 * process from its start, Node's own bootstrap included). Both sides of a pair get the same hook.
 */
async function cpuMs(args) {
  const file = path.join(argDir, `cpu-${++argN}`);
  const r = await execa(process.execPath, ['--require', CPU_HOOK, ...args], { env: { ...env, CMA_BENCH_CPU_FILE: file }, reject: false });
  if (r.exitCode !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.exitCode}: ${String(r.stderr).slice(-300)}`);
  const us = Number(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file, { force: true });
  return us / 1000;
}

/** `cma-demo --help` against `node -e 0`: paired runs (one of each, alternating), the median of the ratios. */
async function helpStartup() {
  const PAIRS = 9;
  fs.writeFileSync(
    CPU_HOOK,
    "process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeFileSync(process.env.CMA_BENCH_CPU_FILE, String(u.user + u.system)); });\n",
  );
  await cpuMs(['-e', '0']); // warm the file cache for both
  await cpuMs([BIN, '--help']);
  const base = [];
  const help = [];
  const ratios = [];
  for (let i = 0; i < PAIRS; i++) {
    const b = await cpuMs(['-e', '0']);
    const h = await cpuMs([BIN, '--help']);
    base.push(b);
    help.push(h);
    ratios.push(h / b);
  }
  log(`help-startup: node -e 0 ${base.map((x) => x.toFixed(0)).join(' ')} ms; cma-demo --help ${help.map((x) => x.toFixed(0)).join(' ')} ms CPU`);
  return (
    `bench help-startup: ${median(ratios).toFixed(2)} (cma-demo --help CPU vs node -e 0, median of ${PAIRS} paired runs; ` +
    `medians ${median(help).toFixed(0)} vs ${median(base).toFixed(0)} ms user+system; commands load their implementation only when they run)`
  );
}

/**
 * `cma-demo plan --load 1000000@1` (11.6 virtual days, the load the plan used to step through second by second) as
 * a whole process: CPU (user + system) and max RSS read by a preloaded hook at its exit, medians of 3 runs.
 */
async function planLong() {
  const RUNS = 3;
  const hook = path.join(argDir, 'rusage-hook.cjs');
  fs.writeFileSync(
    hook,
    "process.on('exit', () => { const r = process.resourceUsage(); require('node:fs').writeFileSync(process.env.CMA_BENCH_RUSAGE_FILE, JSON.stringify({ cpuUs: r.userCPUTime + r.systemCPUTime, maxRssKb: r.maxRSS })); });\n",
  );
  const cpu = [];
  const rss = [];
  for (let i = 0; i < RUNS; i++) {
    const file = path.join(argDir, `rusage-${++argN}`);
    const r = await execa(process.execPath, ['--require', hook, BIN, 'plan', '--load', '1000000@1'], {
      env: { ...env, CMA_BENCH_RUSAGE_FILE: file },
      reject: false,
    });
    if (r.exitCode !== 0 || !String(r.stdout).includes('load ends at 1000000 s'))
      throw new Error(`cma-demo plan --load 1000000@1: exit ${r.exitCode}: ${String(r.stderr).slice(-300)}`);
    const u = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.rmSync(file, { force: true });
    cpu.push(u.cpuUs / 1e6);
    rss.push(u.maxRssKb / 1024);
  }
  log(`plan-long: ${cpu.map((x) => x.toFixed(2)).join(' ')} s CPU; ${rss.map((x) => x.toFixed(0)).join(' ')} MB max RSS`);
  return (
    `bench plan-long: ${median(cpu).toFixed(2)} s, ${median(rss).toFixed(0)} MB (plan --load 1000000@1: 11.6 virtual days, text output; ` +
    `whole process, CPU user + system and max RSS, medians of ${RUNS} runs; the event loop repeats the 0 → 1 → 0 cycle instead of stepping through it)`
  );
}

let info;
const results = [];
try {
  if (BROKER_BENCHES.some(want)) {
    const install = await ensureKafkaInstalled({ env, log });
    info = await ensureBroker({ env, log });
    log(`broker ${info.version} pid ${info.pid} on ${info.bootstrap} (state ${stateDir})`);
    const conn = { brokers: [info.bootstrap], securityProtocol: 'PLAINTEXT', source: 'bench broker' };
    const admin = await openAdmin(conn);
    // ---------------------------------------------------------------------------------------------
    // 1. Throughput: 1,000,000 × 100 B, no limit, acks=all, no compression, 10 partitions each.
    if (want('producer-throughput-ratio')) {
      const N = 1_000_000;
      const runs = 3;
      const ours = [];
      const theirs = [];
      for (let i = 0; i < runs; i++) {
        const tj = `bench-java-${i}`;
        const tc = `bench-cma-${i}`;
        await admin.ensureTopic(tj, 10);
        await admin.ensureTopic(tc, 10);
        const j = await java(install, '512M', 'org.apache.kafka.tools.ProducerPerformance', [
          '--topic',
          tj,
          '--num-records',
          String(N),
          '--throughput',
          '-1',
          '--record-size',
          '100',
          '--producer-props',
          `bootstrap.servers=${info.bootstrap}`,
          'acks=all',
          'compression.type=none',
        ]);
        const js = parseSummaryLine(String(j.stdout));
        if (!js) throw new Error(`ProducerPerformance printed no summary (exit ${j.exitCode}): ${String(j.stderr).slice(-500)}`);
        theirs.push(js.recordsPerSec);
        log(`ProducerPerformance run ${i + 1}: ${fmt(js.recordsPerSec)} rec/s`);
        const c = await cli([
          'produce',
          '--topic',
          tc,
          '--num-records',
          String(N),
          '--throughput',
          '-1',
          '--record-size',
          '100',
          '--producer-props',
          'acks=all',
          'compression.type=none',
          '-o',
          'json',
        ]);
        if (c.exitCode !== 0) throw new Error(`cma-demo produce exit ${c.exitCode}: ${String(c.stderr).slice(-500)}`);
        const cs = JSON.parse(String(c.stdout));
        ours.push(cs.recordsPerSec);
        log(`cma-demo produce run ${i + 1}: ${fmt(cs.recordsPerSec)} rec/s`);
      }
      const X = median(ours);
      const Y = median(theirs);
      const line1 =
        `bench producer-throughput-ratio: ${(X / Y).toFixed(2)} (cma-demo ${fmt(X)} rec/s vs ProducerPerformance ${fmt(Y)} rec/s, ` +
        `1,000,000 × 100 B, throughput -1, acks=all, compression none, 10 partitions, median of ${runs} alternating runs each, whole processes; ` +
        `remaining differences: Java batches per partition with linger.ms 5 / batch.size 16384, idempotence on, one sender thread; cma-demo (KafkaJS) ` +
        `runs 2 producer threads, each ~1,630 records a request (batch.size worth per partition) with 5 requests in flight, not idempotent)`;
      results.push(line1);
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Rate error: 200,000 records at 10,000 rec/s, per-second CV from 1 s windows of acknowledgements.
    if (want('producer-rate-error')) {
      const rateTopic = 'bench-rate';
      await admin.ensureTopic(rateTopic, 10);
      const perSecond = [];
      const rs = await produce({
        connection: conn,
        topic: rateTopic,
        numRecords: 200_000,
        throughput: 10_000,
        recordSize: 100,
        reportIntervalMs: 1000,
        onReport: (r) => perSecond.push(r.recordsPerSec),
      });
      const err = (Math.abs(rs.recordsPerSec - 10_000) / 10_000) * 100;
      const full = perSecond.slice(0, -1); // the last window may be partial
      const mean = full.reduce((a, b) => a + b, 0) / full.length;
      const cv = (Math.sqrt(full.reduce((a, b) => a + (b - mean) ** 2, 0) / full.length) / mean) * 100;
      log(`rate: ${rs.recordsPerSec} rec/s over ${rs.durationMs} ms; windows ${full.map((x) => Math.round(x)).join(' ')}`);
      const line2 =
        `bench producer-rate-error: ${err.toFixed(2)} % (target 10,000 rec/s over 200,000 records; measured ${fmt(rs.recordsPerSec, 1)} rec/s = ` +
        `acked / (last ack − first send); per-second CV ${cv.toFixed(2)} % over ${full.length} one-second windows; p99 latency ${rs.p99Ms} ms)`;
      results.push(line2);
    }

    // ---------------------------------------------------------------------------------------------
    // 3. Lag poll: one read of committed + end offsets and KEDA's view, on an open admin; then whole processes.
    if (want('lag-poll')) {
      async function lagTopic(partitions) {
        const topic = `bench-lag-${partitions}`;
        const group = `bench-g-${partitions}`;
        await admin.ensureTopic(topic, partitions, { timeoutMs: 120_000 });
        await admin.commitOffsets(
          group,
          topic,
          Array.from({ length: partitions }, (_, p) => ({ partition: p, offset: 0 })),
        );
        await produce({ connection: conn, topic, numRecords: partitions * 10, throughput: -1, recordSize: 10 });
        return { topic, group };
      }
      async function pollMs(topic, group, n) {
        const times = [];
        for (let i = 0; i < n + 3; i++) {
          const t0 = performance.now();
          const offs = await readPartitionOffsets(admin, group, topic);
          const r = analyzeLag({ group, topic, settings: DEFAULT_SETTINGS, offsets: offs });
          const t = performance.now() - t0;
          if (r.doc.partitions.length === 0) throw new Error('no partitions read');
          if (i >= 3) times.push(t); // 3 warm-up reads
        }
        return median(times);
      }
      const small = await lagTopic(10);
      const big = await lagTopic(1000);
      const m10 = await pollMs(small.topic, small.group, 20);
      const m1000 = await pollMs(big.topic, big.group, 20);
      log(`lag poll: 10 partitions ${m10.toFixed(1)} ms, 1000 partitions ${m1000.toFixed(1)} ms`);

      const RUNS = 5;
      const cmaTimes = [];
      const kcgTimes = [];
      for (let i = 0; i < RUNS; i++) {
        let t0 = performance.now();
        const c = await cli(['lag', '--group', small.group, '--topic', small.topic, '-o', 'json']);
        cmaTimes.push(performance.now() - t0);
        if (c.exitCode !== 0 || JSON.parse(String(c.stdout)).totalLag !== 100) throw new Error(`cma-demo lag failed: ${String(c.stderr).slice(-300)}`);
        t0 = performance.now();
        const k = await java(install, '256M', 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
          '--bootstrap-server',
          info.bootstrap,
          '--describe',
          '--group',
          small.group,
        ]);
        kcgTimes.push(performance.now() - t0);
        if (k.exitCode !== 0 || !String(k.stdout).includes(small.topic)) throw new Error(`kafka-consumer-groups failed: ${String(k.stderr).slice(-300)}`);
      }
      const A = median(cmaTimes);
      const B = median(kcgTimes);
      log(
        `whole process: cma-demo lag ${cmaTimes.map((x) => x.toFixed(0)).join(' ')} ms; kafka-consumer-groups ${kcgTimes.map((x) => x.toFixed(0)).join(' ')} ms`,
      );
      const line3 =
        `bench lag-poll: ${m1000.toFixed(1)} ms (1,000 partitions; 10 partitions: ${m10.toFixed(1)} ms; median of 20 reads of committed + log-end offsets and KEDA's view on an open admin; ` +
        `whole process cma-demo lag vs kafka-consumer-groups --describe, 10 partitions, ${RUNS} runs each, medians: ${fmt(A)} vs ${fmt(B)} ms, ratio ${(A / B).toFixed(2)})`;
      results.push(line3);
    }

    await admin.close();
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Start-up: `cma-demo --help` CPU against a bare `node -e 0`.
  if (want('help-startup')) results.push(await helpStartup());
  // 5. A long plan: the cost of 11.6 virtual days.
  if (want('plan-long')) results.push(await planLong());

  process.stdout.write(results.map((l) => `${l}\n`).join(''));
} catch (e) {
  log(`failed: ${e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  if (info) await stopBroker({ env }).catch((e) => log(`stop failed: ${e}`));
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(argDir, { recursive: true, force: true });
}
