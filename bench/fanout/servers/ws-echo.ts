/**
 * Floor: a raw `ws` relay. Every binary frame a socket sends is forwarded, untouched, to the
 * other sockets of the same room (room = URL path). No Yjs, no auth, no state: what is left is
 * the cost of the sockets themselves and of the clients' own Yjs decoding.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { announce, exitWhenTold, listenLocal, run } from './common';

run(async () => {
  const rooms = new Map<string, Set<WebSocket>>();
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, room: string) => {
    let members = rooms.get(room);
    if (members === undefined) {
      members = new Set();
      rooms.set(room, members);
    }
    const peers = members;
    peers.add(ws);
    ws.on('message', (data, isBinary) => {
      for (const peer of peers) {
        if (peer !== ws && peer.readyState === peer.OPEN) peer.send(data, { binary: isBinary });
      }
    });
    ws.on('close', () => {
      peers.delete(ws);
      if (peers.size === 0) rooms.delete(room);
    });
  });
  http.on('upgrade', (req, socket, head) => {
    const room = new URL(req.url ?? '/', 'http://localhost').pathname;
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, room);
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
