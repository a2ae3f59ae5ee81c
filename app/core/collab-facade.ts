import type { DeliverySnapshot } from '../../domain/shipping';
import { boardDocName, docAccessFor, type Note, type Role } from '../../domain/protocol';
import type { Result } from '../../domain/shared';
import {
  addNote,
  CollabDocs,
  observeAlertAcks,
  observeDelivery,
  readBoardView,
  RegionStatusWatch,
  type BoardView,
  type CollabDoc,
  type WatchedRegionStatus,
} from '../collab';
import type { RecordReader, WritableDb } from '../replica';
import type { CollabFacade } from './operator-handlers';

/** What the core hands the collaborative-documents module. */
export interface CollabContext {
  readonly db: WritableDb;
  readonly serverUrl: string;
  /** Several sync servers: see CollabDocsOptions.servers. */
  readonly servers?: { current(): string; failed(url: string): void };
  readonly token: () => string | null;
  /** A socket was closed for a revocation (4003): see CollabDocsOptions.tokenRefused. */
  readonly tokenRefused?: () => void;
  readonly onStatus: (
    docName: string,
    patch: {
      state: 'online' | 'offline' | 'degraded';
      lastConfirmedAt?: number | null;
      pending?: number;
    },
  ) => void;
  readonly onChanged: (deliveryId: string) => void;
  /** The region's status document changed (content, live, or age). */
  readonly onRegionStatus: (status: WatchedRegionStatus) => void;
  /** An alert acknowledgement changed in today's dispatch document (any desk). */
  readonly onAlertAcks?: () => void;
  /** Every document was closed (sign-out): forget their statuses. */
  readonly onDocumentsClosed?: () => void;
}

/**
 * Which shared board a delivery's notes live on: the region's board for the day
 * its delivery window opens (documents are coarse, one per region and day, so a
 * desktop holds few sockets). Deterministic, so every desktop picks the same one.
 */
export function boardFor(region: string, delivery: DeliverySnapshot): string {
  return boardDocName(region, new Date(delivery.window.start).toISOString().slice(0, 10));
}

/** The region's dispatch document of the (UTC) day of `at`: fleet managers' shared desk state. */
export function dispatchDocFor(region: string, at: number): string {
  return `dispatch/${region}/${new Date(at).toISOString().slice(0, 10)}`;
}

/** The operator API's view of the collaborative documents (notes, flags, claims, checklists). */
export function createCollabFacade(
  ctx: CollabContext,
  reader: RecordReader,
  region: string,
): CollabFacade & {
  close(): void;
  resume(role: Role): void;
  suspend(): void;
  regionStatus(): WatchedRegionStatus | null;
} {
  const docs = new CollabDocs({
    db: ctx.db,
    serverUrl: ctx.serverUrl,
    ...(ctx.servers ? { servers: ctx.servers } : {}),
    getToken: () => ctx.token() ?? '',
    ...(ctx.tokenRefused ? { tokenRefused: ctx.tokenRefused } : {}),
  });
  const watched = new Set<string>();
  const watchedDispatch = new Set<string>();
  const regionStatus = new RegionStatusWatch({
    docs,
    db: ctx.db,
    region,
    now: Date.now,
    changed: ctx.onRegionStatus,
  });
  /** The signed-in operator's role (from resume); null while signed out. */
  let role: Role | null = null;
  docs.onStatus((name, s) => {
    // Read-only is a loss only where this operator's role should write (docAccessFor): an agent
    // reading the dispatch document, or anyone the status document, is as designed.
    const limited = s.access === 'read' && role !== null && docAccessFor(role, name) === 'write';
    ctx.onStatus(name, {
      state: s.state === 'online' ? (limited ? 'degraded' : 'online') : 'offline',
      lastConfirmedAt: s.lastSyncedAt,
      pending: s.pendingLocalUpdates ? 1 : 0,
    });
  });
  const docOf = (deliveryId: string): CollabDoc | null => {
    const delivery = reader.get<DeliverySnapshot>('delivery', deliveryId);
    if (!delivery) return null;
    const doc = docs.open(boardFor(region, delivery.body));
    if (!watched.has(deliveryId)) {
      watched.add(deliveryId);
      observeDelivery(doc, deliveryId, () => ctx.onChanged(deliveryId));
    }
    return doc;
  };
  return {
    board: docOf,
    dispatchDoc(at) {
      const name = dispatchDocFor(region, at);
      const doc = docs.open(name);
      if (!watchedDispatch.has(name)) {
        watchedDispatch.add(name);
        observeAlertAcks(doc, () => ctx.onAlertAcks?.());
      }
      return doc;
    },
    addNote(deliveryId, author, text, at): Result<Note> {
      const doc = docOf(deliveryId);
      if (!doc)
        return {
          ok: false,
          error: { code: 'DELIVERY.NOT_FOUND', message: 'That delivery is not on this desktop.' },
        };
      return addNote(doc, deliveryId, author, text, at);
    },
    get(deliveryId): BoardView | null {
      const doc = docOf(deliveryId);
      return doc ? readBoardView(doc, deliveryId) : null;
    },
    /**
     * Signed in (again): use the current token, upload edits made offline that this role may
     * upload, follow the status.
     */
    resume: (signedIn) => {
      role = signedIn;
      docs.tokenChanged();
      docs.openUnconfirmed((name) => docAccessFor(signedIn, name) === 'write');
      regionStatus.start();
    },
    /**
     * Signed out: close every document, so none reconnects with the next operator's token (an
     * agent after a fleet manager would be read-only on the dispatch document and the desk
     * would read "Degraded" with nothing to show for it).
     */
    suspend: () => {
      role = null;
      regionStatus.stop();
      docs.closeAll();
      watched.clear();
      watchedDispatch.clear();
      ctx.onDocumentsClosed?.();
    },
    regionStatus: () => regionStatus.current(),
    close: () => {
      regionStatus.stop();
      docs.close();
    },
  };
}
