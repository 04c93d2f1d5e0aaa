/**
 * "The first signal stops gracefully, the second exits at once": the one implementation of it.
 *
 * While the handler is installed, the first of the signals (default SIGINT) aborts `signal` (its `reason` is the
 * signal's name) and calls `onFirst`; the work is expected to wind down and return. A second signal calls
 * `onSecond` (last words, killing children) and exits the process with `exitCode` (default 130, the contract's
 * "interrupted") without waiting for the work.
 *
 * Two forms of the same thing:
 * - `withInterrupt(opts, body)` installs the handler while `body(ctx)` runs and removes it when body settles;
 * - `catchInterrupts(opts)` returns the handle, for code that already has its own try/finally: call `dispose()`.
 */
import { ExitCode } from '../errors.js';

export interface InterruptContext {
  /** Aborted by the first signal; `signal.reason` is its name. */
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  interruptedBy(): NodeJS.Signals | null;
}

export interface InterruptHandle extends InterruptContext {
  /** Removes the listeners (idempotent); signals after this get Node's default behaviour again. */
  dispose(): void;
}

/** Where signals come from and how the process exits (the process itself, or a fake in tests). */
export type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'> & { exit(code: number): unknown };

export interface InterruptOptions {
  /** Signals to catch. Default ['SIGINT']. */
  signals?: readonly NodeJS.Signals[];
  /** Called on the first signal, after `signal` aborted (e.g. "stopping; Ctrl-C again to stop at once"). */
  onFirst?: (sig: NodeJS.Signals) => void;
  /** Called on the second signal, just before the exit. */
  onSecond?: (sig: NodeJS.Signals) => void;
  /** The exit code of the second signal. Default 130. */
  exitCode?: number;
  /** Default: the process. */
  source?: SignalSource;
}

export function catchInterrupts(opts: InterruptOptions = {}): InterruptHandle {
  const source = opts.source ?? process;
  const signals = opts.signals ?? ['SIGINT'];
  const ac = new AbortController();
  let first: NodeJS.Signals | null = null;
  let installed = true;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (first === null) {
      first = sig;
      ac.abort(sig);
      opts.onFirst?.(sig);
      return;
    }
    try {
      opts.onSecond?.(sig);
    } finally {
      source.exit(opts.exitCode ?? ExitCode.INTERRUPTED);
    }
  };
  for (const s of signals) source.on(s, onSignal);
  return {
    signal: ac.signal,
    interruptedBy: () => first,
    dispose: () => {
      if (!installed) return;
      installed = false;
      for (const s of signals) source.off(s, onSignal);
    },
  };
}

export async function withInterrupt<T>(opts: InterruptOptions, body: (ctx: InterruptContext) => Promise<T>): Promise<T> {
  const h = catchInterrupts(opts);
  try {
    return await body(h);
  } finally {
    h.dispose();
  }
}
