/**
 * How a command's implementation reaches the one exit path. An action returns its exit code (nothing = 0) or
 * throws (a CmaError carries its own code); src/cli.ts binds every action and is the only place that prints an
 * error or decides the process's exit code. Light on purpose: types only, loaded at start-up.
 */

/** An action's outcome: its exit code; nothing means 0. */
export type ActionResult = number | void;

/** A command's action as commander calls it: (...arguments, options, command). */
export type Action = (...args: never[]) => Promise<ActionResult> | ActionResult;

/** Given to the registrations by cli.ts: turns an action loader into commander's action handler. */
export type Bind = (load: () => Promise<Action>) => (...args: unknown[]) => Promise<void>;
