/**
 * The encrypted replica against the real sync server process and real files:
 * no customer's personal data readable in any profile file (WAL included),
 * a plain profile from before encryption migrated with its queued command and
 * offline note intact and sent, and a wrong, missing, exposed or foreign key
 * stopping the desk with a clear error while the data stays as it was.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, type ServerProcess } from '../../sync-server/test-support/server-process';
import type { OperatorCore } from '../host';
import { KEY_FILE, ProfileKey } from '../keystore';
import { sqliteFileFormat } from '../replica';
import {
  callValue as value,
  deskTestScope,
  feedLive as live,
  QUICK_SYNC,
} from '../test-support/desk-process';
import {
  makeProfilePlain,
  openProfileReplica,
  profileKeyOf,
} from '../test-support/profile-replica';
import { startCore } from './start-core';

type Core = OperatorCore & { dbPath: string };
interface Rec {
  kind: string;
  id: string;
  version: number;
  body: Record<string, unknown>;
}

const scope = deskTestScope();
const newCore = async (url: string, profileDir: string): Promise<Core> =>
  scope.own(await startCore({ syncServerUrl: url, profileDir, ...QUICK_SYNC }));
const OFFLINE = 'http://127.0.0.1:9';
const profile = (): string => scope.dir('fleetdesk-enc-profile-');
const server = (): Promise<ServerProcess> => scope.server();

async function allRecords(s: ServerProcess, token: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let after: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) });
    const { body } = await s.api(`/api/feed/snapshot?${q.toString()}`, { token });
    const page = body as { records: Rec[]; nextCursor: string | null };
    out.push(...page.records);
    after = page.nextCursor;
  } while (after !== null);
  return out;
}

/** Every seeded customer's name, email and phone: what a stolen laptop must not give away. */
const personalData = (records: Rec[]): string[] =>
  records
    .filter((r) => r.kind === 'account')
    .flatMap((r) => [r.body['name'], r.body['email'], r.body['phone']])
    .filter((v): v is string => typeof v === 'string' && v.length >= 6);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Raw bytes of every file in the profile that contain one of `needles` (file → first needle). */
function leaks(dir: string, needles: readonly string[]): string[] {
  return filesUnder(dir).flatMap((file) => {
    const bytes = readFileSync(file);
    const hit = needles.find((n) => bytes.includes(n, 0, 'utf8'));
    return hit === undefined ? [] : [`${file}: a seeded value (${String(needles.indexOf(hit))})`];
  });
}

const digest = (file: string): string =>
  createHash('sha256').update(readFileSync(file)).digest('hex');

describe('encrypted replica', () => {
  it('keeps no seeded personal data readable in any profile file (WAL included) and opens with the key', async () => {
    const s = await server();
    const token = s.token('agent-1', 'agent');
    const pii = personalData(await allRecords(s, token));
    expect(pii.length).toBeGreaterThanOrEqual(150); // 60 customers × name, email, phone
    const dir = profile();
    const core = await newCore(s.url, dir);
    await value(core, 'session.login', { token });
    await live(core);
    const delivery = (await allRecords(s, token)).find((r) => r.kind === 'delivery');
    const note = 'Neighbour Ottilie Quandt-Wexford takes the parcel.';
    await value(core, 'notes.add', { deliveryId: delivery?.id, text: note });

    // While the core runs: the WAL files hold the latest commits, and they are swept too.
    const wal = filesUnder(dir).filter((f) => f.endsWith('-wal') && statSync(f).size > 0);
    expect(wal.length).toBeGreaterThan(0);
    expect(leaks(dir, [...pii, note, token])).toEqual([]);
    await core.close();
    expect(leaks(dir, [...pii, note, token])).toEqual([]);
    expect(sqliteFileFormat(core.dbPath)).toBe('encrypted');
    expect(sqliteFileFormat(join(dir, 'replica.search.sqlite'))).toBe('encrypted');
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);

    // With the key, the same files open normally: records, search index and notes.
    const db = openProfileReplica(core.dbPath);
    const name = pii[0] ?? '';
    expect(
      db.prepare("SELECT count(*) AS n FROM records WHERE body LIKE '%' || ? || '%'").get(name),
    ).toEqual({ n: 1 });
    expect(
      (db.prepare('SELECT count(*) AS n FROM fts.search').get() as { n: number }).n,
    ).toBeGreaterThan(100);
    expect(
      (db.prepare('SELECT count(*) AS n FROM yjs_local').get() as { n: number }).n,
    ).toBeGreaterThan(0);
    db.close();
  }, 60_000);

  it('encrypts a plain profile once, keeping its queued command and offline note, which are sent afterwards; a wrong, missing, exposed or foreign key stops the desk without harm', async () => {
    const s = await server();
    const token = s.token('agent-1', 'agent');
    const records = await allRecords(s, token);
    const target = records.find((r) => r.kind === 'delivery' && r.body['stage'] === 'created');
    expect(target).toBeDefined();
    const dir = profile();
    const online = await newCore(s.url, dir);
    await value(online, 'session.login', { token });
    await live(online);
    await online.close();

    // Offline: a cancel is queued and a note written, then the desk is closed.
    const offline = await newCore(OFFLINE, dir);
    const entry = await value<{ idempotencyKey: string; state: string }>(
      offline,
      'shipping.cancelDelivery',
      { deliveryId: target?.id, reason: 'customer-request' },
    );
    expect(entry.state).toBe('queued');
    await value(offline, 'notes.add', {
      deliveryId: target?.id,
      text: 'Written offline, before the upgrade.',
    });
    await offline.close();

    // The profile as a desk from before encryption left it: plain replica, no key, no search file.
    makeProfilePlain(offline.dbPath);
    expect(sqliteFileFormat(offline.dbPath)).toBe('plain');
    const pii = personalData(records);
    expect(leaks(dir, pii).length).toBeGreaterThan(0); // the fixture really is readable

    const upgraded = await newCore(s.url, dir);
    expect(sqliteFileFormat(upgraded.dbPath)).toBe('encrypted');
    await eventually(
      async () => {
        const list = await value<{ recent: { idempotencyKey: string; state: string }[] }>(
          upgraded,
          'outbox.list',
        );
        return list.recent.some(
          (e) => e.idempotencyKey === entry.idempotencyKey && e.state === 'done',
        )
          ? true
          : undefined;
      },
      30_000,
      'the queued cancel to be sent and done',
    );
    const truth = (await allRecords(s, token)).find((r) => r.id === target?.id);
    expect(truth?.body['stage']).toBe('cancelled');
    expect(truth?.version).toBe((target?.version ?? 0) + 1);
    // The offline note reached the server: a second, fresh desk sees it.
    const other = await newCore(s.url, profile());
    await value(other, 'session.login', { token: s.token('agent-2', 'agent') });
    await eventually(
      async () =>
        (
          await value<{ notes: { text: string }[] } | null>(other, 'collab.get', {
            deliveryId: target?.id,
          })
        )?.notes.some((n) => n.text === 'Written offline, before the upgrade.')
          ? true
          : undefined,
      20_000,
      'the offline note on another desk',
    );
    await live(upgraded); // the search index was rebuilt, encrypted
    await upgraded.close();
    expect(leaks(dir, pii)).toEqual([]);
    expect(filesUnder(dir).filter((f) => f.includes('.encrypting'))).toEqual([]);

    // Now the key goes wrong in every way; each time the desk refuses and nothing changes.
    const keyFile = join(dir, KEY_FILE);
    const goodKey = readFileSync(keyFile, 'utf8');
    const before = digest(upgraded.dbPath);
    const refuses = async (pattern: RegExp): Promise<void> => {
      await expect(newCore(s.url, dir)).rejects.toThrow(pattern);
      expect(digest(upgraded.dbPath)).toBe(before);
      expect(sqliteFileFormat(upgraded.dbPath)).toBe('encrypted');
    };
    writeFileSync(keyFile, `${ProfileKey.random().hex()}\n`, { mode: 0o600 });
    await refuses(/cannot be opened with this profile's key/);
    rmSync(keyFile);
    await refuses(/encrypted, but its key is missing/);
    expect(() => statSync(keyFile)).toThrow(); // no new key was made up
    writeFileSync(keyFile, goodKey, { mode: 0o644 });
    chmodSync(keyFile, 0o644);
    await refuses(/readable by other users \(mode 644\)/);
    chmodSync(keyFile, 0o600);
    if (process.getuid?.() === 0) {
      chownSync(keyFile, 4242, 4242); // a profile copied from another user account
      await refuses(/belongs to another user account/);
      chownSync(keyFile, 0, 0);
    }

    // The right key again: everything is still there.
    expect(profileKeyOf(upgraded.dbPath).hex()).toBe(goodKey.trim());
    const back = await newCore(OFFLINE, dir);
    const list = await value<{ recent: { idempotencyKey: string }[] }>(back, 'outbox.list');
    expect(list.recent.map((e) => e.idempotencyKey)).toContain(entry.idempotencyKey);
    const notes = await value<{ notes: { text: string }[] }>(back, 'collab.get', {
      deliveryId: target?.id,
    });
    expect(notes.notes.map((n) => n.text)).toContain('Written offline, before the upgrade.');
  }, 120_000);
});
