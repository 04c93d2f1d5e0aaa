import { defineConfig } from 'vitest/config';

// test/unit: pure logic. test/kafka: a real local broker (started once by test/setup/global.ts).
// test/cluster: a real kube-apiserver + etcd (scripts/lab). test/cli: the built binary as a process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ['test/setup/global.ts'],
    reporters: ['default'],
  },
});
