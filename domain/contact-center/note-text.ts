import { err, findCardData, ok, type Result } from '../shared';

/** The longest note, after trimming; the note field and the operator API follow it. */
export const MAX_NOTE_LENGTH = 2000;

/**
 * A delivery note as a desk accepts it (board documents, `notes.add`): trimmed, bounded, and
 * refused if it contains anything that could be a card number or security code.
 */
export function validateNoteText(text: string): Result<string> {
  const trimmed = text.trim();
  if (trimmed.length === 0) return err('NOTE.EMPTY', 'A note cannot be empty.');
  if (trimmed.length > MAX_NOTE_LENGTH) {
    return err('NOTE.TOO_LONG', `A note can be at most ${MAX_NOTE_LENGTH} characters.`);
  }
  // The same check the sync server applies to every Yjs update (findCardData), so a note the
  // desk accepts is never refused by the server (which would close the socket over it).
  const found = findCardData(trimmed);
  if (found === 'card-number') {
    return err(
      'NOTE.CONTAINS_CARD_NUMBER',
      'Notes must never contain a card number; please remove it.',
    );
  }
  if (found === 'security-code') {
    return err(
      'NOTE.CONTAINS_SECURITY_CODE',
      'Notes must never contain a card security code (CVV); please remove it.',
    );
  }
  return ok(trimmed);
}
