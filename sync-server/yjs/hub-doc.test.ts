import * as decoding from 'lib0/decoding';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocUpdate } from './doc-store.port';
import { GroupCommit } from './group-commit';
import { HubDoc, type DocPeer } from './hub-doc';
import { MemoryDocStore } from './memory-doc-store';
import { noopYjsMetrics } from './yjs-metrics';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Writes to a shared event log, so tests can check what happened before what. */
class LoggingStore extends MemoryDocStore {
  failFor: string | null = null;
  constructor(private readonly events: string[]) {
    super();
  }
  override appendBatch(entries: readonly DocUpdate[]): number[] {
    if (entries.some((e) => e.docName === this.failFor)) throw new Error('disk full');
    const seqs = super.appendBatch(entries);
    for (const e of entries) this.events.push(`stored ${e.docName}`);
    return seqs;
  }
}

class Peer implements DocPeer {
  readonly updates: Uint8Array[] = [];
  closedWith: number | undefined;
  constructor(
    readonly connectionId: number,
    private readonly events: string[],
    readonly canWrite = true,
  ) {}
  send(frame: Uint8Array): void {
    const d = decoding.createDecoder(frame);
    // Only sync updates ([0, 2, update]) matter here.
    if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 2) return;
    this.updates.push(decoding.readVarUint8Array(d));
    this.events.push(`sent to ${this.connectionId}`);
  }
  close(code: number): void {
    this.closedWith = code;
  }
}

function setup(names: readonly string[], compactAfter = 500) {
  const events: string[] = [];
  const store = new LoggingStore(events);
  const commits = new GroupCommit(store);
  const broken: string[] = [];
  const docs = names.map((name) => {
    const doc = HubDoc.load(name, {
      store,
      commits,
      log: pino({ level: 'silent' }),
      metrics: noopYjsMetrics,
      compactAfter,
      inlineCompactMaxBytes: Number.POSITIVE_INFINITY, // no worker here: always inline
      onBroken: (d) => {
        broken.push(d.name);
        for (const peer of d.peers) peer.close(1011, 'document unavailable');
      },
    });
    const writer = new Peer(1, events);
    const reader = new Peer(2, events);
    doc.addPeer(writer);
    doc.addPeer(reader);
    return { doc, writer, reader };
  });
  return { events, store, commits, broken, docs };
}

/** A client doc and the updates its edits produce. */
function author() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return {
    doc,
    edit: (text: string): Uint8Array => {
      doc.getText('notes').insert(doc.getText('notes').length, text);
      const update = updates.at(-1);
      if (update === undefined) throw new Error('no update');
      return update;
    },
  };
}

// Structs that integrate, then a delete set cut short: Y.applyUpdate inserts "EVIL", throws,
// and still fires 'update' for the part it applied.
const partiallyApplyingUpdate = (): Uint8Array => {
  const evil = new Y.Doc();
  evil.getText('notes').insert(0, 'EVILxyz');
  evil.getText('notes').delete(4, 3);
  const update = Y.encodeStateAsUpdate(evil);
  return update.slice(0, update.length - 1);
};

const textOf = (updates: readonly Uint8Array[]): string => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('notes').toJSON();
};

const stateOf = (doc: HubDoc): string => {
  const reply = doc.syncStep2For(Y.encodeStateVector(new Y.Doc()));
  if (reply === null) throw new Error('doc dropped');
  const d = decoding.createDecoder(reply);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  return textOf([decoding.readVarUint8Array(d)]);
};

describe('HubDoc with group commit', () => {
  it('several updates in one turn are all stored before any of them is sent', async () => {
    const { events, store, docs } = setup(['board/a/2024-05-31', 'board/b/2024-05-31']);
    const [a, b] = docs;
    if (a === undefined || b === undefined) throw new Error('setup');
    const alice = author();
    const bob = author();
    expect(a.doc.applyClientUpdate(a.writer, alice.edit('one '))).toBe('applied');
    expect(b.doc.applyClientUpdate(b.writer, bob.edit('uno '))).toBe('applied');
    expect(a.doc.applyClientUpdate(a.writer, alice.edit('two'))).toBe('applied');
    expect(events).toEqual([]);
    await nextTurn();
    expect(events).toEqual([
      'stored board/a/2024-05-31',
      'stored board/a/2024-05-31',
      'stored board/b/2024-05-31',
      'sent to 2',
      'sent to 2',
      'sent to 2',
    ]);
    // In order, to everyone but the author.
    expect(textOf(a.reader.updates)).toBe('one two');
    expect(a.writer.updates).toEqual([]);
    expect(textOf(store.load('board/a/2024-05-31'))).toBe('one two');
  });

  it('a store failure mid-batch drops only the failing doc; nobody sees its update', async () => {
    const { store, docs, broken } = setup(['board/a/2024-05-31', 'board/b/2024-05-31']);
    const [a, b] = docs;
    if (a === undefined || b === undefined) throw new Error('setup');
    store.failFor = 'board/b/2024-05-31';
    a.doc.applyClientUpdate(a.writer, author().edit('kept'));
    b.doc.applyClientUpdate(b.writer, author().edit('lost'));
    await nextTurn();
    expect(broken).toEqual(['board/b/2024-05-31']);
    expect(b.reader.updates).toEqual([]);
    expect(b.reader.closedWith).toBe(1011);
    expect(store.count('board/b/2024-05-31')).toBe(0);
    expect(textOf(a.reader.updates)).toBe('kept');
    expect(a.reader.closedWith).toBeUndefined();
  });

  it('a rejected update after a good one in the same turn: the good one is stored and sent, no part of the bad one', async () => {
    const { store, docs } = setup(['board/a/2024-05-31']);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    const alice = author();
    expect(a.doc.applyClientUpdate(a.writer, alice.edit('good'))).toBe('applied');
    expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
    await nextTurn();
    expect(textOf(store.load('board/a/2024-05-31'))).toBe('good');
    expect(textOf(a.reader.updates)).toBe('good');
    expect(stateOf(a.doc)).toBe('good');
    // The rebuilt doc keeps working.
    a.doc.applyClientUpdate(a.writer, alice.edit(' and more'));
    await nextTurn();
    expect(textOf(a.reader.updates)).toBe('good and more');
    expect(stateOf(a.doc)).toBe('good and more');
  });

  it('no compaction is taken from a doc that still holds part of a rejected update', async () => {
    // Compacting after every commit: the good update is committed while the bad one is undone.
    const { store, docs } = setup(['board/a/2024-05-31'], 0);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    a.doc.applyClientUpdate(a.writer, author().edit('good'));
    expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
    await nextTurn();
    expect(textOf(store.load('board/a/2024-05-31'))).toBe('good');
  });

  it('sync step 2 stores queued updates first: a joining client never sees an unstored one', () => {
    const { store, docs } = setup(['board/a/2024-05-31']);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    a.doc.applyClientUpdate(a.writer, author().edit('fresh'));
    expect(store.count('board/a/2024-05-31')).toBe(0);
    expect(stateOf(a.doc)).toBe('fresh');
    expect(store.count('board/a/2024-05-31')).toBe(1);
  });

  it('updates waiting for a missing dependency survive the rebuild after a rejected update', async () => {
    const { store, docs } = setup(['board/a/2024-05-31']);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    const alice = author();
    const first = alice.edit('first ');
    const second = alice.edit('second');
    // `second` depends on `first`: Yjs holds it as pending, outside the store.
    a.doc.applyClientUpdate(a.writer, second);
    expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
    a.doc.applyClientUpdate(a.writer, first);
    await nextTurn();
    expect(stateOf(a.doc)).toBe('first second');
    expect(textOf(store.load('board/a/2024-05-31'))).toBe('first second');
    expect(textOf(a.reader.updates)).toBe('first second');
  });
});
