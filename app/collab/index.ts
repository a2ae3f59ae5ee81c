/**
 * Collaborative delivery state (path 3 of the design): Yjs documents persisted in the
 * profile's SQLite file and synced with the sync server, plus the typed board model the
 * operator API uses. Y types stay inside this folder except CollabDoc.ydoc.
 */
export { CollabDocs, type CollabDocsOptions } from './collab-docs';
export type { CollabDoc, CollabErrorContext } from './collab-doc';
export type { DocSyncStatus } from './doc-sync-tracker';
export { isDocName, yjsEndpoint } from './doc-name';
export {
  RegionStatusWatch,
  type RegionStatusWatchDeps,
  type WatchedRegionStatus,
} from './region-status-watch';
export {
  addChecklistItem,
  addNote,
  claim,
  MAX_CHECKLIST_LABEL,
  observeDelivery,
  readDeliveryState,
  releaseClaim,
  setFlag,
  toggleChecklistItem,
  type BoardDoc,
} from './board-model';
export { LOCAL_ORIGIN } from './transaction-origins';
export { readBoardView, setFlagMarked, type BoardView, type Mark } from './board-marks';
export {
  acknowledgeAlert,
  MAX_ACK_REASON,
  MIN_ACK_REASON,
  observeAlertAcks,
  readAlertAcks,
  readAlertAcksAcross,
  type AlertAck,
} from './alert-acks';
