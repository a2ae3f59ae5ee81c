/**
 * Peer: the reference y-websocket server (`@y/websocket-server`), stock `setupWSConnection` on a
 * plain http + ws server. In-memory only: no persistence (YPERSISTENCE is unset, so its optional
 * LevelDB adapter is never loaded into use), no auth, no validation beyond what Yjs does.
 */
import { setupWSConnection } from '@y/websocket-server/utils';
import { run, serveWebSockets } from './common';

run(async () => {
  if (process.env['YPERSISTENCE'] !== undefined)
    throw new Error('unset YPERSISTENCE: the bench runs y-websocket in memory');
  // Document name = URL path without the leading '/' (the library's own default).
  await serveWebSockets((ws, req) => {
    setupWSConnection(ws, req);
  });
});
