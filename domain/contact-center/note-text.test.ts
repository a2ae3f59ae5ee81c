import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failure } from '../test-support/fixtures';
import { MAX_NOTE_LENGTH, validateNoteText } from './note-text';

describe('validateNoteText', () => {
  it.each([
    ['x', 'x'],
    ['  padded  ', 'padded'],
    ['x'.repeat(MAX_NOTE_LENGTH), 'x'.repeat(MAX_NOTE_LENGTH)],
    [`  ${'y'.repeat(MAX_NOTE_LENGTH)}  `, 'y'.repeat(MAX_NOTE_LENGTH)], // the limit applies after trimming
    ['Call back on +49 30 1234567 after 18:00', 'Call back on +49 30 1234567 after 18:00'],
    ['Order 12345, card ending 4242', 'Order 12345, card ending 4242'],
  ])('accepts %j as %j', (text, expected) => {
    expect(validateNoteText(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'NOTE.EMPTY', 'A note cannot be empty.'],
    [
      'z'.repeat(MAX_NOTE_LENGTH + 1),
      'NOTE.TOO_LONG',
      `A note can be at most ${MAX_NOTE_LENGTH} characters.`,
    ],
    [
      '5555-5555-5555-4444',
      'NOTE.CONTAINS_CARD_NUMBER',
      'Notes must never contain a card number; please remove it.',
    ],
  ])('refuses %#: %s', (text, code, message) => {
    expect(failure(validateNoteText(text))).toEqual({ code, message });
  });

  it('accepted notes are trimmed, bounded and free of card numbers (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2100 }), (text) => {
        const result = validateNoteText(text);
        if (!result.ok) return;
        expect(result.value).toBe(text.trim());
        expect(result.value.length).toBeGreaterThan(0);
        expect(result.value.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
      }),
    );
  });
});
