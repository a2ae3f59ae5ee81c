import { randomUUID } from 'node:crypto';
import type * as Y from 'yjs';
import { validateNoteText } from '../../domain/contact-center';
import { err, ok, parseId, type Result } from '../../domain/shared';
import {
  DEFAULT_FLAGS,
  type ChecklistItem,
  type Claim,
  type DeliveryFlags,
  type DeliveryState,
  type Note,
} from '../../domain/protocol';
import {
  boardTypes,
  checklistItemSchema,
  claimSchema,
  noteSchema,
  prioritySchema,
} from './board-schema';
import { LOCAL_ORIGIN } from './transaction-origins';

/**
 * Typed operations on a board document (a CollabDoc, or anything holding a Y.Doc). Writes
 * validate first and return a domain Result: on failure nothing is written. Each write is one
 * Yjs transaction tagged LOCAL_ORIGIN, so it is stored and synced as one local edit. Reads
 * return plain data: no Y type leaves this module.
 */
export interface BoardDoc {
  readonly ydoc: Y.Doc;
}

/** Longest checklist label: a short line, unlike a note. */
export const MAX_CHECKLIST_LABEL = 200;

/** Appends a note. Refuses empty, too long, or card-number text (validateNoteText). */
export function addNote(
  doc: BoardDoc,
  deliveryId: string,
  author: string,
  text: string,
  at: number,
): Result<Note> {
  const checked = checkRefs(deliveryId, author, at);
  if (!checked.ok) return checked;
  const valid = validateNoteText(text);
  if (!valid.ok) return valid;
  const note: Note = { id: randomUUID(), author, text: valid.value, at };
  write(doc, () => boardTypes(doc.ydoc, deliveryId).notes.push([note]));
  return ok(note);
}

/** Sets one flag. Concurrent changes of the same flag: the last writer wins, per flag. */
export function setFlag<K extends keyof DeliveryFlags>(
  doc: BoardDoc,
  deliveryId: string,
  flag: K,
  value: DeliveryFlags[K],
): Result<DeliveryFlags> {
  const ref = parseId('Delivery', deliveryId);
  if (!ref.ok) return ref;
  // Values may come straight from the UI boundary: check at run time too.
  const valid =
    flag === 'priority'
      ? prioritySchema.safeParse(value).success
      : flag === 'vip' && typeof value === 'boolean';
  if (!valid) {
    return err('FLAG.INVALID', 'That flag value is not valid.');
  }
  write(doc, () => boardTypes(doc.ydoc, deliveryId).flags.set(flag, value));
  return ok(readFlags(doc, deliveryId));
}

/**
 * Claims the case for `userId`. Claiming one's own case again is a no-op that returns the
 * existing claim; a case claimed by someone else is refused (CLAIM.TAKEN). Two offline claims
 * resolve to the same single winner on every desktop once merged; observeDelivery tells the other.
 */
export function claim(
  doc: BoardDoc,
  deliveryId: string,
  userId: string,
  at: number,
): Result<Claim> {
  const checked = checkRefs(deliveryId, userId, at);
  if (!checked.ok) return checked;
  const current = readClaim(doc, deliveryId);
  if (current !== null) {
    return current.userId === userId
      ? ok(current)
      : err('CLAIM.TAKEN', 'Another operator is already handling this delivery.');
  }
  const next: Claim = { userId, at };
  write(doc, () => boardTypes(doc.ydoc, deliveryId).claims.set(deliveryId, next));
  return ok(next);
}

/** Releases the claim; only its holder may (CLAIM.NOT_YOURS). Releasing an unclaimed case is a no-op. */
export function releaseClaim(doc: BoardDoc, deliveryId: string, userId: string): Result<null> {
  const current = readClaim(doc, deliveryId);
  if (current === null) return ok(null);
  if (current.userId !== userId) {
    return err('CLAIM.NOT_YOURS', 'Only the operator handling this delivery can release it.');
  }
  write(doc, () => boardTypes(doc.ydoc, deliveryId).claims.delete(deliveryId));
  return ok(null);
}

/** Adds an unchecked item; the label is checked like a note and must fit on one line. */
export function addChecklistItem(
  doc: BoardDoc,
  deliveryId: string,
  label: string,
  by: string,
  at: number,
): Result<ChecklistItem> {
  const checked = checkRefs(deliveryId, by, at);
  if (!checked.ok) return checked;
  const valid = validateNoteText(label);
  if (!valid.ok) return valid;
  if (valid.value.length > MAX_CHECKLIST_LABEL || valid.value.includes('\n')) {
    return err(
      'CHECKLIST.LABEL_TOO_LONG',
      `A checklist item is one line of at most ${MAX_CHECKLIST_LABEL} characters.`,
    );
  }
  const item: ChecklistItem = {
    id: randomUUID(),
    label: valid.value,
    done: false,
    createdBy: by,
    createdAt: at,
    doneBy: null,
    doneAt: null,
  };
  write(doc, () => boardTypes(doc.ydoc, deliveryId).checklist.set(item.id, item));
  return ok(item);
}

/**
 * Flips an item between done (by `by`, at `at`) and not done. Concurrent toggles of the same
 * item: the last writer wins. Unknown item: CHECKLIST.UNKNOWN_ITEM.
 */
export function toggleChecklistItem(
  doc: BoardDoc,
  deliveryId: string,
  itemId: string,
  by: string,
  at: number,
): Result<ChecklistItem> {
  const checked = checkRefs(deliveryId, by, at);
  if (!checked.ok) return checked;
  const { checklist } = boardTypes(doc.ydoc, deliveryId);
  const current = checklistItemSchema.safeParse(checklist.get(itemId));
  if (!current.success) return err('CHECKLIST.UNKNOWN_ITEM', 'That checklist item does not exist.');
  const done = !current.data.done;
  const next: ChecklistItem = {
    ...current.data,
    done,
    doneBy: done ? by : null,
    doneAt: done ? at : null,
  };
  write(doc, () => checklist.set(itemId, next));
  return ok(next);
}

/**
 * The delivery's shared state as plain data (empty defaults if nobody wrote anything yet).
 * Malformed values written by a faulty client are skipped, never thrown.
 */
export function readDeliveryState(doc: BoardDoc, deliveryId: string): DeliveryState {
  const { notes, checklist } = boardTypes(doc.ydoc, deliveryId);
  return {
    deliveryId,
    notes: notes
      .toArray()
      .flatMap((raw) => {
        const note = noteSchema.safeParse(raw);
        // Re-checked on read: a note with a card number must not reach a screen even if
        // another client skipped validation.
        return note.success && validateNoteText(note.data.text).ok ? [note.data] : [];
      })
      .sort((a, b) => a.at - b.at || compare(a.id, b.id)),
    flags: readFlags(doc, deliveryId),
    claim: readClaim(doc, deliveryId),
    checklist: [...checklist.values()]
      .flatMap((raw) => {
        const item = checklistItemSchema.safeParse(raw);
        return item.success ? [item.data] : [];
      })
      .sort((a, b) => a.createdAt - b.createdAt || compare(a.id, b.id)),
  };
}

/**
 * Calls `listener` with the fresh state after every transaction (local or remote) that
 * changed this delivery, once per transaction, synchronously after it commits. Not called
 * on subscription. Returns the unsubscribe function.
 */
export function observeDelivery(
  doc: BoardDoc,
  deliveryId: string,
  listener: (state: DeliveryState) => void,
): () => void {
  const { notes, flags, checklist, claims } = boardTypes(doc.ydoc, deliveryId);
  const onTransaction = (tr: Y.Transaction): void => {
    // Widened to compare with our concrete types (Yjs keys the map by AbstractType<YEvent>).
    const changed: ReadonlyMap<unknown, ReadonlySet<string | null>> = tr.changed;
    const touched =
      changed.has(notes) ||
      changed.has(flags) ||
      changed.has(checklist) ||
      changed.get(claims)?.has(deliveryId) === true;
    if (touched) listener(readDeliveryState(doc, deliveryId));
  };
  doc.ydoc.on('afterTransaction', onTransaction);
  return () => {
    doc.ydoc.off('afterTransaction', onTransaction);
  };
}

function readFlags(doc: BoardDoc, deliveryId: string): DeliveryFlags {
  const { flags } = boardTypes(doc.ydoc, deliveryId);
  const priority = prioritySchema.safeParse(flags.get('priority'));
  const vip = flags.get('vip');
  return {
    priority: priority.success ? priority.data : DEFAULT_FLAGS.priority,
    vip: typeof vip === 'boolean' ? vip : DEFAULT_FLAGS.vip,
  };
}

function readClaim(doc: BoardDoc, deliveryId: string): Claim | null {
  const parsed = claimSchema.safeParse(boardTypes(doc.ydoc, deliveryId).claims.get(deliveryId));
  return parsed.success ? parsed.data : null;
}

function checkRefs(deliveryId: string, userId: string, at: number): Result<null> {
  const delivery = parseId('Delivery', deliveryId);
  if (!delivery.ok) return delivery;
  const user = parseId('User', userId);
  if (!user.ok) return user;
  if (!Number.isSafeInteger(at) || at < 0)
    return err('COLLAB.INVALID_TIME', 'That time is not valid.');
  return ok(null);
}

function write(doc: BoardDoc, change: () => void): void {
  doc.ydoc.transact(change, LOCAL_ORIGIN);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
