/**
 * Durable peer: the reference y-websocket server (`@y/websocket-server`) with its own optional
 * persistence, y-leveldb, switched on the stock way (YPERSISTENCE=<dir>, read when its utils
 * module loads). Stock behaviour: each update is applied, broadcast, and handed to LevelDB
 * (`storeUpdate`, not awaited): stored after broadcast, not before as fleetdesk does. No auth.
 *
 *   YPERSISTENCE=<dir> node --import tsx bench/fanout/servers/y-websocket-leveldb.ts
 */
import { run, serveWebSockets } from './common';

run(async () => {
  if (!process.env['YPERSISTENCE'])
    throw new Error('set YPERSISTENCE=<dir>: this peer persists to y-leveldb');
  // After the check: the module reads YPERSISTENCE once, when it loads.
  const { setupWSConnection } = await import('@y/websocket-server/utils');
  await serveWebSockets((ws, req) => {
    setupWSConnection(ws, req);
  });
});
