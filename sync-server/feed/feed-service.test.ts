/**
 * FeedService over a real SQLite file once the feed has been pruned: who can
 * still catch up, who must re-snapshot, and the races between a prune and a
 * reader (a prune between the retention check and the read, or during a long poll).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../auth';
import { InProcessChangeNotifier, SqliteRecordStore, type RecordStorePort } from '../records';
import { openServerDatabase, type ServerDatabase } from '../storage';
import { FeedService, type ChangesReply } from './feed-service';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const agent: Principal = { userId: 'agent-1', role: 'agent', expiresAt: T0 + 365 * DAY };
const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-feed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
let db: ServerDatabase;
let store: SqliteRecordStore;
let notifier: InProcessChangeNotifier;
const clock = { now: T0 };

beforeEach(() => {
  db = openServerDatabase(join(dir, `feed-${(files += 1)}.sqlite`));
  clock.now = T0;
  store = new SqliteRecordStore(db, { now: () => clock.now });
  notifier = new InProcessChangeNotifier();
});
afterEach(() => db.close());

/** One delivery change per day (a feed entry an agent sees), starting on day `from`. */
async function writeDays(count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i += 1) {
    clock.now = T0 + i * DAY;
    await store.transact(async (tx) => tx.put('delivery', `d${i % 5}`, i + 1, { day: i }));
  }
}

const prune = (beforeDay: number) =>
  store.pruneFeed({ writtenBefore: T0 + beforeDay * DAY, keepNewest: 1, maxEntries: 1000 });

function seqsOf(reply: ChangesReply): number[] {
  if (!reply.ok) throw new Error(`expected changes, got ${reply.code}`);
  return reply.changes.map((r) => r.seq);
}

describe('FeedService after retention pruned the feed', () => {
  it('a reader at oldest - 1 or later catches up without a gap; one further behind must re-snapshot', async () => {
    await writeDays(30);
    expect(await prune(20)).toMatchObject({ pruned: 20, oldestRetainedSeq: 21 });
    const feed = new FeedService(store, notifier);

    const caughtUp = await feed.changes(agent, 20, 1000, 0);
    expect(seqsOf(caughtUp)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(caughtUp).toMatchObject({ nextSince: 30 });
    expect(seqsOf(await feed.changes(agent, 25, 1000, 0))).toEqual([26, 27, 28, 29, 30]);
    for (const since of [19, 1, 0])
      expect(await feed.changes(agent, since, 1000, 0)).toMatchObject({
        ok: false,
        code: 'FEED.RESNAPSHOT',
      });

    // The snapshot reads records, not the feed: complete, at the same high-water mark.
    const snap = await feed.snapshot(agent, null, null, 100);
    expect(snap.upTo).toBe(30);
    expect(snap.records.map((r) => [r.id, r.version])).toEqual([
      ['d0', 26],
      ['d1', 27],
      ['d2', 28],
      ['d3', 29],
      ['d4', 30],
    ]);
  });

  it('re-checks after reading: a prune that lands between the check and the read is a re-snapshot, not a gap', async () => {
    await writeDays(10);
    let pruneNext = true;
    // The prune commits right after FeedService checked oldestRetainedSeq, before it reads.
    const racing: RecordStorePort = {
      transact: (fn) => store.transact(fn),
      get: (kind, id) => store.get(kind, id),
      list: (kind) => store.list(kind),
      highWaterMark: () => store.highWaterMark(),
      snapshotPage: (...args) => store.snapshotPage(...args),
      oldestRetainedSeq: () => store.oldestRetainedSeq(),
      pruneFeed: (retention) => store.pruneFeed(retention),
      searchAudit: (search) => store.searchAudit(search),
      pruneAudit: (retention) => store.pruneAudit(retention),
      close: () => store.close(),
      changesSince: async (...args) => {
        if (pruneNext) {
          pruneNext = false;
          await prune(8);
        }
        return store.changesSince(...args);
      },
    };
    const reply = await new FeedService(racing, notifier).changes(agent, 2, 1000, 0);
    expect(reply).toMatchObject({ ok: false, code: 'FEED.RESNAPSHOT' });
    // Without the race the same reader, further ahead, is served as usual.
    expect(seqsOf(await new FeedService(store, notifier).changes(agent, 8, 1000, 0))).toEqual([
      9, 10,
    ]);
  });

  it('a long poll during which the feed is pruned past its position answers re-snapshot', async () => {
    await writeDays(5);
    const feed = new FeedService(store, notifier);
    const waiting = feed.changes(agent, 5, 1000, 5000);
    await new Promise((r) => setTimeout(r, 30));
    // Meanwhile: a burst of changes, then a prune that leaves only the newest one.
    await writeDays(10, 5);
    expect(await prune(100)).toMatchObject({ oldestRetainedSeq: 15 });
    notifier.publish(15);
    expect(await waiting).toMatchObject({ ok: false, code: 'FEED.RESNAPSHOT' });
  });

  it('a long poll ahead of the prune gets the new change as usual', async () => {
    await writeDays(5);
    await prune(100);
    const feed = new FeedService(store, notifier);
    const waiting = feed.changes(agent, 5, 1000, 5000);
    await new Promise((r) => setTimeout(r, 30));
    await writeDays(1, 5);
    notifier.publish(6);
    const reply = await waiting;
    expect(seqsOf(reply)).toEqual([6]);
    expect(reply).toMatchObject({ changes: [{ id: 'd0', version: 6 }], nextSince: 6 });
  });
});
