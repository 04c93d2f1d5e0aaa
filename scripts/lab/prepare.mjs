#!/usr/bin/env node
// Prepares everything the tests need, each part cached per version in $CMA_DEMO_CACHE:
//   kafka  the Apache Kafka jars from Maven Central (for the local broker and the reference tools)
//   kube   etcd + kube-apiserver + kube-controller-manager built from the Go module proxy (the cluster test lab)
//   lab    kube, plus the KEDA operator + metrics adapter (`cma-demo lab`, test/lab)
// Usage: node scripts/lab/prepare.mjs [--kafka] [--kube] [--lab]   (no flag = all). Prints the time of each phase.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const all = !args.includes('--kafka') && !args.includes('--kube') && !args.includes('--lab');

async function phase(name, fn) {
  const t0 = Date.now();
  process.stderr.write(`lab: ${name} …\n`);
  await fn();
  process.stderr.write(`lab: ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (all || args.includes('--kafka')) {
  await phase('kafka jars', async () => {
    const mod = await import(pathToFileURL(path.join(root, 'dist/local/install.js')).href);
    await mod.ensureKafkaInstalled({ log: (s) => process.stderr.write(`  ${s}\n`) });
  });
}
if (all || args.includes('--kube') || args.includes('--lab')) {
  await phase('etcd + kube-apiserver + kube-controller-manager', async () => {
    execFileSync(path.join(root, 'scripts/lab/build-kube.sh'), ['all'], { stdio: ['ignore', 'inherit', 'inherit'] });
  });
}
if (all || args.includes('--lab')) {
  await phase('KEDA operator + metrics adapter', async () => {
    execFileSync(path.join(root, 'scripts/lab/build-kube.sh'), ['keda'], { stdio: ['ignore', 'inherit', 'inherit'] });
  });
}
