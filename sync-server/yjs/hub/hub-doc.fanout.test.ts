/** HubDoc with a cross-instance fan-out, on a store whose calls take real time. */
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocUpdate } from '../store/doc-store.port';
import { GroupCommit } from './group-commit';
import { HubDoc, type DocPeer } from './hub-doc';
import { testHubDocDeps } from '../test-support/hub-doc-deps';
import { MemoryDocFanoutBus } from '../fanout/memory-doc-fanout';
import { MemoryDocStore } from '../store/memory-doc-store';

const DOC = 'board/a/2024-05-31';

/** Calls resolve after a delay (a networked store); loads read the rows at once, reply later. */
class SlowStore extends MemoryDocStore {
  constructor(
    private readonly appendMs: number,
    private readonly loadMs: number,
  ) {
    super();
  }
  override async appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    await delay(this.appendMs);
    return super.appendBatch(entries);
  }
  override async load(docName: string): Promise<Uint8Array[]> {
    const rows = await super.load(docName);
    await delay(this.loadMs);
    return rows;
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of the notes in a sync step 2 frame (`[0, 1, update]`). */
function textOfStep2(frame: Uint8Array | null): string {
  if (frame === null) throw new Error('doc gone');
  const d = decoding.createDecoder(frame);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, decoding.readVarUint8Array(d));
  return doc.getText('notes').toJSON();
}

/** Collects the text of the sync updates it is sent. */
class Peer implements DocPeer {
  readonly doc = new Y.Doc();
  constructor(
    readonly connectionId: number,
    readonly canWrite = true,
  ) {}
  send(frame: Uint8Array): void {
    const d = decoding.createDecoder(frame);
    if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 2) return;
    Y.applyUpdate(this.doc, decoding.readVarUint8Array(d));
  }
  close(): void {
    throw new Error('peer closed');
  }
  get text(): string {
    return this.doc.getText('notes').toJSON();
  }
}

function instance(store: SlowStore, bus: MemoryDocFanoutBus) {
  const commits = new GroupCommit(store);
  return (name = DOC) =>
    HubDoc.load(
      name,
      testHubDocDeps(store, {
        commits,
        fanout: bus.join(),
        onBroken: () => {
          throw new Error('broken');
        },
      }),
    );
}

const edit = (text: string): Uint8Array => {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
};

const until = async (what: string, check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('HubDoc with a cross-instance fan-out', () => {
  it('an update stored elsewhere while the doc loads is applied once it is replayed', async () => {
    // B's read sees an empty store and replies 50 ms later; A stores within 5 ms meanwhile.
    const store = new SlowStore(5, 50);
    const bus = new MemoryDocFanoutBus();
    const [loadA, loadB] = [instance(store, bus), instance(store, bus)];
    const a = await loadA();
    const writer = new Peer(1);
    a.addPeer(writer);
    const loadingB = loadB();
    a.applyClientUpdate(writer, edit('while loading'));
    const b = await loadingB;
    expect(textOfStep2(await b.syncStep2For(Y.encodeStateVector(new Y.Doc())))).toBe(
      'while loading',
    );
    expect(await store.count(DOC)).toBe(1);
    a.destroy();
    b.destroy();
    expect(bus.subscribers(DOC)).toBe(0);
  });

  it('a remote update arriving during an exclusive section waits for it, is sent, and is not stored', async () => {
    const store = new SlowStore(20, 0);
    const bus = new MemoryDocFanoutBus();
    const [loadA, loadB] = [instance(store, bus), instance(store, bus)];
    const [a, b] = [await loadA(), await loadB()];
    const [onA, onB] = [new Peer(1), new Peer(2)];
    a.addPeer(onA);
    b.addPeer(onB);
    // A's update is stored at ~20 ms and reaches B right after; B queues one of its own at
    // ~10 ms, and a sync step 2 then gates B until that is stored (~30 ms).
    a.applyClientUpdate(onA, edit('A'));
    await delay(10);
    b.applyClientUpdate(onB, edit('B '));
    const step2 = b.syncStep2For(Y.encodeStateVector(new Y.Doc()));
    expect(b.gate).not.toBeNull();
    await step2;
    // Each client is sent the other instance's update (its own is not echoed).
    await until('sent across', () => onA.text === 'B ' && onB.text === 'A');
    const empty = Y.encodeStateVector(new Y.Doc());
    const [onAState, onBState] = [await a.syncStep2For(empty), await b.syncStep2For(empty)];
    expect(textOfStep2(onAState)).toHaveLength(3);
    expect(textOfStep2(onAState)).toBe(textOfStep2(onBState));
    // One row per client update: the remote ones were not stored again.
    expect(await store.count(DOC)).toBe(2);
    a.destroy();
    b.destroy();
  });
});
