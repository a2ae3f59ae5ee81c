import type { WritableDb } from '../replica';

const KEY = 'feed.role';

/**
 * The server filters the change feed by role (an agent gets no drones, a fleet manager no
 * accounts), so a replica followed as one role misses what another role must see: a desk
 * switched from agent to fleet manager showed 0 drones for good. When the role changes, the
 * feed takes a fresh snapshot (upserts are idempotent by version, so rows already here are
 * kept or updated in place). A profile from before this check records its role without a
 * re-snapshot: it cannot tell which role it followed.
 */
export function ensureFeedScope(db: WritableDb, role: string): void {
  const row = db
    .prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?')
    .get(KEY);
  const had = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM feed_state').get()?.n ?? 0;
  db.transaction(() => {
    if (row && row.value !== role && had > 0)
      db.prepare(
        `UPDATE feed_state SET phase = 'snapshot', up_to = NULL, cursor = NULL, since = 0, received = 0`,
      ).run();
    db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(KEY, role);
  })();
}
