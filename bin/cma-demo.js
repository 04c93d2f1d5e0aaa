#!/usr/bin/env node
// Thin shim into the built CLI (npm ci runs the `prepare` build).
import { main } from '../dist/cli.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
