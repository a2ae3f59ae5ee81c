import type { Role } from '../../domain/protocol';

/** Who a connection is, as established by the token before the upgrade. */
export interface Principal {
  readonly userId: string;
  readonly role: Role;
  /** Epoch ms; the hub closes the socket with 4001 once this passes. */
  readonly expiresAt: number;
}

/** What a principal may do with one document: sync and edit, only receive, or nothing. */
export type DocAccess = 'write' | 'read' | 'none';

/** The three document families; anything else is not a document this server serves. */
export type DocKind = 'board' | 'dispatch' | 'status';

export interface ParsedDocName {
  readonly kind: DocKind;
  readonly region: string;
  /** yyyy-mm-dd for board and dispatch documents; absent for status documents. */
  readonly day?: string;
}

const REGION = '[a-z0-9-]{1,32}';
const DAY = '\\d{4}-\\d{2}-\\d{2}';
const DAILY_DOC = new RegExp(`^(board|dispatch)/(${REGION})/(${DAY})$`);
const STATUS_DOC = new RegExp(`^status/(${REGION})$`);

// The regex accepts 2024-02-31; a real calendar day keeps junk names out of the store.
const isCalendarDay = (day: string): boolean => {
  const [y, m, d] = day.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

/**
 * Parses a document name of the scheme `board/<region>/<yyyy-mm-dd>`,
 * `dispatch/<region>/<yyyy-mm-dd>` or `status/<region>` (region = [a-z0-9-]{1,32}).
 * Returns `null` for anything else; the hub answers those with 404 before the upgrade.
 */
export function parseDocName(docName: string): ParsedDocName | null {
  const daily = DAILY_DOC.exec(docName);
  if (daily !== null) {
    const [, kind, region, day] = daily;
    if (region === undefined || day === undefined || !isCalendarDay(day)) return null;
    return { kind: kind === 'board' ? 'board' : 'dispatch', region, day };
  }
  const status = STATUS_DOC.exec(docName);
  if (status?.[1] !== undefined) return { kind: 'status', region: status[1] };
  return null;
}

/** Whether `docName` is a document this server serves at all (else 404). */
export const isKnownDocName = (docName: string): boolean => parseDocName(docName) !== null;

/**
 * Default role matrix:
 *
 * | document                  | agent | fleet-manager | supervisor |
 * |---------------------------|-------|---------------|------------|
 * | board/<region>/<day>      | write | write         | write      |
 * | dispatch/<region>/<day>   | read  | write         | write      |
 * | status/<region>           | read  | read          | read       |
 *
 * `status/` documents are written only by the server (`YjsHub.serverTransact`). Unknown
 * names get `none`. Regions are not restricted per user here; a deployment that scopes
 * operators to regions wraps this function.
 */
export function defaultDocAccess(principal: Principal, docName: string): DocAccess {
  const parsed = parseDocName(docName);
  if (parsed === null) return 'none';
  switch (parsed.kind) {
    case 'board':
      return 'write';
    case 'dispatch':
      return principal.role === 'agent' ? 'read' : 'write';
    case 'status':
      return 'read';
  }
}
