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
export const RECORD_KINDS = [
  'account',
  'delivery',
  'payment',
  'drone',
  'depot',
  'zone',
  'command',
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

export interface RecordTx {
  get<Body>(kind: RecordKind, id: string): Promise<StoredRecord<Body> | undefined>;
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
   * so snapshot + changes never leaves a gap.
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
  close(): Promise<void>;
}
