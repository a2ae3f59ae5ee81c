import { readRegionStatus, REGION_STATUS_MAP, regionStatusDocName } from '../../domain/protocol';
import type { RegionStatusView } from '../contract';
import type { WritableDb } from '../replica';
import type { CollabDoc } from './collab-doc';
import type { CollabDocs } from './collab-docs';

/** The region status as this desk has it, and until when it knows that to be current (the contract's view). */
export type WatchedRegionStatus = RegionStatusView;

export interface RegionStatusWatchDeps {
  readonly docs: CollabDocs;
  /** The profile's replica, for the `meta` row that keeps `asOf` across restarts. */
  readonly db: WritableDb;
  readonly region: string;
  readonly now: () => number;
  /** After each change of content, of `live`, or of `asOf` when the connection ends. */
  readonly changed: (status: WatchedRegionStatus) => void;
}

/**
 * Follows the server-written `status/<region>` document: opened through CollabDocs like the
 * boards (restored from SQLite first, so the last-known status shows offline at once; synced
 * by the stock provider; read-only, so nothing is ever written to it here).
 *
 * How old the status is cannot come from the document: the server writes only on change, so
 * an unchanged status is old and current at once. What this desk knows is when it last was
 * connected: while live the status is current; after that it is as of the moment the
 * connection ended. That moment is stored in `meta` when the document goes live, on each
 * change received while live, and when the connection ends; after a crash the age shown is the
 * older of those — longer than true, never shorter.
 */
export class RegionStatusWatch {
  private doc: CollabDoc | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly metaKey: string;
  private readonly readAsOf;
  private readonly writeAsOf;
  private live = false;

  constructor(private readonly deps: RegionStatusWatchDeps) {
    this.metaKey = `region_status_as_of:${regionStatusDocName(deps.region)}`;
    this.readAsOf = deps.db
      .prepare<[string], string>('SELECT value FROM meta WHERE key = ?')
      .pluck();
    this.writeAsOf = deps.db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Opens (and so connects) the document; idempotent. Throws what CollabDocs.open throws. */
  start(): void {
    if (this.doc !== null) return;
    const doc = this.deps.docs.open(regionStatusDocName(this.deps.region));
    this.doc = doc;
    const map = doc.ydoc.getMap(REGION_STATUS_MAP);
    const onChange = (): void => {
      if (this.live) this.remember();
      this.emit();
    };
    map.observe(onChange);
    this.unsubscribe.push(
      () => map.unobserve(onChange),
      doc.onStatus((s) => this.liveChanged(s.state === 'online')),
    );
    this.liveChanged(doc.status().state === 'online');
  }

  /** What this desk has; null before start() or if the server's status never arrived. */
  current(): WatchedRegionStatus | null {
    if (this.doc === null) return null;
    const status = readRegionStatus(
      Object.fromEntries(this.doc.ydoc.getMap(REGION_STATUS_MAP).entries()),
    );
    if (status === null) return null;
    return { ...status, live: this.live, asOf: this.live ? this.deps.now() : this.storedAsOf() };
  }

  /** Stops following (CollabDocs.close closes the document itself). */
  stop(): void {
    if (this.live) this.remember();
    for (const off of this.unsubscribe.splice(0)) off();
    this.doc = null;
  }

  private liveChanged(live: boolean): void {
    if (live === this.live) return;
    // Going live and the end of a live connection both mark "current until now".
    this.remember();
    this.live = live;
    this.emit();
  }

  private remember(): void {
    try {
      this.writeAsOf.run(this.metaKey, String(this.deps.now()));
    } catch {
      // Best effort: a failed write (disk full) only makes the age shown offline look older.
    }
  }

  private storedAsOf(): number | null {
    const value = Number(this.readAsOf.get(this.metaKey));
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  }

  private emit(): void {
    const status = this.current();
    if (status !== null) this.deps.changed(status);
  }
}
