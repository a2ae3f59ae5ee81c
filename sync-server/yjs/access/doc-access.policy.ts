import { parseDocName } from '../../../domain/protocol';
import type { Principal } from '../../auth';

/** Who a connection is: the principal its token proved before the upgrade. */
export type { Principal } from '../../auth';

/** What a principal may do with one document: sync and edit, only receive, or nothing. */
export type DocAccess = 'write' | 'read' | 'none';

/** Whether `docName` is a document this server serves at all (else 404). */
export { isDocName as isKnownDocName, parseDocName } from '../../../domain/protocol';
export type { DocKind, ParsedDocName } from '../../../domain/protocol';

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
