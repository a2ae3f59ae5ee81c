import * as decoding from 'lib0/decoding';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocUpdate } from '../store/doc-store.port';
import { GroupCommit } from './group-commit';
import { HubDoc, type DocPeer } from './hub-doc';
import { MemoryDocStore } from '../store/memory-doc-store';
import { noopYjsMetrics } from './yjs-metrics';
import { partiallyApplyingUpdate } from '../test-support/bad-updates';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Writes to a shared event log, so tests can check what happened before what. */
class LoggingStore extends MemoryDocStore {
  failFor: string | null = null;
  failLoads = false;
  // Resolves appends and loads after this long (a networked store), or at once (SQLite) when 0.
  delayMs = 0;
  constructor(private readonly events: string[]) {
    super();
  }
  override async appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    await this.delay();
    if (entries.some((e) => e.docName === this.failFor)) throw new Error('disk full');
    const seqs = await super.appendBatch(entries);
    for (const e of entries) this.events.push(`stored ${e.docName}`);
    return seqs;
  }
  override async load(docName: string): Promise<Uint8Array[]> {
    await this.delay();
    if (this.failLoads) throw new Error('connection lost');
    return super.load(docName);
  }
  private async delay(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
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

async function setup(names: readonly string[], compactAfter = 500, flushByHand = false) {
  const events: string[] = [];
  const store = new LoggingStore(events);
  const commits = flushByHand ? new GroupCommit(store, () => undefined) : new GroupCommit(store);
  const broken: string[] = [];
  const docs = await Promise.all(
    names.map(async (name) => {
      const doc = await HubDoc.load(name, {
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
    }),
  );
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

const textOf = (updates: readonly Uint8Array[]): string => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('notes').toJSON();
};

/** What a connection does before handing an update over: wait for exclusive sections. */
const gateOpen = async (doc: HubDoc): Promise<void> => {
  while (doc.gate !== null) await doc.gate;
};

const stateOf = async (doc: HubDoc): Promise<string> => {
  const reply = await doc.syncStep2For(Y.encodeStateVector(new Y.Doc()));
  if (reply === null) throw new Error('doc dropped');
  const d = decoding.createDecoder(reply);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  return textOf([decoding.readVarUint8Array(d)]);
};

describe('HubDoc with group commit', () => {
  it('several updates in one turn are all stored before any of them is sent', async () => {
    const { events, store, docs } = await setup(['board/a/2024-05-31', 'board/b/2024-05-31']);
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
    expect(textOf(await store.load('board/a/2024-05-31'))).toBe('one two');
  });

  it('a store failure mid-batch drops only the failing doc; nobody sees its update', async () => {
    const { store, docs, broken } = await setup(['board/a/2024-05-31', 'board/b/2024-05-31']);
    const [a, b] = docs;
    if (a === undefined || b === undefined) throw new Error('setup');
    store.failFor = 'board/b/2024-05-31';
    a.doc.applyClientUpdate(a.writer, author().edit('kept'));
    b.doc.applyClientUpdate(b.writer, author().edit('lost'));
    await nextTurn();
    expect(broken).toEqual(['board/b/2024-05-31']);
    expect(b.reader.updates).toEqual([]);
    expect(b.reader.closedWith).toBe(1011);
    expect(await store.count('board/b/2024-05-31')).toBe(0);
    expect(textOf(a.reader.updates)).toBe('kept');
    expect(a.reader.closedWith).toBeUndefined();
  });

  it('a rejected update after a good one in the same turn: the good one is stored and sent, no part of the bad one', async () => {
    const { store, docs } = await setup(['board/a/2024-05-31']);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    const alice = author();
    expect(a.doc.applyClientUpdate(a.writer, alice.edit('good'))).toBe('applied');
    expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
    await nextTurn();
    expect(textOf(await store.load('board/a/2024-05-31'))).toBe('good');
    expect(textOf(a.reader.updates)).toBe('good');
    expect(await stateOf(a.doc)).toBe('good');
    // The rebuilt doc keeps working.
    a.doc.applyClientUpdate(a.writer, alice.edit(' and more'));
    await nextTurn();
    expect(textOf(a.reader.updates)).toBe('good and more');
    expect(await stateOf(a.doc)).toBe('good and more');
  });

  it('no compaction is taken from a doc that still holds part of a rejected update', async () => {
    // Compacting after every commit: the good update is committed while the bad one is undone.
    const { store, docs } = await setup(['board/a/2024-05-31'], 0);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    a.doc.applyClientUpdate(a.writer, author().edit('good'));
    expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
    await nextTurn();
    expect(textOf(await store.load('board/a/2024-05-31'))).toBe('good');
  });

  it('sync step 2 stores queued updates first: a joining client never sees an unstored one', async () => {
    const { store, docs } = await setup(['board/a/2024-05-31']);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    a.doc.applyClientUpdate(a.writer, author().edit('fresh'));
    expect(await store.count('board/a/2024-05-31')).toBe(0);
    expect(await stateOf(a.doc)).toBe('fresh');
    expect(await store.count('board/a/2024-05-31')).toBe(1);
  });

  it('updates waiting for a missing dependency survive the rebuild after a rejected update', async () => {
    const { store, docs } = await setup(['board/a/2024-05-31']);
    const [a] = docs;
    if (a === undefined) throw new Error('setup');
    const alice = author();
    const first = alice.edit('first ');
    const second = alice.edit('second');
    // `second` depends on `first`: Yjs holds it as pending, outside the store.
    a.doc.applyClientUpdate(a.writer, second);
    expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
    // The rebuild gates the doc, as a connection would see it: wait, then apply.
    expect(a.doc.gate).not.toBeNull();
    await gateOpen(a.doc);
    a.doc.applyClientUpdate(a.writer, first);
    await nextTurn();
    expect(await stateOf(a.doc)).toBe('first second');
    expect(textOf(await store.load('board/a/2024-05-31'))).toBe('first second');
    expect(textOf(a.reader.updates)).toBe('first second');
  });

  describe('with a store that takes real time', () => {
    it('a rejected update gates the doc: no broadcast and no other update until it is rebuilt', async () => {
      const { store, docs, events } = await setup(['board/a/2024-05-31']);
      const [a] = docs;
      if (a === undefined) throw new Error('setup');
      store.delayMs = 15;
      const alice = author();
      const bob = author();
      a.doc.applyClientUpdate(a.writer, alice.edit('good'));
      expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
      expect(a.doc.gate).not.toBeNull();
      expect(() => a.doc.applyClientUpdate(a.reader, bob.edit('meanwhile'))).toThrow(/gated/);
      // The flush stores the good update, but the suspect doc holds its broadcast back. Looked at
      // the turn after the store answered (polling each turn), not after a fixed 22 ms sleep: on
      // a loaded machine the sleep also let the reload finish, failing the test about 1 run in 3.
      while (!events.includes('stored board/a/2024-05-31'))
        await new Promise((resolve) => setImmediate(resolve));
      expect(events).toEqual(['stored board/a/2024-05-31']); // reloading now
      expect(a.reader.updates).toEqual([]);
      expect(a.doc.gate).not.toBeNull();
      await gateOpen(a.doc);
      expect(textOf(await store.load('board/a/2024-05-31'))).toBe('good');
      expect(textOf(a.reader.updates)).toBe('good');
      expect(events.filter((e) => e.startsWith('sent'))).toHaveLength(1);
      expect(a.doc.applyClientUpdate(a.reader, author().edit('after'))).toBe('applied');
      expect(await stateOf(a.doc)).toMatch(/^(goodafter|aftergood)$/);
    });

    it('a failed reload after a rejected update drops the doc (1011), and only that doc', async () => {
      const { store, docs, broken } = await setup(['board/a/2024-05-31']);
      const [a] = docs;
      if (a === undefined) throw new Error('setup');
      store.failLoads = true;
      expect(a.doc.applyClientUpdate(a.writer, partiallyApplyingUpdate())).toBe('invalid');
      await gateOpen(a.doc);
      expect(broken).toEqual(['board/a/2024-05-31']);
      expect(a.reader.closedWith).toBe(1011);
      expect(a.reader.updates).toEqual([]);
    });

    it('sync step 2 waits for the batch in flight and for what was queued behind it', async () => {
      const { store, docs, commits } = await setup(['board/a/2024-05-31']);
      const [a] = docs;
      if (a === undefined) throw new Error('setup');
      store.delayMs = 10;
      const alice = author();
      a.doc.applyClientUpdate(a.writer, alice.edit('one '));
      const inFlight = commits.flush();
      a.doc.applyClientUpdate(a.writer, alice.edit('two'));
      const reply = stateOf(a.doc);
      // The exclusive section holds further updates back until the reply is encoded.
      expect(a.doc.gate).not.toBeNull();
      expect(await reply).toBe('one two');
      expect(textOf(await store.load('board/a/2024-05-31'))).toBe('one two');
      await inFlight;
      expect(a.doc.gate).toBeNull();
    });

    it('serverTransact resolves once stored and sent, and rejects if storing failed', async () => {
      const { store, docs, broken } = await setup(['board/a/2024-05-31', 'board/b/2024-05-31']);
      const [a, b] = docs;
      if (a === undefined || b === undefined) throw new Error('setup');
      store.delayMs = 10;
      await a.doc.serverTransact((doc) => doc.getText('notes').insert(0, 'server'));
      expect(textOf(await store.load('board/a/2024-05-31'))).toBe('server');
      expect(textOf(a.reader.updates)).toBe('server');
      expect(textOf(a.writer.updates)).toBe('server');
      store.failFor = 'board/b/2024-05-31';
      await expect(
        b.doc.serverTransact((doc) => doc.getText('notes').insert(0, 'lost')),
      ).rejects.toThrow(/could not persist/);
      expect(broken).toEqual(['board/b/2024-05-31']);
      expect(b.reader.updates).toEqual([]);
    });

    it('inline compaction never stores what is not yet committed, and keeps rows appended while it runs', async () => {
      const { store, docs, commits } = await setup(['board/a/2024-05-31'], 3);
      const [a] = docs;
      if (a === undefined) throw new Error('setup');
      store.delayMs = 5;
      const alice = author();
      for (const word of ['a', 'b', 'c', 'd']) {
        a.doc.applyClientUpdate(a.writer, alice.edit(word));
        await commits.flush();
      }
      // Four rows > 3: compacted once nothing was queued behind the batch that crossed it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.count('board/a/2024-05-31')).toBe(1);
      // Now the batch that crosses the threshold has an update queued behind it: no compaction
      // from that commit (the doc holds an unstored update), only from a later one.
      for (const word of ['e', 'f']) {
        a.doc.applyClientUpdate(a.writer, alice.edit(word));
        await commits.flush();
      }
      a.doc.applyClientUpdate(a.writer, alice.edit('h'));
      const crossing = commits.flush();
      a.doc.applyClientUpdate(a.writer, alice.edit('i'));
      await crossing;
      expect(await store.count('board/a/2024-05-31')).toBe(4);
      await commits.drain();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.count('board/a/2024-05-31')).toBe(1);
      expect(textOf(await store.load('board/a/2024-05-31'))).toBe('abcdefhi');
    });

    it('a doc whose commits always have an update behind them is quiesced and compacted all the same', async () => {
      // Flushed by hand, so that every batch is stored with the next update queued behind it.
      const { store, docs, commits } = await setup(['board/a/2024-05-31'], 3, true);
      const [a] = docs;
      if (a === undefined) throw new Error('setup');
      store.delayMs = 3;
      const alice = author();
      let text = '';
      a.doc.applyClientUpdate(a.writer, alice.edit('a'));
      text += 'a';
      let inFlight = commits.flush();
      let mostRows = 0;
      for (let i = 1; i < 20; i += 1) {
        // What a connection does: wait while the doc is gated, then apply.
        await gateOpen(a.doc);
        // Letters, not digits: a 20-digit run is card-like to the server's card-data guard.
        const letter = 'abcdefghij'.charAt(i % 10);
        a.doc.applyClientUpdate(a.writer, alice.edit(letter));
        text += letter;
        await inFlight; // stored with the next update already queued behind it
        inFlight = commits.flush();
        mostRows = Math.max(mostRows, await store.count('board/a/2024-05-31'));
      }
      await commits.drain();
      await gateOpen(a.doc);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Threshold 3, quiesced once 3 rows past it: never more than about 8 rows.
      expect(mostRows).toBeLessThanOrEqual(8);
      expect(await store.count('board/a/2024-05-31')).toBeLessThanOrEqual(8);
      expect(textOf(await store.load('board/a/2024-05-31'))).toBe(text);
      expect(await stateOf(a.doc)).toBe(text);
    });
  });
});
