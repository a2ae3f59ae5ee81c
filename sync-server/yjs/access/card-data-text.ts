import * as Y from 'yjs';
import { findCardData, type CardDataKind } from '../../../domain/shared';

/**
 * Text context for the card-data guard: the characters on either side of a change in a text
 * type, read from the item's neighbours in the document's item list, so the cost is that of the
 * context, not of the whole text (a 108 KB text does not make each one-character edit scan 108
 * KB). A card number typed in pieces is found by the update that completes it, because that
 * update's context holds the pieces typed before.
 */

// Context either side of a change: a PAN with separators is at most 37 characters, and the
// label of a CVV is a few words before it.
const MARGIN = 48;
const ALNUM = /[0-9A-Za-z]/;

// A context may only end where no word or number is cut: a cut could make a card number or
// "cvv 123" out of what is not one in the whole text ("xcvv 123" cut to "cvv 123").
const cleanEdge = (c: string | undefined): boolean => c === undefined || !ALNUM.test(c);

/**
 * What an item shows of a text: its characters; an embed or nested type breaks the text as it
 * does on screen; formatting marks are invisible (a PAN split by a bold mark still reads as
 * one); deleted items show nothing.
 */
function pieceOf(item: Y.Item): string {
  if (item.deleted) return '';
  const content = item.content;
  if (content instanceof Y.ContentString) return content.str;
  if (content instanceof Y.ContentEmbed || content instanceof Y.ContentType) return '\n';
  return '';
}

/** Whether an item is part of a text's visible content (string or embed). */
export const isTextPiece = (item: Y.Item): boolean =>
  item.content instanceof Y.ContentString || item.content instanceof Y.ContentEmbed;

// The text left of `start` (inclusive), at least MARGIN characters unless the text begins
// first, ending on a clean edge; only the needed tail of a long item is taken.
function before(start: Y.Item | null): string {
  let text = '';
  for (let n = start; n !== null; n = n.left) {
    if (text.length >= MARGIN && cleanEdge(text[0])) break;
    const piece = pieceOf(n);
    let from = Math.max(0, piece.length - Math.max(MARGIN - text.length, 1));
    while (from > 0 && !cleanEdge(piece[from])) from -= 1;
    text = piece.slice(from) + text;
    if (from > 0) break; // cut inside this item, on a clean character
  }
  return text;
}

// The text right of `start` (inclusive), as `before` does leftwards.
function after(start: Y.Item | null): string {
  let text = '';
  for (let n = start; n !== null; n = n.right) {
    if (text.length >= MARGIN && cleanEdge(text[text.length - 1])) break;
    const piece = pieceOf(n);
    let to = Math.min(piece.length, Math.max(MARGIN - text.length, 1));
    while (to < piece.length && !cleanEdge(piece[to - 1])) to += 1;
    text += piece.slice(0, to);
    if (to < piece.length) break;
  }
  return text;
}

/** Card data in an inserted string together with the text on either side of it. */
export function cardDataAroundInsertion(item: Y.Item): CardDataKind | null {
  return findCardData(before(item.left) + pieceOf(item) + after(item.right));
}

/** Card data in what a deletion joined: the text left and right of the deleted item. */
export function cardDataAcrossDeletion(item: Y.Item): CardDataKind | null {
  return findCardData(before(item.left) + after(item.right));
}
