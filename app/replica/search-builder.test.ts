import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileKey } from '../keystore';
import { ReplicaSearch } from '../search';
import type { WritableDb } from './db-handles';
import { RecordWriter } from './record-repository';
import { migrateReplica, openReadableReplica, openWritableReplica } from './replica-db';
import { REPLICA_MIGRATIONS } from './replica-migrations';
import { SearchBuilder } from './search-builder';
import {
  resumeSearchIndexing,
  searchIndexingActive,
  searchIndexPathFor,
  suspendSearchIndexing,
} from './search-index';
import { writeInTimeSlices } from './time-sliced-writes';

// Encrypted, like every profile's replica: the helper threads must open it with the key.
const TEST_KEY = ProfileKey.random();
const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-search-builder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `s${(n += 1)}.sqlite`);

const account = (i: number, name = i === 4321 ? 'Zoe Zimmermann' : `Person ${i}`, version = 1) => ({
  kind: 'account',
  id: `cus-${i}`,
  version,
  seq: i + 1,
  body: {
    id: `cus-${i}`,
    name,
    phone: `+4930${String(1_000_000 + i)}`,
    email: `p${i}@example.com`,
    address: { line1: `Torstraße ${i}`, city: 'Berlin', postcode: '10115', country: 'DE' },
  },
});

interface BuildState {
  mode: string;
  through: number;
  followable: number;
}
const buildState = (db: WritableDb): BuildState =>
  db
    .prepare(
      'SELECT mode, indexed_through AS through, followable FROM fts.search_state WHERE singleton = 1',
    )
    .get() as BuildState;
const indexedRows = (db: WritableDb): number =>
  (db.prepare('SELECT COUNT(*) AS c FROM fts.search').get() as { c: number }).c;
const until = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const ids = (path: string, query: string): string[] =>
  new ReplicaSearch(openReadableReplica(path, TEST_KEY)).search(query).map((h) => h.id);

describe('SearchBuilder', () => {
  it('indexes a first snapshot while it is still being written, then goes live', async () => {
    const path = freshPath();
    const db = openWritableReplica(path, TEST_KEY);
    expect(existsSync(searchIndexPathFor(path))).toBe(true);
    const builder = SearchBuilder.start(db);
    suspendSearchIndexing(db); // empty replica: followable
    expect(buildState(db)).toMatchObject({ mode: 'building', followable: 1 });
    const writer = new RecordWriter(db);
    await writeInTimeSlices(db, 30_000, (i) => writer.apply(account(i)));
    // The builder has indexed committed rows before anyone asked it to finish.
    await until(() => buildState(db).through > 0);
    await resumeSearchIndexing(db, { searchBuilder: builder ?? undefined });
    expect(searchIndexingActive(db)).toBe(true);
    expect(indexedRows(db)).toBe(30_000);
    expect(ids(path, 'zoe zimm')).toEqual(['cus-4321']);
    // Live again: a later write is searchable at once, through the triggers.
    writer.applyBatch([account(4321, 'Zoe Quast', 2)]);
    expect(ids(path, 'quast')).toEqual(['cus-4321']);
    expect(ids(path, 'zimmermann')).toEqual([]);
    await builder?.stop();
    db.close();
  });

  it('resumes a build after a restart mid-snapshot, without indexing a row twice', async () => {
    const path = freshPath();
    let db = openWritableReplica(path, TEST_KEY);
    let builder = SearchBuilder.start(db);
    suspendSearchIndexing(db);
    const writer = new RecordWriter(db);
    await writeInTimeSlices(db, 25_000, (i) => writer.apply(account(i)));
    await until(() => buildState(db).through > 0);
    await builder?.stop();
    db.close(); // the app quits half-way through the snapshot

    db = openWritableReplica(path, TEST_KEY);
    expect(searchIndexingActive(db)).toBe(false);
    const resumedFrom = buildState(db).through;
    expect(resumedFrom).toBeGreaterThan(0);
    builder = SearchBuilder.start(db);
    await writeInTimeSlices(db, 5_000, (i) => new RecordWriter(db).apply(account(25_000 + i)));
    await resumeSearchIndexing(db, { searchBuilder: builder ?? undefined });
    expect(indexedRows(db)).toBe(30_000);
    expect(ids(path, 'zoe')).toEqual(['cus-4321']);
    await builder?.stop();
    db.close();
  });

  it('indexes a re-snapshot (rows changed in place) only at the end, with the new content', async () => {
    const path = freshPath();
    const db = openWritableReplica(path, TEST_KEY);
    const writer = new RecordWriter(db);
    writer.applyBatch([account(1, 'Old Name'), account(2, 'Kept Name')]);
    expect(ids(path, 'old')).toEqual(['cus-1']);
    const builder = SearchBuilder.start(db);
    suspendSearchIndexing(db);
    expect(buildState(db)).toMatchObject({ mode: 'building', followable: 0 });
    writer.applyBatch([account(1, 'New Name', 2)]);
    await resumeSearchIndexing(db, { searchBuilder: builder ?? undefined });
    expect(ids(path, 'new')).toEqual(['cus-1']);
    expect(ids(path, 'old')).toEqual([]);
    expect(ids(path, 'kept')).toEqual(['cus-2']);
    expect(indexedRows(db)).toBe(2);
    await builder?.stop();
    db.close();
  });

  it('finishes the build on the core thread when the builder thread cannot run', async () => {
    const path = freshPath();
    const db = openWritableReplica(path, TEST_KEY);
    const builder = SearchBuilder.start(db, '/nonexistent/better-sqlite3');
    suspendSearchIndexing(db);
    new RecordWriter(db).applyBatch([account(4321)]);
    await resumeSearchIndexing(db, { searchBuilder: builder ?? undefined });
    expect(ids(path, 'zoe')).toEqual(['cus-4321']);
    await builder?.stop();
    db.close();
  });
});

describe('search index recovery on open', () => {
  const liveReplica = (path: string): WritableDb => {
    const db = openWritableReplica(path, TEST_KEY);
    new RecordWriter(db).applyBatch([account(1, 'Anna Arndt'), account(2, 'Ben Brandt')]);
    expect(searchIndexingActive(db)).toBe(true);
    return db;
  };

  it('rebuilds after a commit torn between the replica and its search file', async () => {
    const path = freshPath();
    const db = liveReplica(path);
    // What a crash between the two files' commits leaves: records moved on, the index did not.
    db.exec('UPDATE main.search_sync SET gen = gen + 1');
    db.close();
    const reopened = openWritableReplica(path, TEST_KEY);
    expect(searchIndexingActive(reopened)).toBe(false);
    await resumeSearchIndexing(reopened);
    expect(ids(path, 'brandt')).toEqual(['cus-2']);
    expect(indexedRows(reopened)).toBe(2);
    reopened.close();
  });

  it('rebuilds a deleted search file from the records', async () => {
    const path = freshPath();
    liveReplica(path).close();
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(searchIndexPathFor(path) + suffix, { force: true });
    const reopened = openWritableReplica(path, TEST_KEY);
    expect(searchIndexingActive(reopened)).toBe(false);
    await resumeSearchIndexing(reopened);
    expect(ids(path, 'anna')).toEqual(['cus-1']);
    reopened.close();
  });

  it('rebuilds an index of another format', async () => {
    const path = freshPath();
    const db = liveReplica(path);
    db.exec('UPDATE fts.search_state SET format = 0');
    db.close();
    const reopened = openWritableReplica(path, TEST_KEY);
    expect(searchIndexingActive(reopened)).toBe(false);
    await resumeSearchIndexing(reopened);
    expect(ids(path, 'ben')).toEqual(['cus-2']);
    reopened.close();
  });

  it('moves the index of a v6 replica (inside the main file) into its own file', async () => {
    const path = freshPath();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrateReplica(
      old,
      REPLICA_MIGRATIONS.filter((m) => m.version <= 6),
    );
    new RecordWriter(old as WritableDb).applyBatch([account(7, 'Clara Cordes')]);
    expect(old.prepare("SELECT rowid FROM search WHERE search MATCH 'clara'").all()).toHaveLength(
      1,
    );
    old.close();

    const upgraded = openWritableReplica(path, TEST_KEY);
    expect(upgraded.pragma('user_version', { simple: true })).toBe(
      REPLICA_MIGRATIONS.at(-1)?.version,
    );
    expect(
      upgraded.prepare("SELECT name FROM main.sqlite_master WHERE name = 'search'").get(),
    ).toBeUndefined();
    expect(searchIndexingActive(upgraded)).toBe(false); // the feed rebuilds it before following
    await resumeSearchIndexing(upgraded);
    expect(ids(path, 'clara')).toEqual(['cus-7']);
    upgraded.close();
  });
});
