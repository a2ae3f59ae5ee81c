import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileKey } from '../keystore';
import { ReplicaSearch } from '../search';
import { RecordWriter } from './record-repository';
import { openReadableReplica, openWritableReplica } from './replica-db';
import { ReplicaWorker } from './replica-worker';
import { SearchBuilder } from './search-builder';
import { resumeSearchIndexing, suspendSearchIndexing } from './search-index';
import { writeInTimeSlices } from './time-sliced-writes';

// Encrypted, like every profile's replica: the helper threads must open it with the key.
const TEST_KEY = ProfileKey.random();
const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-replica-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const path = join(dir, `w${(n += 1)}.sqlite`);
  return { db: openWritableReplica(path, TEST_KEY), path };
};

const account = (i: number) => ({
  kind: 'account',
  id: `cus-${i}`,
  version: 1,
  seq: i + 1,
  body: {
    id: `cus-${i}`,
    name: i === 4321 ? 'Zoe Zimmermann' : `Person ${i}`,
    phone: `+4930${String(1_000_000 + i)}`,
    email: `p${i}@example.com`,
    address: { line1: `Torstraße ${i}`, city: 'Berlin', postcode: '10115', country: 'DE' },
  },
});

describe('ReplicaWorker', () => {
  it('builds the search index on its own thread while the core thread stays free', async () => {
    const { db, path } = fresh();
    const worker = ReplicaWorker.start(db);
    const searchBuilder = SearchBuilder.start(db);
    expect(worker).not.toBeNull();
    suspendSearchIndexing(db);
    const writer = new RecordWriter(db);
    await writeInTimeSlices(db, 20_000, (i) => writer.apply(account(i)));
    const search = new ReplicaSearch(openReadableReplica(path, TEST_KEY));
    expect(search.search('zoe')).toEqual([]);

    // While the worker indexes, this thread keeps ticking: count timer turns.
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 1);
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    await resumeSearchIndexing(db, {
      bulkSql: worker?.runBulk,
      searchBuilder: searchBuilder ?? undefined,
    });
    lag.disable();
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(5);
    expect(lag.max / 1e6).toBeLessThan(250); // the in-thread rebuild of 20k rows blocks far longer

    expect(search.search('zoe').map((h) => h.id)).toEqual(['cus-4321']);
    // Triggers are back: a later write is searchable at once.
    writer.applyBatch([
      { ...account(4321), version: 2, body: { ...account(4321).body, name: 'Zoe Quast' } },
    ]);
    expect(search.search('quast').map((h) => h.id)).toEqual(['cus-4321']);
    await searchBuilder?.stop();
    await worker?.stop();
    db.close();
  });

  it('takes over checkpoints (the core connection does none) and hands them back when stopped', async () => {
    const { db, path } = fresh();
    const worker = ReplicaWorker.start(db, 50);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const writer = new RecordWriter(db);
    await writeInTimeSlices(db, 5_000, (i) => writer.apply(account(i)));
    // The worker's PASSIVE checkpoints (every 50 ms) copy the WAL back into the main file; on a
    // loaded machine the thread may need a few of its periods.
    await expect.poll(() => statSync(path).size, { timeout: 10_000 }).toBeGreaterThan(1_000_000);
    await worker?.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });

  it('rejects a failing job with its error and keeps serving the next one', async () => {
    const { db } = fresh();
    const worker = ReplicaWorker.start(db);
    const job = { ranged: [], maxRowid: 0, rangeRows: 1, after: [] };
    await expect(
      worker?.runBulk({ ...job, before: ['SELECT * FROM no_such_table'] }),
    ).rejects.toThrow(/replica worker failed: no such table/);
    await expect(
      worker?.runBulk({ ...job, before: ['CREATE TABLE t (x)'] }),
    ).resolves.toBeUndefined();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get()).toEqual({
      name: 't',
    });
    await worker?.stop();
    await expect(worker?.runBulk({ ...job, before: [] })).rejects.toThrow(/not running/);
    db.close();
  });

  it('runs the job on the core thread when the worker cannot run, and hands checkpoints back', async () => {
    const { db, path } = fresh();
    const worker = ReplicaWorker.start(db, 1000, '/nonexistent/better-sqlite3');
    suspendSearchIndexing(db);
    new RecordWriter(db).applyBatch([account(4321)]);
    await resumeSearchIndexing(db, { bulkSql: worker?.runBulk }); // the worker dies at its first require
    expect(
      new ReplicaSearch(openReadableReplica(path, TEST_KEY)).search('zoe').map((h) => h.id),
    ).toEqual(['cus-4321']);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await worker?.stop();
    db.close();
  });

  it('is not started for an in-memory database (no file to share)', async () => {
    const { default: Database } = await import('better-sqlite3-multiple-ciphers');
    const memory = new Database(':memory:') as Parameters<typeof ReplicaWorker.start>[0];
    expect(ReplicaWorker.start(memory)).toBeNull();
    memory.close();
  });
});
