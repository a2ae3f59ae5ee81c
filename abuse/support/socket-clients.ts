/** Socket clients for the abuse suite: stock y-websocket providers, raw sockets, telemetry. */
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A socket, the messages it got, and how it closed. */
export interface RawSocket {
  readonly ws: WebSocket;
  readonly received: Buffer[];
  readonly closed: Promise<Closed>;
}

/** Opens `url`; rejects with the HTTP status if the upgrade is refused. */
export function openSocket(url: string): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const received: Buffer[] = [];
    const closed = new Promise<Closed>((done) => {
      ws.on('close', (code: number, reason: Buffer) => {
        done({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: Buffer) => received.push(data));
    ws.on('error', () => undefined);
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${String(res.statusCode)}`));
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => {
      resolve({ ws, received, closed });
    });
  });
}

/** A y-websocket protocol frame from varuints and length-prefixed byte arrays. */
export const frame = (...parts: (number | Uint8Array)[]): Uint8Array => {
  const e = encoding.createEncoder();
  for (const part of parts) {
    if (typeof part === 'number') encoding.writeVarUint(e, part);
    else encoding.writeVarUint8Array(e, part);
  }
  return encoding.toUint8Array(e);
};

/** A sync-update frame carrying what `change` writes into a fresh doc. */
export const updateFrame = (change: (doc: Y.Doc) => void): Uint8Array => {
  const doc = new Y.Doc();
  change(doc);
  return frame(0, 2, Y.encodeStateAsUpdate(doc));
};

/** A stock provider, as the desk and any third-party y-websocket client use it. */
export function stockClient(
  port: number,
  docName: string,
  token: string,
): { doc: Y.Doc; provider: WebsocketProvider; destroy: () => void } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${String(port)}/yjs`, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as NonNullable<
      ConstructorParameters<typeof WebsocketProvider>[3]
    >['WebSocketPolyfill'],
    params: { token },
    disableBc: true,
  });
  return {
    doc,
    provider,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export const synced = (provider: WebsocketProvider): Promise<void> =>
  provider.synced
    ? Promise.resolve()
    : new Promise((resolve) => {
        provider.once('sync', () => {
          resolve();
        });
      });
