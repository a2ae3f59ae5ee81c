import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addChecklistItem,
  addNote,
  claim,
  observeDelivery,
  readDeliveryState,
  releaseClaim,
  setFlag,
  toggleChecklistItem,
  type BoardDoc,
} from './index';
import type { DeliveryState } from '../../domain/protocol';

const D = 'dlv-1001';
const board = (): BoardDoc => ({ ydoc: new Y.Doc() });

/** Exchanges both documents' full states, as two desktops meeting on the server would. */
function merge(a: BoardDoc, b: BoardDoc): void {
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc, Y.encodeStateVector(b.ydoc)));
  Y.applyUpdate(a.ydoc, Y.encodeStateAsUpdate(b.ydoc, Y.encodeStateVector(a.ydoc)));
}

describe('board model', () => {
  it('adds notes and reads them back as plain data, oldest first', () => {
    const doc = board();
    expect(readDeliveryState(doc, D)).toEqual({
      deliveryId: D,
      notes: [],
      flags: { priority: 'normal', vip: false },
      claim: null,
      checklist: [],
    });
    const later = addNote(doc, D, 'agent-1', '  Call before drop-off  ', 2000);
    const earlier = addNote(doc, D, 'agent-2', 'Gate code 4711', 1000);
    expect(later.ok && later.value.text).toBe('Call before drop-off');
    const state = readDeliveryState(doc, D);
    expect(state.notes.map((n) => n.text)).toEqual(['Gate code 4711', 'Call before drop-off']);
    expect(earlier.ok && state.notes[0]?.id === earlier.value.id).toBe(true);
    // Plain, serializable data: a JSON round trip changes nothing.
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('refuses a card number, empty and too long notes, and writes nothing', () => {
    const doc = board();
    const updates: Uint8Array[] = [];
    doc.ydoc.on('update', (u: Uint8Array) => updates.push(u));
    const card = addNote(doc, D, 'agent-1', 'Customer paid with 4111 1111 1111 1111', 1);
    expect(card).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'NOTE.CONTAINS_CARD_NUMBER' }) as unknown,
    });
    expect(addNote(doc, D, 'agent-1', '   ', 1)).toMatchObject({ error: { code: 'NOTE.EMPTY' } });
    expect(addNote(doc, D, 'agent-1', 'x'.repeat(2001), 1)).toMatchObject({
      error: { code: 'NOTE.TOO_LONG' },
    });
    expect(addNote(doc, 'bad id!', 'agent-1', 'ok', 1)).toMatchObject({
      error: { code: 'ID.INVALID' },
    });
    expect(addNote(doc, D, 'agent-1', 'ok', -5)).toMatchObject({
      error: { code: 'COLLAB.INVALID_TIME' },
    });
    expect(updates).toHaveLength(0);
    expect(readDeliveryState(doc, D).notes).toEqual([]);
  });

  it('sets flags per field and refuses values outside the schema', () => {
    const a = board();
    const b = board();
    expect(setFlag(a, D, 'priority', 'urgent')).toEqual({
      ok: true,
      value: { priority: 'urgent', vip: false },
    });
    // Concurrent changes of different flags both survive the merge.
    setFlag(b, D, 'vip', true);
    merge(a, b);
    expect(readDeliveryState(a, D).flags).toEqual({ priority: 'urgent', vip: true });
    expect(readDeliveryState(b, D).flags).toEqual({ priority: 'urgent', vip: true });
    const bogus = 'critical' as 'high';
    expect(setFlag(a, D, 'priority', bogus)).toMatchObject({ error: { code: 'FLAG.INVALID' } });
  });

  it('claims: one holder, idempotent for the holder, release by the holder only', () => {
    const doc = board();
    expect(claim(doc, D, 'agent-1', 10)).toEqual({
      ok: true,
      value: { userId: 'agent-1', at: 10 },
    });
    expect(claim(doc, D, 'agent-1', 20)).toEqual({
      ok: true,
      value: { userId: 'agent-1', at: 10 },
    });
    expect(claim(doc, D, 'agent-2', 30)).toMatchObject({ error: { code: 'CLAIM.TAKEN' } });
    expect(releaseClaim(doc, D, 'agent-2')).toMatchObject({ error: { code: 'CLAIM.NOT_YOURS' } });
    expect(releaseClaim(doc, D, 'agent-1')).toEqual({ ok: true, value: null });
    expect(claim(doc, D, 'agent-2', 40).ok).toBe(true);
  });

  it('two offline claims resolve to the same single holder on both desktops', () => {
    const a = board();
    const b = board();
    claim(a, D, 'agent-a', 1);
    claim(b, D, 'agent-b', 2);
    merge(a, b);
    const holder = readDeliveryState(a, D).claim;
    expect(holder).not.toBeNull();
    expect(readDeliveryState(b, D).claim).toEqual(holder);
  });

  it('adds and toggles checklist items', () => {
    const doc = board();
    const item = addChecklistItem(doc, D, 'Verify address with customer', 'agent-1', 5);
    if (!item.ok) throw new Error('expected ok');
    expect(toggleChecklistItem(doc, D, item.value.id, 'agent-2', 6)).toMatchObject({
      value: { done: true, doneBy: 'agent-2', doneAt: 6 },
    });
    expect(toggleChecklistItem(doc, D, item.value.id, 'agent-1', 7)).toMatchObject({
      value: { done: false, doneBy: null, doneAt: null },
    });
    expect(toggleChecklistItem(doc, D, 'nope', 'agent-1', 8)).toMatchObject({
      error: { code: 'CHECKLIST.UNKNOWN_ITEM' },
    });
    expect(addChecklistItem(doc, D, 'y'.repeat(201), 'agent-1', 9)).toMatchObject({
      error: { code: 'CHECKLIST.LABEL_TOO_LONG' },
    });
    expect(readDeliveryState(doc, D).checklist.map((i) => i.label)).toEqual([
      'Verify address with customer',
    ]);
  });

  it('notes written concurrently on two desktops are all kept', () => {
    const a = board();
    const b = board();
    addNote(a, D, 'agent-a', 'from a', 1);
    addNote(b, D, 'agent-b', 'from b', 2);
    addNote(a, D, 'agent-a', 'again a', 3);
    merge(a, b);
    const texts = ['from a', 'from b', 'again a'];
    expect(readDeliveryState(a, D).notes.map((n) => n.text)).toEqual(texts);
    expect(readDeliveryState(b, D)).toEqual(readDeliveryState(a, D));
  });

  it('observeDelivery fires once per transaction, for that delivery only, until unsubscribed', () => {
    const a = board();
    const b = board();
    const seen: DeliveryState[] = [];
    const stop = observeDelivery(a, D, (s) => seen.push(s));
    addNote(a, D, 'agent-1', 'one', 1);
    addNote(a, 'dlv-other', 'agent-1', 'elsewhere', 1);
    claim(a, 'dlv-other', 'agent-1', 1);
    setFlag(a, D, 'vip', true);
    addNote(b, D, 'agent-2', 'remote', 2);
    merge(a, b); // one remote transaction
    expect(seen.map((s) => s.notes.length)).toEqual([1, 1, 2]);
    expect(seen[1]?.flags.vip).toBe(true);
    stop();
    addNote(a, D, 'agent-1', 'unseen', 3);
    expect(seen).toHaveLength(3);
  });

  it('skips malformed values a faulty client wrote, and notes with card numbers', () => {
    const doc = board();
    doc.ydoc
      .getArray<unknown>(`notes/${D}`)
      .push([
        { id: 'n1', author: 'agent-1', text: 'fine', at: 1 },
        { id: 'n2', author: 'agent-1', text: 'card 4111111111111111', at: 2 },
        { hello: 'world' },
        'just a string',
      ]);
    doc.ydoc.getMap<unknown>(`flags/${D}`).set('priority', 'apocalyptic');
    doc.ydoc.getMap<unknown>('claims').set(D, { userId: 42 });
    const state = readDeliveryState(doc, D);
    expect(state.notes.map((n) => n.id)).toEqual(['n1']);
    expect(state.flags.priority).toBe('normal');
    expect(state.claim).toBeNull();
  });
});
