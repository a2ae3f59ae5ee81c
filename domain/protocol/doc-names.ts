/**
 * Names of the collaborative (Yjs) documents, defined once for the desks that open them and
 * the sync server that serves them (see sync-server/yjs/README.md):
 *
 *   board/<region>/<yyyy-mm-dd>     notes, flags, claims, checklists of the day's deliveries
 *   dispatch/<region>/<yyyy-mm-dd>  the day's dispatch plan
 *   status/<region>                 the server-written region status (region-status.ts)
 *
 * region = [a-z0-9-]{1,32}; the day is a real calendar day. Any other name is not a document:
 * the server answers it with 404 before the upgrade, a desk refuses to open it.
 */

import type { Role } from './roles';

/** The three document families. */
export type DocKind = 'board' | 'dispatch' | 'status';

export interface ParsedDocName {
  readonly kind: DocKind;
  readonly region: string;
  /** yyyy-mm-dd for board and dispatch documents; absent for status documents. */
  readonly day?: string;
}

const REGION = '[a-z0-9-]{1,32}';
const DAILY_DOC = new RegExp(`^(board|dispatch)/(${REGION})/(\\d{4})-(\\d{2})-(\\d{2})$`);
const STATUS_DOC = new RegExp(`^status/(${REGION})$`);

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y: number, m: number): number =>
  m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/**
 * The regex accepts 2024-02-31; a real calendar day keeps junk names out of the store.
 * Years below 100 are refused, as they always were (JavaScript dates read them as 19xx).
 */
const isCalendarDay = (y: number, m: number, d: number): boolean =>
  y >= 100 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);

/** Parses a document name; null for anything that is not one. */
export function parseDocName(docName: string): ParsedDocName | null {
  const daily = DAILY_DOC.exec(docName);
  if (daily !== null) {
    const [, kind, region, y, m, d] = daily;
    if (region === undefined || y === undefined || m === undefined || d === undefined) return null;
    if (!isCalendarDay(Number(y), Number(m), Number(d))) return null;
    return { kind: kind === 'board' ? 'board' : 'dispatch', region, day: `${y}-${m}-${d}` };
  }
  const status = STATUS_DOC.exec(docName);
  if (status?.[1] !== undefined) return { kind: 'status', region: status[1] };
  return null;
}

/** Whether `docName` names a collaborative document at all. */
export const isDocName = (docName: string): boolean => parseDocName(docName) !== null;

/** The board of a region for one day (`day` = yyyy-mm-dd, UTC). */
export const boardDocName = (region: string, day: string): string => `board/${region}/${day}`;

/** What a role may do with one document: sync and edit, only receive, or nothing. */
export type DocAccess = 'write' | 'read' | 'none';

/**
 * The role matrix, defined once: the server enforces it (sync-server/yjs/access) and a desk
 * uses it to open, after a sign-in, only the documents its operator may upload to.
 *
 * | document                  | agent | fleet-manager | supervisor |
 * |---------------------------|-------|---------------|------------|
 * | board/<region>/<day>      | write | write         | write      |
 * | dispatch/<region>/<day>   | read  | write         | write      |
 * | status/<region>           | read  | read          | read       |
 *
 * `status/` documents are written only by the server. Unknown names get `none`.
 */
export function docAccessFor(role: Role, docName: string): DocAccess {
  const parsed = parseDocName(docName);
  if (parsed === null) return 'none';
  switch (parsed.kind) {
    case 'board':
      return 'write';
    case 'dispatch':
      return role === 'agent' ? 'read' : 'write';
    case 'status':
      return 'read';
  }
}
