import type { ConfirmedTimes } from '../status';
import type { WritableDb } from '../replica';

const KEY = 'sync.last_confirmed';

/**
 * "Last confirmed" per path, kept in the replica's `meta` table so a desk restarted while
 * offline still says when the server last confirmed its data, not "never". Written at most
 * every few seconds (the tracker throttles) and on close; after a crash it shows an older
 * time, never a newer one.
 */
export class ConfirmedTimesStore {
  readonly #get;
  readonly #put;

  constructor(private readonly db: WritableDb) {
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.#put = db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  load(): ConfirmedTimes {
    const row = this.#get.get(KEY);
    if (!row) return { feed: null, outbox: null };
    try {
      const v = JSON.parse(row.value) as { feed?: unknown; outbox?: unknown };
      const time = (x: unknown): number | null =>
        typeof x === 'number' && Number.isFinite(x) ? x : null;
      return { feed: time(v.feed), outbox: time(v.outbox) };
    } catch {
      return { feed: null, outbox: null }; // unreadable: as if never confirmed
    }
  }

  save(times: ConfirmedTimes): void {
    if (!this.db.open) return;
    this.#put.run(KEY, JSON.stringify(times));
  }
}
