import type { AuditQuery } from '../../domain/protocol';
import type { AuditSearch } from './audit-trail.port';

/*
 * The audit-trail SQL both record stores run, written once. Each store names how it reads a
 * field out of a record's JSON body; the same expressions appear in its index definitions
 * (SQLite migration 4, postgres-schema.ts), because an expression index is only used for a
 * query that repeats its expression. Every index is partial (kind = 'audit', a literal: a
 * bound parameter would not let the planner prove the index applies) and ends in (at, id),
 * so a filtered page is one index range read backwards, and LIMIT stops it early.
 *
 * Filters are added only when given, rather than `(? IS NULL OR field = ?)`: neither SQLite
 * nor PostgreSQL's generic plans pick an index through such an OR.
 */

/** How a store's SQL reads the searchable fields of an audit line's body. */
export interface AuditSqlDialect {
  readonly customerId: string;
  readonly deliveryId: string;
  readonly userId: string;
  /** The line's time as an integer (ms since the epoch). */
  readonly at: string;
  /** The n-th (1-based) bound parameter. */
  param(n: number): string;
  /** What follows the table name to pin the index (named by auditIndexColumns' keys). */
  indexHint(name: string): string;
}

/** Searchable id fields, most selective first, with the index that leads with each. */
const INDEX_OF = { deliveryId: 'order', customerId: 'customer', userId: 'agent' } as const;
const FIELDS = [
  'deliveryId',
  'customerId',
  'userId',
] as const satisfies readonly (keyof AuditQuery & keyof AuditSqlDialect)[];

export const SQLITE_AUDIT: AuditSqlDialect = {
  customerId: "json_extract(body, '$.customerId')",
  deliveryId: "json_extract(body, '$.deliveryId')",
  userId: "json_extract(body, '$.userId')",
  at: "json_extract(body, '$.at')",
  param: () => '?',
  // Pinned: without statistics SQLite prefers the primary key's (kind = 'audit') prefix and
  // sorts every audit line (measured: the plan says "USE TEMP B-TREE FOR ORDER BY").
  indexHint: (name) => `INDEXED BY records_audit_${name}`,
};

// text -> json and ->> are immutable, so PostgreSQL indexes them; bodies stay byte-exact text.
export const POSTGRES_AUDIT: AuditSqlDialect = {
  customerId: "(body::json ->> 'customerId')",
  deliveryId: "(body::json ->> 'deliveryId')",
  userId: "(body::json ->> 'userId')",
  at: "((body::json ->> 'at')::bigint)",
  param: (n) => `$${String(n)}`,
  // PostgreSQL has no hints; its statistics pick the index (see postgres-record-store.test.ts).
  indexHint: () => '',
};

/** The index definitions (column lists) matching the queries below, by index name suffix. */
export function auditIndexColumns(d: AuditSqlDialect): Readonly<Record<string, string>> {
  return {
    at: `${d.at}, id`,
    customer: `${d.customerId}, ${d.at}, id`,
    order: `${d.deliveryId}, ${d.at}, id`,
    agent: `${d.userId}, ${d.at}, id`,
  };
}

/** SELECT body of one search page, newest first; `params` in placeholder order. */
export function auditSearchSql(
  d: AuditSqlDialect,
  table: string,
  search: AuditSearch,
): { readonly sql: string; readonly params: unknown[] } {
  const where = ["kind = 'audit'"];
  const params: unknown[] = [];
  const next = (value: unknown): string => {
    params.push(value);
    return d.param(params.length);
  };
  const q = search.query;
  for (const field of FIELDS) {
    const value = q[field];
    if (value !== undefined) where.push(`${d[field]} = ${next(value)}`);
  }
  if (q.from !== undefined) where.push(`${d.at} >= ${next(q.from)}`);
  if (q.to !== undefined) where.push(`${d.at} <= ${next(q.to)}`);
  if (search.before)
    where.push(`(${d.at}, id) < (${next(search.before.at)}, ${next(search.before.id)})`);
  const limit = next(search.limit);
  // An order has a handful of lines, a customer dozens, an agent thousands.
  const lead = FIELDS.find((f) => q[f] !== undefined);
  const hint = d.indexHint(lead ? INDEX_OF[lead] : 'at');
  return {
    sql: `SELECT body FROM ${table} ${hint} WHERE ${where.join(' AND ')}
          ORDER BY ${d.at} DESC, id DESC LIMIT ${limit}`,
    params,
  };
}

/** The ids of the oldest lines before a cutoff ($1 / first ?), at most the limit (second). */
export function auditPruneCandidatesSql(d: AuditSqlDialect, table: string): string {
  return `SELECT id FROM ${table} WHERE kind = 'audit' AND ${d.at} < ${d.param(1)}
          ORDER BY ${d.at}, id LIMIT ${d.param(2)}`;
}
