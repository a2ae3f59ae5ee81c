/**
 * Local persistence of collaborative documents, without a server: restore before any network,
 * replay never re-stored, compaction, durable "pending", damaged rows and failed writes.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWritableReplica, type WritableDb } from '../replica';
import { tempDir } from '../test-support/sync-server-launcher';
import { addNote, CollabDocs, readDeliveryState, type CollabDocsOptions } from './index';

const DOC = 'board/north/2026-03-14';
const D = 'dlv-1';
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function profile(): { path: string; openDb: () => WritableDb } {
  const tmp = tempDir('fleetdesk-collab-');
  cleanups.push(tmp.cleanup);
  const path = join(tmp.dir, 'replica.sqlite');
  return {
    path,
    openDb: () => {
      const db = openWritableReplica(path, 'plaintext');
      cleanups.push(() => db.close());
      return db;
    },
  };
}

function core(db: WritableDb, extra: Partial<CollabDocsOptions> = {}): CollabDocs {
  const docs = new CollabDocs({
    db,
    serverUrl: 'http://127.0.0.1:9',
    getToken: () => 'unused',
    connect: false,
    ...extra,
  });
  cleanups.push(() => docs.close());
  return docs;
}

const rows = (db: WritableDb): number =>
  db.prepare<[string], number>('SELECT count(*) FROM yjs_local WHERE doc = ?').pluck().get(DOC) ??
  0;

describe('CollabDocs local persistence', () => {
  it('restores a document from SQLite synchronously at open, without storing the replay again', () => {
    const p = profile();
    const db1 = p.openDb();
    const first = core(db1);
    const doc = first.open(DOC);
    addNote(doc, D, 'agent-1', 'Leave at reception', 1);
    addNote(doc, D, 'agent-1', 'Customer prefers SMS', 2);
    expect(rows(db1)).toBe(2);
    // No close(): as after a crash or kill. A second connection reads what is on disk.
    const db2 = p.openDb();
    const second = core(db2);
    const restored = second.open(DOC);
    expect(readDeliveryState(restored, D).notes.map((n) => n.text)).toEqual([
      'Leave at reception',
      'Customer prefers SMS',
    ]);
    expect(rows(db2)).toBe(2);
    expect(second.open(DOC)).toBe(restored);
  });

  it('compacts the log into one row past compactAfter and on close, losing nothing', () => {
    const p = profile();
    const db = p.openDb();
    const docs = core(db, { compactAfter: 5 });
    const doc = docs.open(DOC);
    for (let i = 0; i < 12; i++) addNote(doc, D, 'agent-1', `note ${i}`, i);
    expect(rows(db)).toBeLessThanOrEqual(5);
    docs.close();
    expect(rows(db)).toBe(1);
    const again = core(db).open(DOC);
    expect(readDeliveryState(again, D).notes).toHaveLength(12);
  });

  it('keeps local edits pending across a restart while the server never confirmed them', () => {
    const p = profile();
    const db = p.openDb();
    const docs = core(db);
    const doc = docs.open(DOC);
    expect(doc.status()).toEqual({
      state: 'offline',
      lastSyncedAt: null,
      pendingLocalUpdates: false,
      access: 'unknown',
    });
    const seen: boolean[] = [];
    docs.onStatus((name, s) => name === DOC && seen.push(s.pendingLocalUpdates));
    addNote(doc, D, 'agent-1', 'offline edit', 1);
    expect(docs.status(DOC).pendingLocalUpdates).toBe(true);
    expect(seen).toEqual([true]);
    docs.close();
    expect(core(db).open(DOC).status().pendingLocalUpdates).toBe(true);
  });

  it('skips an unreadable stored row, reports it, and loads the rest', () => {
    const p = profile();
    const db = p.openDb();
    const docs = core(db);
    addNote(docs.open(DOC), D, 'agent-1', 'survives', 1);
    docs.close();
    db.prepare('INSERT INTO yjs_local (doc, data) VALUES (?, ?)').run(DOC, Buffer.from([1, 2, 3]));
    const errors: string[] = [];
    const doc = core(db, { onError: (_e, ctx) => errors.push(ctx.during) }).open(DOC);
    expect(errors).toEqual(['restore']);
    expect(readDeliveryState(doc, D).notes.map((n) => n.text)).toEqual(['survives']);
  });

  it('after a failed local write, the next write stores the whole document', () => {
    const p = profile();
    const db = p.openDb();
    const errors: string[] = [];
    const docs = core(db, { onError: (_e, ctx) => errors.push(ctx.during) });
    const doc = docs.open(DOC);
    db.exec(`CREATE TEMP TRIGGER full_disk BEFORE INSERT ON yjs_local
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    addNote(doc, D, 'agent-1', 'written while the disk was full', 1);
    expect(errors).toEqual(['persist']);
    db.exec('DROP TRIGGER full_disk');
    addNote(doc, D, 'agent-1', 'written after', 2);
    const reopened = core(p.openDb()).open(DOC);
    expect(readDeliveryState(reopened, D).notes).toHaveLength(2);
    expect(reopened.status().pendingLocalUpdates).toBe(true);
  });

  it('refuses names the server does not serve, and use after close', () => {
    const docs = core(profile().openDb());
    expect(() => docs.open('board/North/2026-03-14')).toThrow(/Not a collaborative document/);
    expect(() => docs.open('board/north/2026-02-30')).toThrow(/Not a collaborative document/);
    expect(() => docs.status(DOC)).toThrow(/not open/);
    docs.close();
    expect(() => docs.open(DOC)).toThrow(/closed/);
  });
});
