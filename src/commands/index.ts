import type { Command } from 'commander';
import type { Bind } from './action.js';
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
import { registerConformance } from './meta/conformance.js';

/** Registers every subcommand. One file a command under src/commands/; `bind` leads each action to cli.ts's exit path. */
export function registerCommands(program: Command, bind: Bind): void {
  registerLocal(program, bind);
  registerProduce(program, bind);
  registerLag(program, bind);
  registerConsume(program, bind);
  registerSetup(program, bind);
  registerTeardown(program, bind);
  registerStatus(program, bind);
  registerRun(program, bind);
  registerPlan(program, bind);
  registerConformance(program, bind);
  registerLab(program);
}
