import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSearch, ReplicaSearch } from '../search';
import {
  migrateReplica,
  openReadableReplica,
  openWritableReplica,
  type WritableDb,
} from './replica-db';
import { REPLICA_MIGRATIONS } from './replica-migrations';
import { RecordReader, RecordWriter } from './record-repository';
import Database from 'better-sqlite3-multiple-ciphers';
import { resumeSearchIndexing, suspendSearchIndexing } from './search-index';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-replica-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): { db: WritableDb; path: string } => {
  const path = join(dir, `r${(n += 1)}.sqlite`);
  return { db: openWritableReplica(path, 'plaintext'), path };
};

const account = (id: string, name: string, phone: string, line1: string, version = 1) => ({
  kind: 'account',
  id,
  version,
  seq: version,
  body: {
    id,
    name,
    phone,
    email: `${id}@example.com`,
    address: { line1, city: 'Berlin', postcode: '10115', country: 'DE' },
  },
});
const delivery = (id: string, customerId: string, tag: string, version = 1) => ({
  kind: 'delivery',
  id,
  version,
  seq: 100 + version,
  body: { id, customerId, stage: 'created', parcel: { tag } },
});

describe('replica migrations', () => {
  it.each(REPLICA_MIGRATIONS.map((m) => [m.version, m.name, m] as const))(
    'v%i %s applies on top of the previous ones',
    (version, _name) => {
      const db = new Database(':memory:');
      migrateReplica(
        db,
        REPLICA_MIGRATIONS.filter((m) => m.version < version),
      );
      const before = db.pragma('user_version', { simple: true });
      migrateReplica(
        db,
        REPLICA_MIGRATIONS.filter((m) => m.version <= version),
      );
      expect(before).toBe(version - 1);
      expect(db.pragma('user_version', { simple: true })).toBe(version);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    },
  );

  it('refuses a replica written by a newer app', () => {
    const { db, path } = fresh();
    db.pragma('user_version = 999');
    db.close();
    expect(() => openWritableReplica(path, 'plaintext')).toThrow(/newer than this app/);
  });
});

describe('records and search', () => {
  const { db, path } = fresh();
  const writer = new RecordWriter(db);
  writer.applyBatch([
    account('cus-1', 'Anna Müller', '+4930123456', 'Kastanienallee 12'),
    account('cus-2', 'Ben Schröder', '+4930999888', 'Sonnenallee 3'),
    account('cus-3', 'Annika Weber', '+4940555111', 'Hauptstraße 7'),
    delivery('del-000042', 'cus-1', 'PKG-7Q2X'),
  ]);
  const reader = new RecordReader(openReadableReplica(path, 'plaintext'));
  const search = new ReplicaSearch(openReadableReplica(path, 'plaintext'));

  it('replaces a record only with a newer version', () => {
    expect(writer.applyBatch([account('cus-2', 'Old Name', '+4930999888', 'x', 1)])).toBe(0);
    expect(
      writer.applyBatch([
        account('cus-2', 'Ben Schröder-Klein', '+4930999888', 'Sonnenallee 3', 2),
      ]),
    ).toBe(1);
    expect(reader.get<{ name: string }>('account', 'cus-2')?.body.name).toBe('Ben Schröder-Klein');
    expect(search.search('Klein').map((h) => h.id)).toEqual(['cus-2']);
    expect(search.search('Old')).toEqual([]);
  });

  it.each([
    ['ann', ['cus-1', 'cus-3']],
    ['anna mül', ['cus-1']],
    ['muller', ['cus-1']], // diacritics folded
    ['030 1234', ['cus-1']], // national phone format
    ['+49 30 123', ['cus-1']],
    ['kastanien', ['cus-1', 'del-000042']], // the delivery goes to that address
    ['kastanienallee 1', ['cus-1']], // a one-character word is an exact term (here: the "1" of cus-1@example.com)
    ['kastanienallee 12', ['cus-1', 'del-000042']],
    ['0309', ['cus-2']],
    ['PKG-7Q', ['del-000042']],
    ['del-0000', ['del-000042']],
    ['"; DROP TABLE records; --', []],
    ['', []],
  ])('finds %j → %j', (query, ids) => {
    expect(
      search
        .search(query)
        .map((h) => h.id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('plans each query shape on its own index', () => {
    expect(planSearch('anna OR NEAR(x')).toEqual({
      kind: 'text',
      fts: '"anna"* "OR"* "NEAR"* "x"',
    });
    expect(planSearch('+49 (30) 12')).toEqual({ kind: 'phone', digits: '493012' });
    expect(planSearch('12')).toEqual({ kind: 'none' });
    expect(planSearch('DEL-00')).toEqual({ kind: 'id', recordKind: 'delivery', prefix: 'del-00' });
    expect(planSearch('pkg-7q')).toEqual({ kind: 'tag', prefix: 'PKG-7Q' });
    expect(planSearch('a')).toEqual({ kind: 'none' });
  });

  it('lists a customer’s deliveries', () => {
    expect(reader.deliveriesOf('cus-1').map((d) => d.id)).toEqual(['del-000042']);
  });
});

describe('search during the initial snapshot', () => {
  it('answers nothing (instead of failing) while the lookup indexes are being rebuilt, and finds again after', async () => {
    const { db, path } = fresh();
    suspendSearchIndexing(db);
    new RecordWriter(db).applyBatch([
      account('cus-9', 'Zoe Zimmermann', '+4930555000', 'Torstraße 1'),
    ]);
    const search = new ReplicaSearch(openReadableReplica(path, 'plaintext'));
    expect(search.search('030555')).toEqual([]);
    expect(search.search('zoe')).toEqual([]);
    await resumeSearchIndexing(db);
    expect(search.search('030555').map((h) => h.id)).toEqual(['cus-9']);
    expect(search.search('zoe').map((h) => h.id)).toEqual(['cus-9']);
  });
});
