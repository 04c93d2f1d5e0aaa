import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { catchInterrupts, withInterrupt, type SignalSource } from '../../src/util/interrupt.js';

/** A fake process: signals are emitted by the test, exit is recorded. */
function fakeProcess(): SignalSource & EventEmitter & { exits: number[] } {
  const e = new EventEmitter() as EventEmitter & { exits: number[]; exit(code: number): void };
  e.exits = [];
  e.exit = (code: number) => void e.exits.push(code);
  return e;
}

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

describe('withInterrupt', () => {
  it('the first signal aborts the signal (reason = its name) and calls onFirst; body finishes and its value is returned', async () => {
    const proc = fakeProcess();
    const onFirst = vi.fn();
    const g = gate();
    const seen: Array<string | null> = [];
    const run = withInterrupt({ source: proc, onFirst }, async (ctx) => {
      seen.push(ctx.interruptedBy());
      expect(ctx.signal.aborted).toBe(false);
      await g.p;
      seen.push(ctx.interruptedBy());
      return ctx.signal.reason as string;
    });
    proc.emit('SIGINT', 'SIGINT');
    expect(onFirst).toHaveBeenCalledWith('SIGINT');
    g.open();
    await expect(run).resolves.toBe('SIGINT');
    expect(seen).toEqual([null, 'SIGINT']);
    expect(proc.exits).toEqual([]); // one signal: no exit
  });

  it('the second signal calls onSecond and exits 130 without waiting for the body', async () => {
    const proc = fakeProcess();
    const order: string[] = [];
    const g = gate();
    const run = withInterrupt({ source: proc, onFirst: () => order.push('first'), onSecond: () => order.push('second') }, async () => {
      await g.p;
    });
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([]);
    proc.emit('SIGINT', 'SIGINT');
    expect(order).toEqual(['first', 'second']);
    expect(proc.exits).toEqual([130]);
    g.open();
    await run;
  });

  it('catches each of several signals, reports which came first, honours another exit code', async () => {
    const proc = fakeProcess();
    const g = gate();
    let by: string | null = null;
    const run = withInterrupt({ source: proc, signals: ['SIGINT', 'SIGTERM'], exitCode: 143 }, async (ctx) => {
      await g.p;
      by = ctx.interruptedBy();
    });
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([143]);
    g.open();
    await run;
    expect(by).toBe('SIGTERM');
  });

  it('exits even when onSecond throws', () => {
    const proc = fakeProcess();
    const h = catchInterrupts({
      source: proc,
      onSecond: () => {
        throw new Error('boom');
      },
    });
    proc.emit('SIGINT', 'SIGINT');
    expect(() => proc.emit('SIGINT', 'SIGINT')).toThrow('boom');
    expect(proc.exits).toEqual([130]);
    h.dispose();
  });

  it('removes its listeners when the body settles, also when it throws', async () => {
    const proc = fakeProcess();
    await withInterrupt({ source: proc, signals: ['SIGINT', 'SIGTERM'] }, async () => {
      expect(proc.listenerCount('SIGINT')).toBe(1);
      expect(proc.listenerCount('SIGTERM')).toBe(1);
    });
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    await expect(
      withInterrupt({ source: proc }, async () => {
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
    expect(proc.listenerCount('SIGINT')).toBe(0);
    // After the body, a signal reaches nobody: no abort, no exit.
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([]);
  });

  it('uses the real process by default, and leaves it as it found it', async () => {
    const before = process.listenerCount('SIGINT');
    const reason = await withInterrupt({}, async (ctx) => {
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      process.emit('SIGINT', 'SIGINT'); // calls the listeners only; no real signal is sent
      return ctx.signal.reason as string;
    });
    expect(reason).toBe('SIGINT');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('catchInterrupts', () => {
  it('dispose is idempotent and stops the handling', () => {
    const proc = fakeProcess();
    const h = catchInterrupts({ source: proc });
    h.dispose();
    h.dispose();
    expect(proc.listenerCount('SIGINT')).toBe(0);
    proc.emit('SIGINT', 'SIGINT');
    expect(h.signal.aborted).toBe(false);
  });
});
