/**
 * Peer: the reference y-websocket server (`@y/websocket-server`), stock `setupWSConnection` on a
 * plain http + ws server. In-memory only: no persistence (YPERSISTENCE is unset, so its optional
 * LevelDB adapter is never loaded into use), no auth, no validation beyond what Yjs does.
 */
import { createServer } from 'node:http';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';
import { announce, exitWhenTold, listenLocal, run } from './common';

run(async () => {
  if (process.env['YPERSISTENCE'] !== undefined)
    throw new Error('unset YPERSISTENCE: the bench runs y-websocket in memory');
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, req) => {
    // Document name = URL path without the leading '/' (the library's own default).
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
