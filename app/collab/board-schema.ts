import { z } from 'zod';
import type * as Y from 'yjs';
import { PRIORITIES, type ChecklistItem, type Claim, type Note } from '../../domain/protocol';

/**
 * Layout of a board document (`board/<region>/<day>`). Every delivery gets its own ROOT types,
 * never nested types under a shared key: two desktops that create `deliveries[id]` offline
 * would each make their own Y.Map and one would win the key, dropping the other's notes.
 * Root types are identified by name, so concurrent creations are the same type.
 *
 *   notes/<deliveryId>      Y.Array<Note>            append-only
 *   flags/<deliveryId>      Y.Map: priority, vip     last writer wins per field
 *   checklist/<deliveryId>  Y.Map<itemId, ChecklistItem>
 *   claims                  Y.Map<deliveryId, Claim> last writer wins per delivery
 *
 * Values are plain JSON. Anyone with a board token can write anything, so every value read
 * back is checked against the schemas below and dropped if it does not fit.
 */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/);
const time = z.number().int().nonnegative();

export const noteSchema: z.ZodType<Note> = z.object({
  id,
  author: id,
  text: z.string(),
  at: time,
});

export const claimSchema: z.ZodType<Claim> = z.object({ userId: id, at: time });

export const checklistItemSchema: z.ZodType<ChecklistItem> = z.object({
  id,
  label: z.string(),
  done: z.boolean(),
  createdBy: id,
  createdAt: time,
  doneBy: id.nullable(),
  doneAt: time.nullable(),
});

export const prioritySchema = z.enum(PRIORITIES);

/** The root types holding one delivery's state (created lazily, locally, by name). */
export function boardTypes(ydoc: Y.Doc, deliveryId: string) {
  return {
    notes: ydoc.getArray<unknown>(`notes/${deliveryId}`),
    flags: ydoc.getMap<unknown>(`flags/${deliveryId}`),
    checklist: ydoc.getMap<unknown>(`checklist/${deliveryId}`),
    claims: ydoc.getMap<unknown>('claims'),
  };
}
