/**
 * Shared by the peer launchers (each runs as its own child process of bench/fanout/run.ts).
 * Contract with the orchestrator: print one line `bench-server listening http://127.0.0.1:<port>`
 * once accepting connections; exit on SIGTERM/SIGINT, or when stdin closes (the orchestrator
 * died), so no launcher outlives the benchmark.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export function announce(port: number): void {
  console.log(`bench-server listening http://127.0.0.1:${port}`);
}

export async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Calls `stop` (bounded by 3 s) and exits on SIGTERM, SIGINT or end of stdin. */
export function exitWhenTold(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}

/** Entry-point wrapper: a launcher that fails to start prints why and exits non-zero. */
export function run(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * A plain http + ws server on 127.0.0.1 (404 for plain HTTP) that hands every upgraded socket
 * to `onConnection`, stops on the orchestrator's word and announces its port.
 */
export async function serveWebSockets(
  onConnection: (ws: WebSocket, req: IncomingMessage) => void,
): Promise<void> {
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      onConnection(ws, req);
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
}
