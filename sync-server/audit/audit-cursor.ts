import type { AuditPosition } from '../../domain/protocol';

/*
 * The `cursor` of GET /api/audit: the position of the last line of a page (see AuditPosition),
 * as base64url JSON so ids with '#' and ':' travel in a query string untouched. Opaque to
 * clients; one that does not decode is the client's mistake (400), never a server error.
 */

export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position in `cursor`, or null when it is not one this server issued. */
export function decodeAuditCursor(cursor: string): AuditPosition | null {
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [at, id] = value as unknown[];
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return null;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return null;
  return { at, id };
}
