import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colorWanted, Output } from '../../src/output.js';

/** A stderr that says it is a terminal, collecting what is written. */
function tty(): { stream: PassThrough & { isTTY: boolean }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  let buf = '';
  stream.on('data', (b: Buffer) => (buf += b.toString()));
  return { stream, text: () => buf };
}
const ESC = '\u001b[';

describe('colour follows no-color.org and --no-color', () => {
  it('NO_COLOR turns colour off only when it is non-empty', () => {
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(true, { NO_COLOR: '' })).toBe(true);
    expect(colorWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(true, { NO_COLOR: '0' })).toBe(false); // any non-empty value
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(true, { TERM: 'dumb' })).toBe(false);
  });

  it('an error line on a terminal is red with NO_COLOR= (empty), plain with NO_COLOR=1 and with --no-color', () => {
    const lines = (opts: { color?: boolean; env: NodeJS.ProcessEnv }) => {
      const err = tty();
      new Output('text', { stderr: err.stream, stdout: new PassThrough(), ...opts }).error('boom', 'do this');
      return err.text();
    };
    expect(lines({ env: { NO_COLOR: '' } })).toContain(`${ESC}31merror: boom`);
    expect(lines({ env: { NO_COLOR: '1' } })).toBe('error: boom\nhint: do this\n');
    expect(lines({ env: {}, color: false })).toBe('error: boom\nhint: do this\n');
  });
});
