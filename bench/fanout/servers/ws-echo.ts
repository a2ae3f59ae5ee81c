/**
 * Floor: a raw `ws` relay. Every binary frame a socket sends is forwarded, untouched, to the
 * other sockets of the same room (room = URL path). No Yjs, no auth, no state: what is left is
 * the cost of the sockets themselves and of the clients' own Yjs decoding.
 */
import type { WebSocket } from 'ws';
import { run, serveWebSockets } from './common';

run(async () => {
  const rooms = new Map<string, Set<WebSocket>>();
  await serveWebSockets((ws, req) => {
    const room = new URL(req.url ?? '/', 'http://localhost').pathname;
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
});
