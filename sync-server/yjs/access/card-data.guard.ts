import * as Y from 'yjs';
import { cardDataAcrossDeletion, cardDataAroundInsertion, isTextPiece } from './card-data-text';
import {
  containsCardNumber,
  containsCardSecurityCode,
  findCardData,
  luhnValid,
  type CardDataKind,
} from '../../../domain/shared';

/**
 * The server's card-data guard for Yjs updates and awareness states: no card number or CVV
 * may be stored or relayed, whatever the client (a stock y-websocket client does not run the
 * desk's note validation). The detectors are the domain's (`findCardData`), so the desk and
 * the server refuse the same text. Nothing here logs or returns the offending text.
 */

/**
 * Applies `update` to `doc` as `Y.applyUpdate` does (and throws as it does), and reports card
 * data the update's transaction left in the document: new values, new map keys and root names,
 * and for text types the text around every insertion and deletion (a number typed or pasted
 * across several updates, or joined by deleting what separated its halves, is found when it
 * becomes whole; see card-data-text.ts), and in what it leaves waiting for a missing
 * dependency. The caller must undo an update that returned a kind (HubDoc rebuilds).
 */
export function applyCheckedUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  origin: unknown,
): CardDataKind | null {
  const result: { found: CardDataKind | null } = { found: null };
  const check = (tr: Y.Transaction): void => {
    result.found ??= cardDataIn(tr);
  };
  const parked = doc.store.pendingStructs?.update;
  doc.on('afterTransaction', check);
  try {
    Y.applyUpdate(doc, update, origin);
  } finally {
    doc.off('afterTransaction', check);
  }
  // Structs still waiting for a missing dependency are not in the document yet, so no
  // transaction shows them; checked now (without text context) so that card data is refused
  // with the update that brought it, not with a later honest one that completes it.
  const pending = doc.store.pendingStructs?.update;
  if (result.found === null && pending !== undefined && pending !== parked) {
    result.found = cardDataInPending(pending);
  }
  return result.found;
}

function cardDataInPending(pending: Uint8Array): CardDataKind | null {
  // Yjs keeps pending structs in the v2 encoding.
  for (const struct of Y.decodeUpdateV2(pending).structs) {
    if (!(struct instanceof Y.Item)) continue;
    const root = typeof struct.parent === 'string' ? cardDataInKey(struct.parent) : null;
    const found = root ?? cardDataInItem(struct);
    if (found !== null) return found;
  }
  return null;
}

/** Card data in a JSON value (awareness state, embedded value); keys label their values. */
export function cardDataInJson(value: unknown, key: string | null = null): CardDataKind | null {
  if (typeof value === 'string') return cardDataInString(value, key);
  if (typeof value === 'number') return cardDataInNumber(value, key);
  if (Array.isArray(value)) {
    for (const element of value) {
      const found = cardDataInJson(element, key);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) {
      const found = cardDataInKey(k) ?? cardDataInJson(v, k);
      if (found !== null) return found;
    }
    return null;
  }
  if (value instanceof Uint8Array) return findCardData(latin1(value));
  return null;
}

// Identifiers the desk generates (note and checklist ids): free of card data by construction,
// and their digit groups, taken as text, would pass a Luhn check about once in 10,000 ids.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function cardDataInString(text: string, key: string | null): CardDataKind | null {
  if (UUID.test(text)) return null;
  if (containsCardNumber(text)) return 'card-number';
  // The key labels the value: {cvv: "123"} says what "123" is.
  if (containsCardSecurityCode(key === null ? text : `${key} ${text}`)) return 'security-code';
  return null;
}

// Numbers: epoch milliseconds have 13 digits and would pass a Luhn check one time in ten, so
// only 15–19 digit integers (every PAN issued today) count as card numbers.
function cardDataInNumber(n: number, key: string | null): CardDataKind | null {
  const digits = Number.isInteger(n) ? String(Math.abs(n)) : '';
  if (/^\d{15,19}$/.test(digits) && luhnValid(digits)) return 'card-number';
  if (key !== null && containsCardSecurityCode(`${key} ${String(n)}`)) return 'security-code';
  return null;
}

function cardDataInKey(key: string): CardDataKind | null {
  return !UUID.test(key) && containsCardNumber(key) ? 'card-number' : null;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** Card data the transaction `tr` added to its document, or null. */
function cardDataIn(tr: Y.Transaction): CardDataKind | null {
  const roots = new Set<Y.AbstractType<unknown>>();
  for (const item of newItems(tr)) {
    const parent = item.parent instanceof Y.AbstractType ? item.parent : null;
    // A root type's name is stored with the update too (looked up once per root: a board has
    // three roots per delivery, and the lookup scans them).
    if (parent !== null && parent._item === null && !roots.has(parent)) {
      roots.add(parent);
      const named = cardDataInKey(Y.findRootTypeKey(parent));
      if (named !== null) return named;
    }
    const found = cardDataInItem(item);
    if (found !== null) return found;
  }
  // A deletion in a text joins what was on either side of it.
  let joined: CardDataKind | null = null;
  Y.iterateDeletedStructs(tr, tr.deleteSet, (struct) => {
    if (joined === null && struct instanceof Y.Item && isTextPiece(struct)) {
      joined = cardDataAcrossDeletion(struct);
    }
  });
  return joined;
}

/** Items created in `tr`: those at or after each client's clock when it began. */
function* newItems(tr: Y.Transaction): Generator<Y.Item> {
  for (const [client, after] of tr.afterState) {
    const before = tr.beforeState.get(client) ?? 0;
    if (after <= before) continue;
    const structs = tr.doc.store.clients.get(client) ?? [];
    for (let i = Y.findIndexSS(structs, before); i < structs.length; i += 1) {
      const struct = structs[i];
      if (struct instanceof Y.Item) yield struct;
    }
  }
}

function cardDataInItem(item: Y.Item): CardDataKind | null {
  const key = item.parentSub;
  const named = key !== null ? cardDataInKey(key) : null;
  if (named !== null) return named;
  const content = item.content;
  if (content instanceof Y.ContentString) return cardDataAroundInsertion(item);
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    return cardDataInJson(content.getContent(), key);
  }
  if (content instanceof Y.ContentEmbed) return cardDataInJson(content.embed, key);
  if (content instanceof Y.ContentFormat) return cardDataInJson(content.value, content.key);
  if (content instanceof Y.ContentBinary) return findCardData(latin1(content.content));
  if (content instanceof Y.ContentDoc) return cardDataInJson([content.doc.guid, content.opts]);
  if (content instanceof Y.ContentType && content.type instanceof Y.XmlElement) {
    return cardDataInKey(content.type.nodeName);
  }
  return null;
}
