#!/usr/bin/env node
// Thin shim into the built CLI (npm ci runs the `prepare` build).
import { main } from '../dist/cli.js';

main(process.argv).then((code) => {
  process.exitCode = code;
  // The command is done. A Kafka client that failed to connect may leave request/retry timers behind for
  // up to its request timeout; they must not hold the exit (stdout/stderr are synchronous here).
  setTimeout(() => process.exit(code), 500).unref();
});
