import type { ReadableDb, WritableDb } from '../replica';

/** How far back the replica keeps each drone's fixes (the trail shows up to this much). */
export const TRAIL_KEEP_MS = 15 * 60_000;

export interface TrailPoint {
  readonly at: number;
  readonly lat: number;
  readonly lng: number;
}

/**
 * Appends fixes to `drone_trail` and drops what is older than TRAIL_KEEP_MS before the newest
 * of them. Called inside the telemetry client's persist transaction, so it costs one more
 * insert per persisted fix (one per drone every few seconds), never one per frame.
 */
export function trailWriter(
  db: WritableDb,
): (fixes: readonly { id: string; at: number; lat: number; lng: number }[]) => void {
  const insert = db.prepare<[string, number, number, number]>(
    'INSERT OR IGNORE INTO drone_trail (drone_id, at, lat, lng) VALUES (?, ?, ?, ?)',
  );
  const prune = db.prepare<[number]>('DELETE FROM drone_trail WHERE at < ?');
  return (fixes) => {
    let newest = 0;
    for (const f of fixes) {
      insert.run(f.id, f.at, f.lat, f.lng);
      if (f.at > newest) newest = f.at;
    }
    if (newest > 0) prune.run(newest - TRAIL_KEEP_MS);
  };
}

/** The drone's fixes since `since` (epoch ms), oldest first, from the replica. */
export function readTrail(db: ReadableDb, droneId: string, since: number): TrailPoint[] {
  return db
    .prepare<[string, number], TrailPoint>(
      'SELECT at, lat, lng FROM drone_trail WHERE drone_id = ? AND at >= ? ORDER BY at',
    )
    .all(droneId, since);
}
