import type { AuditPosition, AuditQuery } from '../../domain/protocol';

/*
 * The record stores' audit-trail queries (RecordStorePort.searchAudit / pruneAudit). Audit
 * lines are records of kind "audit" like any other (replicated through the feed, written in
 * the transaction of what they record); these two read and delete them through indexes on
 * the line's fields, so a search costs the page it returns, not the size of the trail.
 */

/** One page of a search: every given field must match, newest first (see AuditPosition). */
export interface AuditSearch {
  readonly query: AuditQuery;
  /** Only lines after this position in the trail's order: the last line of the previous page. */
  readonly before: AuditPosition | null;
  /** Positive integer; callers bound it (MAX_AUDIT_ROWS). */
  readonly limit: number;
}

/** What one `pruneAudit` call may remove. */
export interface AuditRetention {
  /** Lines whose `at` is before this instant (ms since the epoch) go. */
  readonly before: number;
  /** Upper bound on lines removed by this call (a positive integer): one short write. */
  readonly maxEntries: number;
}

export interface AuditPruneResult {
  readonly pruned: number;
  /** True when `maxEntries` stopped this call and older lines remain: call again. */
  readonly more: boolean;
}

/** Why `search` or `retention` is unusable, or null (returned so callers can reject). */
export function auditArgumentError(
  input: { readonly limit: number } | { readonly maxEntries: number },
): RangeError | null {
  const [name, n] = 'limit' in input ? ['limit', input.limit] : ['maxEntries', input.maxEntries];
  return Number.isSafeInteger(n) && n >= 1
    ? null
    : new RangeError(`${name} must be a positive integer, got ${String(n)}`);
}
