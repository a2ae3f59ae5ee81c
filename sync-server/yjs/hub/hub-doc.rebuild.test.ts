/**
 * A document being rebuilt after a rejected update, on a store whose calls take real time: what
 * joins or writes meanwhile must neither lose content nor see state before it is stored and sent.
 */
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocUpdate } from '../store/doc-store.port';
import { GroupCommit } from './group-commit';
import { HubDoc, type DocPeer } from './hub-doc';
import { testHubDocDeps } from '../test-support/hub-doc-deps';
import { MemoryDocStore } from '../store/memory-doc-store';
import type { DocStore } from '../store/doc-store.port';
import { BOARD, HubHarness, frame, waitFor } from '../test-support/hub-harness';

const NAME = 'board/a/2024-05-31';

class SlowMemoryStore extends MemoryDocStore {
  delayMs = 0;
  override async appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    await this.delay();
    return super.appendBatch(entries);
  }
  override async load(docName: string): Promise<Uint8Array[]> {
    await this.delay();
    return super.load(docName);
  }
  private async delay(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

/** Records every frame it is sent, decoded as [type, syncType, payload]. */
class RecordingPeer implements DocPeer {
  readonly frames: { type: number; sub: number; payload: Uint8Array }[] = [];
  closedWith: number | undefined;
  constructor(
    readonly connectionId: number,
    readonly canWrite = true,
  ) {}
  send(frame: Uint8Array): void {
    const d = decoding.createDecoder(frame);
    const type = decoding.readVarUint(d);
    if (type !== 0) return;
    const sub = decoding.readVarUint(d);
    this.frames.push({ type, sub, payload: decoding.readVarUint8Array(d) });
  }
  close(code: number): void {
    this.closedWith = code;
  }
  get step1(): Uint8Array | undefined {
    return this.frames.find((f) => f.sub === 0)?.payload;
  }
  get updates(): Uint8Array[] {
    return this.frames.filter((f) => f.sub === 2).map((f) => f.payload);
  }
}

async function load(store: SlowMemoryStore): Promise<{ doc: HubDoc; commits: GroupCommit }> {
  const commits = new GroupCommit(store);
  const doc = await HubDoc.load(NAME, testHubDocDeps(store, { commits }));
  return { doc, commits };
}

const gateOpen = async (doc: HubDoc): Promise<void> => {
  while (doc.gate !== null) await doc.gate;
};

const textOf = (updates: readonly Uint8Array[]): string => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('notes').toJSON();
};

// Structs that integrate, then a delete set cut short: applies "EVILxyz" (7 clocks of
// `clientID`), then throws.
const partiallyApplyingUpdate = (clientID: number): Uint8Array => {
  const evil = new Y.Doc();
  evil.clientID = clientID;
  evil.getText('notes').insert(0, 'EVILxyz');
  evil.getText('notes').delete(4, 3);
  const update = Y.encodeStateAsUpdate(evil);
  return update.slice(0, update.length - 1);
};

/** Client 42 with offline edits it has not sent yet (7 chars: clocks 0..6). */
const clientWithOfflineEdits = (): Y.Doc => {
  const doc = new Y.Doc();
  doc.clientID = 42;
  doc.getText('notes').insert(0, 'offline');
  return doc;
};

/** Another connection sends an update with client 42's structs that applies, then throws. */
const rejectPartialUpdateOf42 = (doc: HubDoc): void => {
  const attacker = new RecordingPeer(1);
  doc.addPeer(attacker);
  expect(doc.applyClientUpdate(attacker, partiallyApplyingUpdate(42))).toBe('invalid');
  doc.removePeer(attacker);
};

/** What y-websocket answers to the server's step 1 (everything the server lacks), applied. */
const answerStep1 = async (
  doc: HubDoc,
  commits: GroupCommit,
  peer: RecordingPeer,
  client: Y.Doc,
): Promise<void> => {
  const serverSv = peer.step1;
  if (serverSv === undefined) throw new Error('no step 1');
  doc.applyClientUpdate(peer, Y.encodeStateAsUpdate(client, serverSv));
  await commits.drain();
};

describe('HubDoc rebuilding after a rejected update', () => {
  it('sends a writer that attaches during the rebuild its sync step 1 from the rebuilt doc, so nothing it holds is left out', async () => {
    const store = new SlowMemoryStore();
    const { doc, commits } = await load(store);
    const reader = new RecordingPeer(9, false);
    doc.addPeer(reader);
    store.delayMs = 20; // a networked store: the rebuild's reload takes real time

    const victim = clientWithOfflineEdits();
    rejectPartialUpdateOf42(doc);
    expect(doc.gate).not.toBeNull(); // rebuilding

    // The victim (re)connects during the rebuild. The suspect doc's state vector claims
    // client 42's clocks 0..6: a step 1 from it would make the client leave 'offline' out.
    const peer = new RecordingPeer(2);
    doc.addPeer(peer);
    expect(peer.step1).toBeUndefined();
    await gateOpen(doc);
    await answerStep1(doc, commits, peer, victim);

    // The server must now hold the victim's edits (it would, had the victim connected a moment
    // later: the rebuilt doc's state vector does not claim client 42's clocks).
    expect(textOf(await store.load(NAME))).toBe('offline');
  });

  it('stores the edits of the same writer attaching once the rebuild finished', async () => {
    const store = new SlowMemoryStore();
    const { doc, commits } = await load(store);
    store.delayMs = 20;
    const victim = clientWithOfflineEdits();
    rejectPartialUpdateOf42(doc);
    await gateOpen(doc);
    const peer = new RecordingPeer(2);
    doc.addPeer(peer);
    await answerStep1(doc, commits, peer, victim);
    expect(textOf(await store.load(NAME))).toBe('offline');
  });

  it('resolves serverTransact only once its change is sent, also when a rejected update holds broadcasts back', async () => {
    const store = new SlowMemoryStore();
    const { doc } = await load(store);
    const reader = new RecordingPeer(9);
    doc.addPeer(reader);
    store.delayMs = 15;
    const writing = doc.serverTransact((d) => d.getText('notes').insert(0, 'server'));
    // serverTransact holds no gate while its batch is in flight: a client frame gets in.
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(doc.gate).toBeNull();
    const bad = new RecordingPeer(1);
    doc.addPeer(bad);
    expect(doc.applyClientUpdate(bad, partiallyApplyingUpdate(7))).toBe('invalid');
    await writing;
    // "Resolves once its change is stored and sent" (the broadcast waits for the rebuild).
    expect(textOf(await store.load(NAME))).toBe('server');
    expect(textOf(reader.updates)).toBe('server');
    await gateOpen(doc);
  });
});

/** Loads wait for `release()` while `hold` is set (a networked store). */
class HeldLoads implements DocStore {
  hold = false;
  private held: (() => void)[] = [];
  constructor(private readonly inner: DocStore) {}
  async load(docName: string): Promise<Uint8Array[]> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    return this.inner.load(docName);
  }
  release(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }
  append(d: string, u: Uint8Array): Promise<number> {
    return this.inner.append(d, u);
  }
  appendBatch(e: Parameters<DocStore['appendBatch']>[0]): Promise<number[]> {
    return this.inner.appendBatch(e);
  }
  compact(d: string, m: Uint8Array, s: number): Promise<void> {
    return this.inner.compact(d, m, s);
  }
  count(d: string): Promise<number> {
    return this.inner.count(d);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('hub rebuilding a document, over real sockets', () => {
  const harnesses: HubHarness[] = [];
  let slow: HeldLoads | undefined;
  afterEach(async () => {
    slow?.release();
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('stores the edits of a client that connects while the doc is rebuilt', async () => {
    const h = await HubHarness.start({ wrapStore: (inner) => (slow = new HeldLoads(inner)) });
    harnesses.push(h);
    const store = slow;
    if (store === undefined) throw new Error('no store');
    const bad = await h.raw(BOARD, 'sup-token');
    await waitFor('bad attached', () => bad.received.length > 0);
    store.hold = true; // the rebuild's reload will wait
    bad.ws.send(frame(0, 2, partiallyApplyingUpdate(42)));
    expect((await bad.closed).code).toBe(1002);

    const victim = clientWithOfflineEdits();
    const raw = await h.raw(BOARD, 'agent-token');
    await new Promise((resolve) => setTimeout(resolve, 30));
    // No step 1 from the suspect doc: it comes once the rebuild has reloaded the doc.
    expect(raw.received.some((m) => m[0] === 0 && m[1] === 0)).toBe(false);
    store.release();
    await waitFor('step 1', () => raw.received.some((m) => m[0] === 0 && m[1] === 0));
    const step1 = raw.received.find((m) => m[0] === 0 && m[1] === 0) ?? new Uint8Array();
    const d = decoding.createDecoder(step1);
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    const serverSv = decoding.readVarUint8Array(d);
    // What y-websocket answers: sync step 2 with everything the server's state vector lacks.
    raw.ws.send(frame(0, 1, Y.encodeStateAsUpdate(victim, serverSv)));
    await waitFor(
      'edits stored',
      async () => (await h.stored(BOARD)).getText('notes').toJSON() === 'offline',
    );
  });
});
