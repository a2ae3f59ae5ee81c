import { err, ok, type Result } from '../shared';
import type { Role } from './roles';

/**
 * One line of the audit trail, written by the server in the same transaction as what it
 * records (record kind "audit", replicated to supervisors only): a command as received, or
 * one gateway step of the payment work a command started. Ids only — names are looked up by
 * whoever shows it; never a card number (methods are tokens, reasons are checked for card data).
 */
export interface AuditEntry {
  readonly id: string;
  readonly event: 'command' | 'gateway-step';
  /** Server time of the event (for a command: when the server accepted it). */
  readonly at: number;
  readonly commandKey: string;
  readonly command: string;
  readonly userId: string;
  readonly role: Role;
  readonly desktopId: string;
  /** When the operator issued it on their desk (maybe hours earlier, offline). */
  readonly issuedAt: number;
  /** When the server received and applied it. */
  readonly acceptedAt: number;
  /** accepted / processing / rejected for a command; the step reached for a gateway step. */
  readonly outcome: string;
  readonly code: string | null;
  /** A readable detail: the reason written, the drone assigned, the step's result. */
  readonly detail: string | null;
  readonly customerId: string | null;
  readonly deliveryId: string | null;
  readonly paymentId: string | null;
}

/** Search: every given field must match (ids exactly, times inclusive, epoch ms). */
export interface AuditQuery {
  readonly customerId?: string;
  readonly deliveryId?: string;
  readonly userId?: string;
  readonly from?: number;
  readonly to?: number;
}

export const MAX_AUDIT_ROWS = 5000;

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/;

/** Validates search parameters from an untrusted source (query string, UI). */
export function parseAuditQuery(
  raw: Readonly<Record<string, string | undefined>>,
): Result<AuditQuery> {
  const q: { -readonly [K in keyof AuditQuery]: AuditQuery[K] } = {};
  for (const [field, name] of [
    ['customerId', 'customer'],
    ['deliveryId', 'order'],
    ['userId', 'agent'],
  ] as const) {
    const v = raw[name];
    if (v === undefined || v === '') continue;
    if (!ID.test(v))
      return err('AUDIT.BAD_PARAMETER', `${name} must be an id (letters, digits, - _ . :).`);
    q[field] = v;
  }
  for (const name of ['from', 'to'] as const) {
    const v = raw[name];
    if (v === undefined || v === '') continue;
    const n = Number(v);
    if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(n))
      return err('AUDIT.BAD_PARAMETER', `${name} must be a time in epoch milliseconds.`);
    q[name] = n;
  }
  if (q.from !== undefined && q.to !== undefined && q.from > q.to)
    return err('AUDIT.BAD_PARAMETER', 'from must not be after to.');
  return ok(q);
}

export function matchesAudit(e: AuditEntry, q: AuditQuery): boolean {
  return (
    (q.customerId === undefined || e.customerId === q.customerId) &&
    (q.deliveryId === undefined || e.deliveryId === q.deliveryId) &&
    (q.userId === undefined || e.userId === q.userId) &&
    (q.from === undefined || e.at >= q.from) &&
    (q.to === undefined || e.at <= q.to)
  );
}

/**
 * Where a page of the trail ended: the next page holds only lines strictly older in the
 * trail's order (newest first: `at` descending, then `id` descending, so lines of the same
 * millisecond still have one stable order and paging neither repeats nor skips one).
 */
export interface AuditPosition {
  readonly at: number;
  readonly id: string;
}

/** Sort comparator of the trail's order (see AuditPosition). */
export function newestFirst(a: AuditPosition, b: AuditPosition): number {
  return b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** True when `e` comes after `position` in the trail's order (belongs to the next page). */
export function isAfterPosition(e: AuditPosition, position: AuditPosition): boolean {
  return newestFirst(position, e) < 0;
}

/**
 * The reference search, over lines already in memory (the in-memory record store; the
 * SQLite and PostgreSQL stores run the same query on their indexes): newest first, after
 * `before` when given, at most `limit` (default MAX_AUDIT_ROWS).
 */
export function searchAudit(
  entries: Iterable<AuditEntry>,
  q: AuditQuery,
  page: { readonly before?: AuditPosition | null; readonly limit?: number } = {},
): AuditEntry[] {
  const hits: AuditEntry[] = [];
  const before = page.before ?? null;
  for (const e of entries)
    if (matchesAudit(e, q) && (before === null || isAfterPosition(e, before))) hits.push(e);
  hits.sort(newestFirst);
  return hits.slice(0, page.limit ?? MAX_AUDIT_ROWS);
}

/** UTC ISO-8601 of epoch ms, without Date (the domain has no clock; this is arithmetic). */
export function isoUtc(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const rest = ms - days * 86_400_000;
  // Howard Hinnant's civil_from_days.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const h = Math.floor(rest / 3_600_000);
  const min = Math.floor((rest % 3_600_000) / 60_000);
  const s = Math.floor((rest % 60_000) / 1000);
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(h)}:${p(min)}:${p(s)}.${p(rest % 1000, 3)}Z`;
}

const CSV_COLUMNS = [
  'at',
  'event',
  'command',
  'outcome',
  'code',
  'detail',
  'user',
  'role',
  'desk',
  'issued_at',
  'accepted_at',
  'customer',
  'order',
  'payment',
  'command_key',
] as const;

/** RFC 4180 quoting; a cell starting with = + - @ is prefixed with ' so a spreadsheet never runs it. */
function cell(v: string | null): string {
  const s = v ?? '';
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) =>
    [
      isoUtc(e.at),
      e.event,
      e.command,
      e.outcome,
      e.code,
      e.detail,
      e.userId,
      e.role,
      e.desktopId,
      isoUtc(e.issuedAt),
      isoUtc(e.acceptedAt),
      e.customerId,
      e.deliveryId,
      e.paymentId,
      e.commandKey,
    ]
      .map(cell)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
