import * as Y from 'yjs';

// Transaction origins. Every change to a shared doc is tagged with where it came from, so the
// one 'update' handler knows what to persist, whom to skip when broadcasting and what to tell
// other instances about; replaying the store on load never writes the store again, and an
// update from another instance is neither stored again nor published back (Hocuspocus does the
// same). Client transactions carry the connection itself as origin.
export const LOAD_ORIGIN = 'load';
export const SERVER_ORIGIN = 'server';
export const REMOTE_ORIGIN = 'remote';

/** Updates Yjs holds apart from a doc until their dependencies arrive (not in the store). */
export type PendingUpdates = readonly (Uint8Array | null)[];

const NOTHING_PENDING: PendingUpdates = [];

/** What `doc` holds back for missing dependencies, to carry over into a rebuilt doc. */
export function pendingOf(doc: Y.Doc): PendingUpdates {
  const { pendingStructs, pendingDs } = doc.store;
  return pendingStructs === null && pendingDs === null
    ? NOTHING_PENDING
    : [pendingStructs?.update ?? null, pendingDs];
}

/** A fresh doc holding `rows` (v1) and `pending` (v2-encoded, as Yjs keeps them), tagged 'load'. */
export function replay(
  rows: readonly Uint8Array[],
  pending: PendingUpdates = NOTHING_PENDING,
): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const row of rows) Y.applyUpdate(doc, row, LOAD_ORIGIN);
    for (const update of pending) if (update !== null) Y.applyUpdateV2(doc, update, LOAD_ORIGIN);
  }, LOAD_ORIGIN);
  return doc;
}

/** An empty sync step 2 (no structs, no deletions): nothing to validate or store. */
export const isEmptyUpdate = (update: Uint8Array): boolean =>
  update.length === 2 && update[0] === 0 && update[1] === 0;
