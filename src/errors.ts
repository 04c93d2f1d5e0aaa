/** Exit codes shared by every command (docs/design.md §4). */
export const ExitCode = {
  OK: 0,
  /** A case's expectation failed. */
  FAILED: 1,
  /** Usage or configuration error (bad flag, invalid scenario, confirmation a non-TTY cannot give). */
  USAGE: 2,
  /** Environment error: cluster, Kafka, missing tool, timeout waiting on the environment. */
  ENV: 3,
  /** Interrupted by SIGINT. */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A warning a command prints on stderr and lists in its document's warnings[] (contracts). */
export interface Warning {
  code: string;
  message: string;
}

/**
 * The one error type: what went wrong, what to do about it, and the exit code. Commands throw it; src/cli.ts is
 * the only place that prints it and turns it into the exit code. `document` is the command's machine-readable
 * answer for that failure (e.g. `{running: false}`): cli.ts prints it on stdout with -o json|yaml, before the
 * error on stderr.
 */
export class CmaError extends Error {
  readonly hint?: string;
  readonly exitCode: ExitCodeValue;
  readonly code: string;
  readonly retriable: boolean;
  readonly document?: unknown;

  constructor(
    message: string,
    opts: { hint?: string; exitCode?: ExitCodeValue; code?: string; retriable?: boolean; cause?: unknown; document?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CmaError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.ENV;
    this.code = opts.code ?? 'ERROR';
    this.retriable = opts.retriable ?? false;
    if (opts.document !== undefined) this.document = opts.document;
  }
}

export const usageError = (message: string, hint?: string, code = 'USAGE'): CmaError => new CmaError(message, { hint, exitCode: ExitCode.USAGE, code });

export const envError = (message: string, hint?: string, code = 'ENVIRONMENT', cause?: unknown): CmaError =>
  new CmaError(message, { hint, exitCode: ExitCode.ENV, code, cause });

/** Picks the exit code of several results: 130, then 3, then 1 (contracts). */
export function combineExitCodes(codes: number[]): number {
  for (const c of [ExitCode.INTERRUPTED, ExitCode.ENV, ExitCode.USAGE, ExitCode.FAILED]) {
    if (codes.includes(c)) return c;
  }
  return codes.find((c) => c !== 0) ?? 0;
}
