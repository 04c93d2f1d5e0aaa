import type { Command } from 'commander';
import type { Bind } from './action.js';
import { registerPlan } from './meta/plan.js';
import { registerRun } from './meta/run.js';
import { registerLocal } from './meta/local.js';
import { registerProduce } from './meta/produce.js';
import { registerLag } from './meta/lag.js';
import { registerConsume } from './meta/consume.js';
import { registerSetup } from './meta/setup.js';
import { registerTeardown } from './meta/teardown.js';
import { registerStatus } from './meta/status.js';
import { registerLab } from './meta/lab.js';
import { registerImage } from './meta/image.js';
import { registerConformance } from './meta/conformance.js';
import { registerExplain } from './meta/explain.js';
import { registerCheck } from './meta/check.js';
import { registerRecommend } from './meta/recommend.js';
import { registerCompletion } from './meta/completion.js';

/**
 * Registers every subcommand from its light metadata (meta/<name>.ts: options, help, examples); a command's
 * implementation (<name>.ts and what it imports) is loaded only when that command runs, so `--help` and start-up
 * stay cheap. `bind` leads each action to cli.ts's exit path.
 */
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
  registerExplain(program, bind);
  registerCheck(program, bind);
  registerRecommend(program, bind);
  registerConformance(program, bind);
  registerLab(program, bind);
  registerImage(program, bind);
  registerCompletion(program, bind);
}
