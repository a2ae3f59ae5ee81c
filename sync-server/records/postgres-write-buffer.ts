import type { RecordKind, StoredRecord } from './record-store.port';

/*
 * The writes of one PostgresRecordStore transaction, kept in memory until just before
 * COMMIT and then sent as one statement (issue 11: the writer lock was held for one round
 * trip per put, ~5 per command, each also bumping the counter row).
 *
 * Why this is sound: the transaction holds the cluster-wide writer lock from its start, and
 * every write to `records`/`feed_head` takes that lock first. So while we hold it, the stored
 * state of a record can only change through this transaction's own puts, and the next seq is
 * the locked head + 1, + 2, … in put order. What a put needs to decide (is its version
 * newer?) and what a later get in the same transaction must see (the put's value) are
 * answered from here; only records this transaction has not seen yet are read from the
 * database, once each.
 */

/** A record as the transaction knows it: stored (read once) or written by one of its puts. */
interface Known {
  readonly version: number;
  readonly body: string; // JSON text, byte for byte what is (or will be) stored
  readonly owner: string | null;
  readonly seq: number;
}

/** One feed entry waiting for the flush. */
export interface PendingEntry {
  readonly seq: number;
  readonly kind: RecordKind;
  readonly id: string;
  readonly version: number;
  readonly body: string;
  readonly owner: string | null;
  readonly writtenAt: number;
}

const keyOf = (kind: RecordKind, id: string): string => `${kind}\u0000${id}`;

/** The state of a buffer before a group member ran (postgres-group-commit.ts). */
export interface BufferMark {
  readonly known: ReadonlyMap<string, Known | undefined>;
  readonly pending: number;
  readonly head: number;
}

export class PostgresWriteBuffer {
  /** undefined value = read and absent; a missing key = not seen yet. */
  #known = new Map<string, Known | undefined>();
  readonly #pending: PendingEntry[] = [];
  #head: number;

  /** `head`: the feed's last seq, read under the writer lock. */
  constructor(head: number) {
    this.#head = head;
  }

  has(kind: RecordKind, id: string): boolean {
    return this.#known.has(keyOf(kind, id));
  }

  /** What a stored read returned (a record or its absence); ignored once known. */
  remember(kind: RecordKind, id: string, stored: Known | undefined): void {
    const key = keyOf(kind, id);
    if (!this.#known.has(key)) this.#known.set(key, stored);
  }

  /** The record as this transaction sees it; a fresh parse each time, as a stored read gives. */
  read<Body>(kind: RecordKind, id: string): StoredRecord<Body> | undefined {
    const k = this.#known.get(keyOf(kind, id));
    if (!k) return undefined;
    const body = JSON.parse(k.body) as Body;
    return { kind, id, version: k.version, body, owner: k.owner, seq: k.seq };
  }

  /**
   * A put of a record already known (`has`): null when its version is not newer, else the
   * entry is queued under the next seq, which is returned.
   */
  put(
    kind: RecordKind,
    id: string,
    version: number,
    body: string,
    owner: string | null,
    writtenAt: number,
  ): number | null {
    const key = keyOf(kind, id);
    const current = this.#known.get(key);
    if (current && current.version >= version) return null;
    this.#head += 1;
    const seq = this.#head;
    this.#pending.push({ seq, kind, id, version, body, owner, writtenAt });
    this.#known.set(key, { version, body, owner, seq });
    return seq;
  }

  mark(): BufferMark {
    return { known: new Map(this.#known), pending: this.#pending.length, head: this.#head };
  }

  /** Forgets every put since `mark` (a group member that failed); its seqs are reused. */
  restore(mark: BufferMark): void {
    this.#known = new Map(mark.known);
    this.#pending.length = mark.pending;
    this.#head = mark.head;
  }

  /** Entries in seq order (consecutive from the locked head + 1), and the new head. */
  get pending(): readonly PendingEntry[] {
    return this.#pending;
  }

  get head(): number {
    return this.#head;
  }
}
