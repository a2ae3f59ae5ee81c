import type { ServerResponse } from 'node:http';
import { auditCsv, MAX_AUDIT_ROWS, parseAuditQuery } from '../../domain/protocol';
import type { Principal } from '../auth';
import { HttpError, sendJson } from '../http';
import type { AuditSearch, RecordStorePort } from '../records';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';

const PARAMETERS = ['customer', 'order', 'agent', 'from', 'to', 'format', 'limit', 'cursor'];

/**
 * GET /api/audit?customer=&order=&agent=&from=&to=&limit=&cursor=&format=json|csv —
 * supervisors only. One page, newest first, read through the store's audit indexes
 * (RecordStorePort.searchAudit): `limit` lines (1–5000, default 5000) after `cursor`. JSON
 * answers `{ entries, nextCursor }`; CSV the same page, with the next cursor in the
 * `fleetdesk-next-cursor` header. nextCursor is null (no header) on the last page.
 */
export async function auditRoute(
  res: ServerResponse,
  url: URL,
  principal: Principal,
  store: RecordStorePort,
): Promise<void> {
  if (principal.role !== 'supervisor')
    throw new HttpError(403, 'AUTH.FORBIDDEN', 'Only supervisors may read the audit trail.');
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (!PARAMETERS.includes(k))
      throw new HttpError(
        400,
        'AUDIT.BAD_PARAMETER',
        `Unknown parameter ${JSON.stringify(k.slice(0, 40))}.`,
      );
    params[k] = v;
  }
  const format = params['format'] ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new HttpError(400, 'AUDIT.BAD_PARAMETER', 'format must be json or csv.');
  const search = searchFrom(params);
  // One more than asked: whether it exists says if there is a next page.
  const found = await store.searchAudit({ ...search, limit: search.limit + 1 });
  const entries = found.slice(0, search.limit);
  const last = entries.at(-1);
  const nextCursor = found.length > search.limit && last ? encodeAuditCursor(last) : null;
  if (format === 'json') {
    sendJson(res, 200, { entries, nextCursor });
    return;
  }
  res
    .writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="fleetdesk-audit.csv"',
      ...(nextCursor ? { 'fleetdesk-next-cursor': nextCursor } : {}),
    })
    .end(auditCsv(entries));
}

function searchFrom(params: Record<string, string>): AuditSearch {
  const query = parseAuditQuery(params);
  if (!query.ok) throw new HttpError(400, query.error.code, query.error.message);
  const rawLimit = params['limit'];
  const limit = rawLimit === undefined ? MAX_AUDIT_ROWS : Number(rawLimit);
  if (
    rawLimit !== undefined &&
    (!/^\d{1,5}$/.test(rawLimit) || limit < 1 || limit > MAX_AUDIT_ROWS)
  )
    throw new HttpError(
      400,
      'AUDIT.BAD_PARAMETER',
      `limit must be a whole number from 1 to ${String(MAX_AUDIT_ROWS)}.`,
    );
  const rawCursor = params['cursor'];
  const before = rawCursor === undefined ? null : decodeAuditCursor(rawCursor);
  if (rawCursor !== undefined && before === null)
    throw new HttpError(
      400,
      'AUDIT.BAD_CURSOR',
      'That cursor is not valid; search again without one and follow nextCursor.',
    );
  return { query: query.value, before, limit };
}
