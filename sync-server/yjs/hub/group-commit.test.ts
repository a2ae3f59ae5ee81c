import { describe, expect, it } from 'vitest';
import type { DocUpdate } from '../store/doc-store.port';
import { GroupCommit, type CommitTarget, type QueuedUpdate } from './group-commit';
import { MemoryDocStore } from '../store/memory-doc-store';

const bytes = (n: number): Uint8Array => new Uint8Array([n]);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A store that records its calls and can be told to fail for one document. */
class RecordingStore extends MemoryDocStore {
  readonly calls: DocUpdate[][] = [];
  failFor: string | null = null;
  constructor(private readonly events: string[] = []) {
    super();
  }
  // Resolves after `delayMs` (a networked store), or at once (SQLite) when 0.
  delayMs = 0;
  override async appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    this.calls.push([...entries]);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (entries.some((e) => e.docName === this.failFor)) throw new Error('disk full');
    this.events.push(`stored ${entries.map((e) => `${e.docName}:${e.update[0]}`).join(',')}`);
    return super.appendBatch(entries);
  }
}

class Target implements CommitTarget {
  readonly committedSeqs: number[] = [];
  failure: unknown = undefined;
  constructor(
    readonly name: string,
    private readonly events: string[] = [],
    private readonly onCommitted: () => void = () => undefined,
  ) {}
  committed(updates: readonly QueuedUpdate[], seqs: readonly number[]): void {
    this.events.push(`sent ${updates.map((u) => `${this.name}:${u.update[0]}`).join(',')}`);
    this.committedSeqs.push(...seqs);
    this.onCommitted();
  }
  persistFailed(err: unknown): void {
    this.failure = err;
  }
}

/** Target 'a' that, when its first update is handed back, queues a second one (bytes 2). */
function requeuesOnce(commits: GroupCommit): Target {
  let requeued = false;
  const a: Target = new Target('a', [], () => {
    if (requeued) return;
    requeued = true;
    commits.enqueue(a, bytes(2), 'x');
  });
  return a;
}

describe('GroupCommit', () => {
  it('stores everything queued in one turn with one call, before handing anything back', async () => {
    const events: string[] = [];
    const store = new RecordingStore(events);
    const commits = new GroupCommit(store);
    const a = new Target('a', events);
    const b = new Target('b', events);
    commits.enqueue(a, bytes(1), 'x');
    commits.enqueue(b, bytes(2), 'y');
    commits.enqueue(a, bytes(3), 'x');
    expect(store.calls).toEqual([]);
    expect(events).toEqual([]);
    await nextTurn();
    expect(store.calls).toHaveLength(1);
    expect(events).toEqual(['stored a:1,a:3,b:2', 'sent a:1,a:3', 'sent b:2']);
    expect(a.committedSeqs).toEqual([1, 2]);
    expect(b.committedSeqs).toEqual([1]);
    expect(await store.load('a')).toEqual([bytes(1), bytes(3)]);
  });

  it('a failing document does not take the others in its batch down', async () => {
    const store = new RecordingStore();
    store.failFor = 'bad';
    const commits = new GroupCommit(store);
    const good = new Target('good');
    const bad = new Target('bad');
    commits.enqueue(good, bytes(1), 'x');
    commits.enqueue(bad, bytes(2), 'y');
    commits.enqueue(good, bytes(3), 'x');
    await commits.flush();
    // The batch, then each document on its own.
    expect(store.calls.map((call) => call.length)).toEqual([3, 2, 1]);
    expect(good.committedSeqs).toEqual([1, 2]);
    expect(bad.committedSeqs).toEqual([]);
    expect(bad.failure).toBeInstanceOf(Error);
    expect(await store.count('bad')).toBe(0);
    expect(await store.count('good')).toBe(2);
  });

  it('tells its observer of each stored batch: its size and how long the store took', async () => {
    const store = new RecordingStore();
    store.delayMs = 20;
    const observed: [number, number][] = [];
    const commits = new GroupCommit(store, undefined, (updates, ms) =>
      observed.push([updates, ms]),
    );
    const good = new Target('good');
    commits.enqueue(good, bytes(1), 'x');
    commits.enqueue(new Target('other'), bytes(2), 'x');
    await commits.flush();
    expect(observed.map(([updates]) => updates)).toEqual([2]);
    expect(observed[0]?.[1]).toBeGreaterThanOrEqual(15);
    // A failed batch is not a stored one; the retries that stored are.
    store.failFor = 'bad';
    store.delayMs = 0;
    commits.enqueue(good, bytes(3), 'x');
    commits.enqueue(new Target('bad'), bytes(4), 'y');
    await commits.flush();
    expect(observed.map(([updates]) => updates)).toEqual([2, 1]);
  });

  it('discardAfter drops the tail of a queue unstored', async () => {
    const store = new RecordingStore();
    const commits = new GroupCommit(store, () => undefined);
    const a = new Target('a');
    commits.enqueue(a, bytes(1), 'x');
    const mark = commits.queued(a);
    commits.enqueue(a, bytes(2), 'x');
    commits.enqueue(a, bytes(3), 'x');
    commits.discardAfter(a, mark);
    await commits.flush();
    expect(await store.load('a')).toEqual([bytes(1)]);
    commits.discardAfter(a, 0);
    await commits.flush();
    expect(store.calls).toHaveLength(1);
  });

  it('updates queued while a flush hands back go into the next batch, in order', async () => {
    const store = new RecordingStore();
    const commits = new GroupCommit(store);
    const a = requeuesOnce(commits);
    commits.enqueue(a, bytes(1), 'x');
    await nextTurn();
    expect(store.calls).toHaveLength(1);
    await nextTurn();
    expect(store.calls).toHaveLength(2);
    expect(a.committedSeqs).toEqual([1, 2]);
  });

  it('flush with nothing queued does not call the store', async () => {
    const store = new RecordingStore();
    await new GroupCommit(store).flush();
    expect(store.calls).toEqual([]);
  });

  it('with a slow store: one batch in flight, what is queued meanwhile goes into the next, in order', async () => {
    const events: string[] = [];
    const store = new RecordingStore(events);
    store.delayMs = 20;
    const commits = new GroupCommit(store, () => undefined);
    const a = new Target('a', events);
    commits.enqueue(a, bytes(1), 'x');
    const first = commits.flush();
    expect(commits.busy(a)).toBe(true);
    commits.enqueue(a, bytes(2), 'x');
    commits.enqueue(a, bytes(3), 'x');
    // Both callers want what is queued now: the same next batch, started after the first.
    const second = commits.flush();
    expect(commits.flush()).toBe(second);
    expect(store.calls).toHaveLength(1);
    await first;
    expect(events).toEqual(['stored a:1', 'sent a:1']);
    await second;
    expect(store.calls.map((call) => call.length)).toEqual([1, 2]);
    expect(events).toEqual(['stored a:1', 'sent a:1', 'stored a:2,a:3', 'sent a:2,a:3']);
    expect(a.committedSeqs).toEqual([1, 2, 3]);
    expect(commits.busy(a)).toBe(false);
    expect(commits.idle).toBe(true);
  });

  it('drain stores everything queued or in flight, also what is queued while it waits', async () => {
    const store = new RecordingStore();
    store.delayMs = 5;
    const commits = new GroupCommit(store, () => undefined);
    const a = requeuesOnce(commits);
    commits.enqueue(a, bytes(1), 'x');
    await commits.drain();
    expect(a.committedSeqs).toEqual([1, 2]);
    expect(commits.idle).toBe(true);
  });
});
