import type { Command } from '../../domain/protocol';
import type { WritableDb } from '../replica';

export const OUTBOX_STATES = [
  'queued',
  'sending',
  'processing',
  'done',
  'rejected',
  'failed',
  'discarded',
] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** What the UI shows until the server's truth arrives: a patch over one replicated record. */
export interface Overlay {
  readonly kind: string;
  readonly id: string;
  readonly patch: Readonly<Record<string, unknown>>;
}

export interface OutboxEntry {
  readonly seq: number;
  readonly idempotencyKey: string;
  readonly name: string;
  readonly command: Command;
  readonly overlay: Overlay | null;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly errorCode: string | null;
  readonly errorReason: string | null;
  readonly resultingVersion: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface Row {
  seq: number;
  idempotency_key: string;
  name: string;
  command: string;
  overlay: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  error_code: string | null;
  error_reason: string | null;
  resulting_version: number | null;
  created_at: number;
  updated_at: number;
}

const toEntry = (r: Row): OutboxEntry => ({
  seq: r.seq,
  idempotencyKey: r.idempotency_key,
  name: r.name,
  command: JSON.parse(r.command) as Command,
  overlay: r.overlay === null ? null : (JSON.parse(r.overlay) as Overlay),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  errorCode: r.error_code,
  errorReason: r.error_reason,
  resultingVersion: r.resulting_version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const COLUMNS =
  'seq, idempotency_key, name, command, overlay, state, attempts, next_attempt_at, error_code, error_reason, resulting_version, created_at, updated_at';

/**
 * The durable outbox table. Every method is one SQLite transaction on the
 * replica's single writer (synchronous=FULL), so when `enqueue` returns the
 * command and its overlay are on disk together — that is the moment the UI may
 * say "queued".
 */
export class OutboxStore {
  private readonly s;

  constructor(private readonly db: WritableDb) {
    this.s = {
      insert: db.prepare<
        [string, string, string, string | null, string | null, string | null, number, number]
      >(
        `INSERT INTO outbox (idempotency_key, name, command, target_kind, target_id, overlay, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      ),
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM outbox WHERE idempotency_key = ?`),
      due: db.prepare<[number, number], Row>(
        `SELECT ${COLUMNS} FROM outbox WHERE state IN ('queued', 'sending') AND next_attempt_at <= ? ORDER BY seq LIMIT ?`,
      ),
      byStates: db.prepare<[string], Row>(
        `SELECT ${COLUMNS} FROM outbox WHERE state IN (SELECT value FROM json_each(?)) ORDER BY seq`,
      ),
      head: db.prepare<[number], Row>(
        `SELECT ${COLUMNS} FROM outbox WHERE state IN ('queued', 'sending') ORDER BY seq LIMIT ?`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(
        `SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state IN ('queued', 'sending')`,
      ),
      overlays: db.prepare<[string, string], Row>(
        `SELECT ${COLUMNS} FROM outbox WHERE target_kind = ? AND target_id = ? AND overlay IS NOT NULL
           AND state IN ('queued', 'sending', 'processing', 'done') ORDER BY seq`,
      ),
      setState: db.prepare<
        [OutboxState, string | null, string | null, number | null, number, string]
      >(
        `UPDATE outbox SET state = ?, error_code = ?, error_reason = ?, resulting_version = COALESCE(?, resulting_version), updated_at = ?
         WHERE idempotency_key = ?`,
      ),
      backoff: db.prepare<[number, number, string | null, string]>(
        `UPDATE outbox SET state = 'queued', attempts = attempts + 1, next_attempt_at = ?, updated_at = ?, error_reason = ? WHERE idempotency_key = ?`,
      ),
      clearOverlay: db.prepare<[number, string]>(
        `UPDATE outbox SET overlay = NULL, updated_at = ? WHERE idempotency_key = ?`,
      ),
      count: db.prepare<[], { state: OutboxState; n: number }>(
        `SELECT state, COUNT(*) AS n FROM outbox GROUP BY state`,
      ),
    };
  }

  /** Durably records a command and its overlay; returns the entry as stored. Throws if the key exists. */
  enqueue(command: Command, overlay: Overlay | null, now: number): OutboxEntry {
    this.s.insert.run(
      command.idempotencyKey,
      command.name,
      JSON.stringify(command),
      overlay?.kind ?? null,
      overlay?.id ?? null,
      overlay ? JSON.stringify(overlay) : null,
      now,
      now,
    );
    return this.mustGet(command.idempotencyKey);
  }

  get(key: string): OutboxEntry | undefined {
    const row = this.s.get.get(key);
    return row ? toEntry(row) : undefined;
  }

  mustGet(key: string): OutboxEntry {
    const entry = this.get(key);
    if (!entry) throw new Error(`No outbox entry ${key}`);
    return entry;
  }

  /** Entries ready to (re)send, oldest first. "sending" ones were interrupted by a crash or restart. */
  due(now: number, limit = 20): OutboxEntry[] {
    return this.s.due.all(now, limit).map(toEntry);
  }

  /**
   * The oldest unsent entries, due or not (the sender needs the ones not due yet
   * too: a later command on the same record must wait for them).
   */
  unsent(limit: number): OutboxEntry[] {
    return this.s.head.all(limit).map(toEntry);
  }

  /** When the next backed-off entry becomes due (null when nothing waits). */
  nextDueAt(): number | null {
    return this.s.nextDue.get()?.at ?? null;
  }

  inStates(states: readonly OutboxState[]): OutboxEntry[] {
    return this.s.byStates.all(JSON.stringify(states)).map(toEntry);
  }

  /** Overlays still to show over one record, in issue order. */
  overlaysFor(kind: string, id: string): OutboxEntry[] {
    return this.s.overlays.all(kind, id).map(toEntry);
  }

  setState(
    key: string,
    state: OutboxState,
    now: number,
    extra: { code?: string; reason?: string; resultingVersion?: number } = {},
  ): void {
    this.withoutFsync(() =>
      this.s.setState.run(
        state,
        extra.code ?? null,
        extra.reason ?? null,
        extra.resultingVersion ?? null,
        now,
        key,
      ),
    );
  }

  /** A transient failure: back to the queue, due again at `at`. */
  backOff(key: string, at: number, now: number, why: string | null): void {
    this.withoutFsync(() => this.s.backoff.run(at, now, why, key));
  }

  clearOverlay(key: string, now: number): void {
    this.withoutFsync(() => this.s.clearOverlay.run(now, key));
  }

  /**
   * State changes after "queued" are re-derivable: if one is lost to a power cut
   * the entry is simply sent again and the idempotency key returns the server's
   * first answer. So they skip the fsync that `enqueue` pays (the connection is
   * back to FULL before anything else can write).
   */
  private withoutFsync(write: () => unknown): void {
    if (this.db.inTransaction) {
      write();
      return;
    }
    this.db.pragma('synchronous = NORMAL');
    try {
      write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /**
   * Several state changes in one transaction without fsync (a batch's outcomes,
   * a feed page's command records): one commit instead of one per entry, and no
   * fsync, for the reason `withoutFsync` gives.
   */
  transactionWithoutFsync<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  counts(): Record<OutboxState, number> {
    const counts = Object.fromEntries(OUTBOX_STATES.map((s) => [s, 0])) as Record<
      OutboxState,
      number
    >;
    for (const { state, n } of this.s.count.all()) counts[state] = n;
    return counts;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
