/**
 * Transaction origins (as Hocuspocus tags them), so every 'update' handler can tell where a
 * change came from:
 * - RESTORE_ORIGIN: replay of the local SQLite log at open. Never persisted again.
 * - LOCAL_ORIGIN: an edit made through the board model on this desktop.
 * - the WebsocketProvider instance itself: an update received from the server.
 * Any other origin (a caller writing to the Y.Doc directly) counts as a local edit too.
 */
export const RESTORE_ORIGIN: unique symbol = Symbol('fleetdesk:collab:restore');
export const LOCAL_ORIGIN: unique symbol = Symbol('fleetdesk:collab:local');
