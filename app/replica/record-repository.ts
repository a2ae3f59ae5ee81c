import type { AuditEntry, AuditQuery } from '../../domain/protocol';
import type { RecordView } from '../contract';
import { AuditSearch } from './audit-search';
import type { ReadableDb, WritableDb } from './replica-db';

/** One authoritative record as replicated from the server's change feed (its wire form is the contract's). */
export type ReplicaRecord<Body = unknown> = RecordView<Body>;

type WritableRecord = Pick<ReplicaRecord, 'kind' | 'id' | 'version' | 'seq' | 'body'>;

interface Row {
  kind: string;
  id: string;
  version: number;
  seq: number;
  body: string;
}

const parse = <B>(r: Row): ReplicaRecord<B> => ({
  kind: r.kind,
  id: r.id,
  version: r.version,
  seq: r.seq,
  body: JSON.parse(r.body) as B,
});

/**
 * Writes replicated records. Idempotent by version: a record is replaced only
 * by a strictly newer version, so replays, overlapping pages and out-of-order
 * deliveries of the same change are harmless.
 */
export class RecordWriter {
  private readonly upsert;

  constructor(private readonly db: WritableDb) {
    this.upsert = db.prepare<[string, string, number, number, string]>(
      `INSERT INTO records (kind, id, version, seq, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, seq = excluded.seq, body = excluded.body
       WHERE excluded.version > records.version`,
    );
  }

  /** Applies a batch in one transaction; returns how many records changed. */
  applyBatch(records: readonly WritableRecord[]): number {
    return this.db.transaction(() => {
      let changed = 0;
      for (const r of records) changed += this.apply(r);
      return changed;
    })();
  }

  /** Applies one record inside the caller's transaction; returns 1 if it changed. */
  apply(r: WritableRecord): number {
    return this.upsert.run(r.kind, r.id, r.version, r.seq, JSON.stringify(r.body)).changes;
  }
}

/** Reads replicated records (works on the read-only connection too). */
export class RecordReader {
  private readonly byId;
  private readonly byKind;
  private readonly byCustomer;
  private readonly paymentByDelivery;
  readonly #audit: AuditSearch;

  constructor(db: ReadableDb) {
    this.#audit = new AuditSearch(db);
    this.byId = db.prepare<[string, string], Row>(
      'SELECT kind, id, version, seq, body FROM records WHERE kind = ? AND id = ?',
    );
    this.byKind = db.prepare<[string, number], Row>(
      'SELECT kind, id, version, seq, body FROM records WHERE kind = ? ORDER BY id LIMIT ?',
    );
    this.byCustomer = db.prepare<[string, string], Row>(
      `SELECT kind, id, version, seq, body FROM records
       WHERE kind IN ('delivery', 'payment') AND json_extract(body, '$.customerId') = ? AND kind = ? ORDER BY id DESC`,
    );
    this.paymentByDelivery = db.prepare<[string], Row>(
      `SELECT kind, id, version, seq, body FROM records WHERE kind = 'payment' AND json_extract(body, '$.deliveryId') = ?`,
    );
  }

  get<B>(kind: string, id: string): ReplicaRecord<B> | undefined {
    const row = this.byId.get(kind, id);
    return row ? parse<B>(row) : undefined;
  }

  list<B>(kind: string, limit = 10_000): ReplicaRecord<B>[] {
    return this.byKind.all(kind, limit).map((r) => parse<B>(r));
  }

  deliveriesOf<B>(customerId: string): ReplicaRecord<B>[] {
    return this.byCustomer.all(customerId, 'delivery').map((r) => parse<B>(r));
  }

  /** Replicated audit lines matching `query`, newest first, at most `limit` (see AuditSearch). */
  searchAudit(query: AuditQuery, limit: number): AuditEntry[] {
    return this.#audit.search(query, limit);
  }

  paymentOf<B>(deliveryId: string): ReplicaRecord<B> | undefined {
    const row = this.paymentByDelivery.get(deliveryId);
    return row ? parse<B>(row) : undefined;
  }
}
