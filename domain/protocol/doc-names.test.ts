import { describe, expect, it } from 'vitest';
import { boardDocName, isDocName, parseDocName } from './doc-names';

describe('document names', () => {
  it('parses the three families', () => {
    expect(parseDocName('board/berlin/2026-02-29')).toBeNull(); // 2026 is not a leap year
    expect(parseDocName('board/berlin/2024-02-29')).toEqual({
      kind: 'board',
      region: 'berlin',
      day: '2024-02-29',
    });
    expect(parseDocName('dispatch/b-1/2026-12-31')).toMatchObject({ kind: 'dispatch' });
    expect(parseDocName('status/berlin')).toEqual({ kind: 'status', region: 'berlin' });
  });

  it('refuses anything else', () => {
    for (const name of [
      'board/berlin/2026-04-31',
      'board/berlin/2026-13-01',
      'board/berlin/0099-01-01',
      'board/Berlin/2026-01-01',
      'status/berlin/x',
      'notes/berlin',
      `board/${'a'.repeat(33)}/2026-01-01`,
    ])
      expect(isDocName(name)).toBe(false);
  });

  it('builds the board name a desk opens', () => {
    expect(isDocName(boardDocName('berlin', '2026-12-03'))).toBe(true);
  });
});
