import type { Command } from 'commander';
import { notImplemented } from './notImplemented.js';
import { registerPlan } from './plan.js';
import { registerRun } from './run.js';
import { registerLocal } from './local.js';
import { registerProduce } from './produce.js';
import { registerLag } from './lag.js';
import { registerConsume } from './consume.js';
import { registerSetup } from './setup.js';
import { registerTeardown } from './teardown.js';
import { registerStatus } from './status.js';
import { registerLab } from './lab.js';

/** Registers every subcommand. One file a command under src/commands/. */
export function registerCommands(program: Command): void {
  registerLocal(program);
  registerProduce(program);
  registerLag(program);
  registerConsume(program);
  registerSetup(program);
  registerTeardown(program);
  registerStatus(program);
  registerRun(program);
  registerPlan(program);
  registerLab(program);
}
