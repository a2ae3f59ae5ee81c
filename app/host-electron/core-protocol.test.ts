import { describe, expect, it } from 'vitest';
import { isCoreToShell, isShellToCore } from './core-protocol';

describe('shell ↔ core control messages', () => {
  it.each([
    [{ type: 'connect' }, true],
    [{ type: 'shutdown' }, true],
    [{ type: 'ready' }, false],
    [{ type: 'connect ' }, false],
    [null, false],
    ['connect', false],
  ])('isShellToCore(%j) → %s', (message, ok) => {
    expect(isShellToCore(message)).toBe(ok);
  });

  it.each([
    [{ type: 'ready' }, true],
    [{ type: 'closed' }, true],
    [{ type: 'failed', message: 'disk full' }, true],
    [{ type: 'failed' }, false],
    [{ type: 'connect' }, false],
    [undefined, false],
  ])('isCoreToShell(%j) → %s', (message, ok) => {
    expect(isCoreToShell(message)).toBe(ok);
  });
});
