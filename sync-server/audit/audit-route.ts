import type { ServerResponse } from 'node:http';
import { auditCsv, parseAuditQuery, searchAudit, type AuditEntry } from '../../domain/protocol';
import type { Principal } from '../auth';
import { HttpError, sendJson } from '../http';
import type { RecordStorePort } from '../records';

/**
 * GET /api/audit?customer=&order=&agent=&from=&to=&format=json|csv — supervisors only.
 * Reads every audit record and filters in memory: fine for a region's trail of weeks; an
 * indexed query per field is the next step if the trail grows (README says so).
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
    if (!['customer', 'order', 'agent', 'from', 'to', 'format'].includes(k))
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
  const query = parseAuditQuery(params);
  if (!query.ok) throw new HttpError(400, query.error.code, query.error.message);
  const entries = searchAudit(
    (await store.list<AuditEntry>('audit')).map((r) => r.body),
    query.value,
  );
  if (format === 'json') {
    sendJson(res, 200, { entries });
    return;
  }
  res
    .writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="fleetdesk-audit.csv"',
    })
    .end(auditCsv(entries));
}
