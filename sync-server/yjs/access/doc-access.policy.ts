import { docAccessFor, type DocAccess } from '../../../domain/protocol';
import type { Principal } from '../../auth';

/** Who a connection is: the principal its token proved before the upgrade. */
export type { Principal } from '../../auth';

/** What a principal may do with one document: sync and edit, only receive, or nothing. */
export type { DocAccess } from '../../../domain/protocol';

/** Whether `docName` is a document this server serves at all (else 404). */
export { isDocName as isKnownDocName, parseDocName } from '../../../domain/protocol';
export type { DocKind, ParsedDocName } from '../../../domain/protocol';

/**
 * Default access: the role matrix of `docAccessFor` (domain/protocol/doc-names.ts), the same
 * one desks use. Regions are not restricted per user here; a deployment that scopes operators
 * to regions wraps this function.
 */
export function defaultDocAccess(principal: Principal, docName: string): DocAccess {
  return docAccessFor(principal.role, docName);
}
