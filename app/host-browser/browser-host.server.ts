import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, openApiSession, type OperatorCore } from '../host';
import { admit, API_PATH, newAccessToken, securityHeaders, tokenCookie } from './request-guard';
import { send, serveStatic } from './static-files';

export interface BrowserHostOptions {
  /** The desktop core; the host never closes it (its owner does). */
  readonly core: OperatorCore;
  /** Loopback only: the token travels over plain HTTP, so the host never listens on a LAN. */
  readonly host?: '127.0.0.1';
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  /** The built renderer (index.html + assets). May not exist yet: a placeholder page is served. */
  readonly staticDir: string;
  /** Per-run secret; a fresh random one when omitted. */
  readonly token?: string;
  /** Refused handshakes and socket errors, one line each (never the token). */
  readonly log?: (line: string) => void;
}

export interface BrowserHost {
  /** Address to open, with the token: `http://127.0.0.1:<port>/?token=…`. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** Open operator-API sockets. */
  connections(): number;
  /** Closes every socket (1001) and the listener. Does not close the core. */
  close(): Promise<void>;
}

/** A client whose unsent frames exceed this is too slow to follow; it is closed and must resync. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Serves the built renderer and the operator API to a browser on this machine.
 *
 * Authentication: open `url` once. Any request carrying a valid `?token=` sets an
 * HttpOnly, SameSite=Strict cookie; on the page itself (`/`, `/index.html`) it
 * also redirects (303) to `/`, so the token does not linger in the address bar
 * or history. Later page, asset and WebSocket requests are authenticated by the
 * cookie. Non-browser clients may pass `?token=` instead, including
 * `ws://127.0.0.1:<port>/api?token=…`. Without a valid token: 401.
 *
 * Every request must name this listener in its Host header (403 otherwise) and
 * a WebSocket handshake carrying an Origin must come from this host's page
 * (403 otherwise). Frames over {@link MAX_FRAME_BYTES} close that socket with
 * 1009; every other bad frame gets an error frame and the socket stays open.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? newAccessToken();
  const log = options.log ?? ((): void => undefined);
  const server = createServer();
  // ws answers an oversized frame by closing that socket with 1009 before buffering it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let port = options.port;

  /** Splits the request target and runs the admission rules of request-guard. */
  const admission = (req: IncomingMessage, kind: 'http' | 'websocket') => {
    const [path = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const query = new URLSearchParams(rawQuery);
    const refusal = admit(
      {
        kind,
        method: req.method,
        path,
        host: req.headers.host,
        origin: req.headers.origin,
        cookieHeader: req.headers.cookie,
        queryToken: query.get('token') ?? undefined,
      },
      port,
      token,
    );
    return { path, hasQueryToken: query.has('token'), refusal };
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handleHttp(req, res);
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = securityHeaders(port);
    const headOnly = req.method === 'HEAD';
    const text = (status: number, body: string, extra: Record<string, string> = {}): void => {
      send(res, status, 'text/plain; charset=utf-8', `${body}\n`, headOnly, headers, extra);
    };
    const { path, hasQueryToken, refusal } = admission(req, 'http');
    if (refusal) {
      text(refusal.status, refusal.reason, refusal.status === 405 ? { Allow: 'GET, HEAD' } : {});
      return;
    }
    if (hasQueryToken) {
      // A token in the query also signs the browser in, so assets and the socket need no query.
      res.setHeader('Set-Cookie', tokenCookie(port, token));
      // Opening the page: drop the token from the address bar and history.
      if (path === '/' || path === '/index.html') {
        text(303, 'Signed in.', { Location: '/' });
        return;
      }
    }
    if (path === API_PATH) {
      text(426, 'The operator API is a WebSocket.', { Upgrade: 'websocket' });
      return;
    }
    try {
      await serveStatic(res, options.staticDir, path, headOnly, headers);
    } catch {
      if (!res.headersSent) text(500, 'Internal error.');
      else res.destroy();
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws owns the socket nobody listens for its errors; a peer reset must not crash the host.
    socket.on('error', () => {
      socket.destroy();
    });
    const { refusal } = admission(req, 'websocket');
    if (refusal) {
      // Refused before the handshake: the page never gets a socket to probe with.
      log(`browser host: refused WebSocket handshake (${refusal.status}): ${refusal.reason}`);
      const body = `${refusal.reason}\n`;
      socket.end(
        `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
          `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      attach(ws);
    });
  });

  function attach(ws: WebSocket): void {
    const session = openApiSession(options.core, (frame) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(1013, 'client too slow; reconnect');
        return;
      }
      ws.send(frame);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Binary frames reach the decoder as bytes, which it refuses with an error frame.
      void session.receive(isBinary ? data : rawToText(data));
    });
    ws.on('error', (error: Error) => {
      log(`browser host: socket error: ${error.message}`);
    });
    ws.on('close', () => {
      session.close();
    });
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    connections: () => wss.clients.size,
    async close(): Promise<void> {
      await Promise.all([...wss.clients].map((ws) => closeSocket(ws)));
      await new Promise<void>((done) => {
        wss.close(() => {
          done();
        });
      });
      server.closeAllConnections();
      await new Promise<void>((done) => {
        server.close(() => {
          done();
        });
      });
    },
  };
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** Polite close (1001 going away), then a hard one if the peer does not answer within a second. */
function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => {
      ws.terminate();
      done();
    }, 1000);
    ws.once('close', () => {
      clearTimeout(timer);
      done();
    });
    ws.close(1001, 'host shutting down');
  });
}
