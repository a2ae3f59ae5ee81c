/**
 * Durable peer: the reference y-websocket server (`@y/websocket-server`) with its own optional
 * persistence, y-leveldb, switched on the stock way (YPERSISTENCE=<dir>, read when its utils
 * module loads). Stock behaviour: each update is applied, broadcast, and handed to LevelDB
 * (`storeUpdate`, not awaited): stored after broadcast, not before as fleetdesk does. No auth.
 *
 *   YPERSISTENCE=<dir> node --import tsx bench/fanout/servers/y-websocket-leveldb.ts
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { announce, exitWhenTold, listenLocal, run } from './common';

run(async () => {
  if (!process.env['YPERSISTENCE'])
    throw new Error('set YPERSISTENCE=<dir>: this peer persists to y-leveldb');
  // After the check: the module reads YPERSISTENCE once, when it loads.
  const { setupWSConnection } = await import('@y/websocket-server/utils');
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, req) => {
    setupWSConnection(ws, req);
  });
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, req);
    });
  });
  const port = await listenLocal(http);
  exitWhenTold(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => {
      http.close(() => {
        resolve();
      });
    });
  });
  announce(port);
});
