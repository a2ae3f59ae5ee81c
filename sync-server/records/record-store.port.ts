/**
 * Storage port for the authoritative records and their change feed.
 *
 * Every write goes through `transact`, which runs its callback atomically and
 * serially: no other transaction interleaves, and either every put in it is
 * committed (with consecutive feed sequence numbers, in put order) or none is.
 * A thrown error rolls back and is rethrown. Reads outside a transaction see
 * only committed data. Async so that a networked engine (PostgreSQL in the
 * scale-out mode) can implement the same contract; the SQLite implementation
 * completes synchronously underneath.
 */
import type { AuditEntry } from '../../domain/protocol';
import type { AuditPruneResult, AuditRetention, AuditSearch } from './audit-trail.port';

export const RECORD_KINDS = [
  'account',
  'delivery',
  'payment',
  'drone',
  'depot',
  'zone',
  'command',
  /** The audit trail (sync-server/audit): supervisors only, see FEED_KINDS. */
  'audit',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface StoredRecord<Body = unknown> {
  readonly kind: RecordKind;
  readonly id: string;
  readonly version: number;
  readonly body: Body;
  /** Set for records private to one user (their command outcomes); null means shared. */
  readonly owner: string | null;
  /** Feed sequence number of the change that produced this version. */
  readonly seq: number;
}

export interface RecordFilter {
  readonly kinds: readonly RecordKind[];
  /** Records with an owner are visible only to that owner (null: see all, for supervisors). */
  readonly viewer: string | null;
}

/** Names one record. */
export interface RecordKey {
  readonly kind: RecordKind;
  readonly id: string;
}

export interface RecordTx {
  get<Body>(kind: RecordKind, id: string): Promise<StoredRecord<Body> | undefined>;
  /**
   * A hint: the records this transaction is about to get or put. A store whose reads are
   * round trips (PostgreSQL) fetches them at once; gets and puts answer exactly as without it.
   * Stores that read in-process (memory, SQLite) leave it out.
   */
  prefetch?(keys: readonly RecordKey[]): Promise<void>;
  /**
   * Writes a new version. Idempotent by version: a version not greater than the
   * stored one is ignored and returns null; otherwise returns the new feed seq.
   */
  put(
    kind: RecordKind,
    id: string,
    version: number,
    body: unknown,
    owner?: string | null,
  ): Promise<number | null>;
}

export interface SnapshotPage {
  readonly records: readonly StoredRecord[];
  /** Pass back as `after` for the next page; null when this was the last page. */
  readonly nextCursor: string | null;
}

/** What one `pruneFeed` call may remove (see there). */
export interface FeedRetention {
  /** Only entries written before this instant (ms since the epoch) may go: "keep at least 7 days". */
  readonly writtenBefore: number;
  /**
   * The newest `keepNewest` entries stay however old they are. Values below 1
   * count as 1: the newest entry always stays, because it is the high-water mark.
   */
  readonly keepNewest: number;
  /** Upper bound on entries removed by this call (a positive integer): one short write transaction. */
  readonly maxEntries: number;
}

export interface FeedPruneResult {
  readonly pruned: number;
  /** `oldestRetainedSeq()` after this call. */
  readonly oldestRetainedSeq: number;
  /** True when `maxEntries` stopped this call and the next entry is eligible too: call again. */
  readonly more: boolean;
}

export interface RecordStorePort {
  transact<T>(fn: (tx: RecordTx) => Promise<T>): Promise<T>;
  get<Body>(kind: RecordKind, id: string): Promise<StoredRecord<Body> | undefined>;
  /** All current records of a kind (for the server's own processes, e.g. the simulator). */
  list<Body>(kind: RecordKind): Promise<StoredRecord<Body>[]>;
  /** Highest committed feed sequence (0 when empty). */
  highWaterMark(): Promise<number>;
  /**
   * One page of the current records whose last change is at or below `upTo`,
   * ordered by (kind, id). Records changed later are delivered by `changesSince(upTo)`,
   * so snapshot + changes never leaves a gap. `after` is a `nextCursor` this store returned;
   * anything else may be refused with an `InvalidCursorError` (a client's mistake, not a fault).
   */
  snapshotPage(
    filter: RecordFilter,
    upTo: number,
    after: string | null,
    limit: number,
  ): Promise<SnapshotPage>;
  /** Feed entries with seq > since, ascending, at most `limit`. */
  changesSince(filter: RecordFilter, since: number, limit: number): Promise<StoredRecord[]>;
  /** Lowest seq still retained; a desktop resuming from below it must re-snapshot. */
  oldestRetainedSeq(): Promise<number>;
  /**
   * Removes the oldest feed entries that `retention` allows, at most
   * `maxEntries` (one short write). Only ever a prefix: an entry goes only with
   * every older one, so the retained feed stays gap-free from
   * `oldestRetainedSeq()` to the high-water mark (an entry written "after" the
   * cutoff because the clock stepped back stops the prune there). Records,
   * snapshots, `highWaterMark()` and the seqs of later puts are unaffected.
   * Safe alongside `transact`: it only sees committed entries and keeps the
   * newest of them. Rejects with a RangeError when `maxEntries` is not a
   * positive integer or `keepNewest` not an integer.
   */
  pruneFeed(retention: FeedRetention): Promise<FeedPruneResult>;
  /**
   * One page of the audit trail (records of kind "audit"), newest first, through indexes on
   * customer, order, agent and time. Sees committed lines only. Rejects with a RangeError
   * when `limit` is not a positive integer.
   */
  searchAudit(search: AuditSearch): Promise<AuditEntry[]>;
  /**
   * Deletes the oldest audit lines written before `retention.before`, at most `maxEntries`
   * (one short write). Only the records go: their feed entries age out with the feed's own
   * retention (which is shorter). Rejects with a RangeError when `maxEntries` is not a
   * positive integer.
   */
  pruneAudit(retention: AuditRetention): Promise<AuditPruneResult>;
  close(): Promise<void>;
}

/** A snapshot cursor that no store issued (a client sent garbage): answered 400, not 500. */
export class InvalidCursorError extends Error {
  readonly code = 'FEED.BAD_CURSOR';
  constructor() {
    super('That snapshot cursor is not valid; start the snapshot again without one.');
    this.name = 'InvalidCursorError';
  }
}
