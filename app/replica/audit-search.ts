import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { AuditEntry, AuditQuery } from '../../domain/protocol';
import type { ReadableDb } from './db-handles';

/*
 * A supervisor's search over the replicated audit trail (records of kind "audit"), through
 * the partial indexes of replica migration 9: one index range, newest first, stopped by the
 * limit — so a keystroke in the search box costs the rows it shows, not the whole trail.
 * The server's stores run the same query shape (sync-server/records/audit-sql.ts).
 */

/** Id fields, most selective first, with the index that leads with each. */
const FIELDS = [
  ['deliveryId', 'order'],
  ['customerId', 'customer'],
  ['userId', 'agent'],
] as const;
const AT = "json_extract(body, '$.at')";

export class AuditSearch {
  readonly #statements = new Map<string, Statement<unknown[], { body: string }>>();

  constructor(private readonly db: ReadableDb) {}

  /** Lines matching every given field, newest first (at, then id, descending), at most `limit`. */
  search(query: AuditQuery, limit: number): AuditEntry[] {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
    const where = ["kind = 'audit'"];
    const params: unknown[] = [];
    for (const [field] of FIELDS) {
      const value = query[field];
      if (value === undefined) continue;
      where.push(`json_extract(body, '$.${field}') = ?`);
      params.push(value);
    }
    if (query.from !== undefined) {
      where.push(`${AT} >= ?`);
      params.push(query.from);
    }
    if (query.to !== undefined) {
      where.push(`${AT} <= ?`);
      params.push(query.to);
    }
    // Pinned: without statistics SQLite would take the (kind, id) unique index and sort.
    const lead = FIELDS.find(([field]) => query[field] !== undefined)?.[1] ?? 'at';
    const sql = `SELECT body FROM records INDEXED BY records_audit_${lead}
      WHERE ${where.join(' AND ')} ORDER BY ${AT} DESC, id DESC LIMIT ?`;
    return this.#statement(sql)
      .all(...params, limit)
      .map((r) => JSON.parse(r.body) as AuditEntry);
  }

  /** At most 2^5 shapes of query: each is prepared once. */
  #statement(sql: string): Statement<unknown[], { body: string }> {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[], { body: string }>(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}
