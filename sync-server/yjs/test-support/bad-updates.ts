import * as Y from 'yjs';

/**
 * A Yjs update that `Y.applyUpdate` applies in part (its structs) and then throws on (the
 * delete set is cut short): what the hub must undo by rebuilding the document.
 */
export const partiallyApplyingUpdate = (): Uint8Array => {
  const evil = new Y.Doc();
  evil.getText('notes').insert(0, 'EVILxyz');
  evil.getText('notes').delete(4, 3);
  const update = Y.encodeStateAsUpdate(evil);
  return update.slice(0, update.length - 1);
};

/** Bytes that are no Yjs update at all. */
export const randomBytesUpdate = (): Uint8Array => new Uint8Array([5, 200, 7, 1, 99, 3]);
