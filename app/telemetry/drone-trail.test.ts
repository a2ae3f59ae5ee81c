import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openWritableReplica } from '../replica';
import { readTrail, TRAIL_KEEP_MS, trailWriter } from './drone-trail';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-trail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps each drone fixes for TRAIL_KEEP_MS in the replica file, oldest first, across a reopen', () => {
  const path = join(dir, 'replica.sqlite');
  const db = openWritableReplica(path, 'plaintext');
  const write = trailWriter(db);
  const t0 = 1_800_000_000_000;
  const fix = (id: string, at: number, lat: number) => ({ id, at, lat, lng: 13.4 });
  write([fix('drone-1', t0, 52.5), fix('drone-2', t0, 52.6)]);
  write([fix('drone-1', t0 + 5000, 52.51), fix('drone-1', t0 + 5000, 99)]); // a repeat is ignored
  expect(readTrail(db, 'drone-1', 0)).toEqual([
    { at: t0, lat: 52.5, lng: 13.4 },
    { at: t0 + 5000, lat: 52.51, lng: 13.4 },
  ]);
  expect(readTrail(db, 'drone-1', t0 + 1)).toHaveLength(1);
  // A fix past the window drops what is older than TRAIL_KEEP_MS before it, for every drone.
  write([fix('drone-1', t0 + TRAIL_KEEP_MS + 6000, 52.52)]);
  expect(readTrail(db, 'drone-1', 0).map((p) => p.at)).toEqual([t0 + TRAIL_KEEP_MS + 6000]);
  expect(readTrail(db, 'drone-2', 0)).toEqual([]);
  db.close();
  const again = openWritableReplica(path, 'plaintext');
  expect(readTrail(again, 'drone-1', 0)).toHaveLength(1);
  again.close();
});
