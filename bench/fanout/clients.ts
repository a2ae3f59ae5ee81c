/**
 * The load: D documents x C clients, all in the benchmark process (one clock for send and
 * receipt times). Client 0 of each document is the writer; the other C-1 receive. Every write is
 * one Yjs transaction that appends a 32-byte string to a Y.Text and pushes `{ s, t }` (sequence
 * number, send time from `performance.now()`) to a Y.Array; a receiver's array observer reports
 * every stamp it integrates, so updates a server merges before relaying are still all counted.
 *
 * Three client stacks, one per wire protocol:
 *  - 'y-websocket': the stock `WebsocketProvider` (our server and @y/websocket-server),
 *  - 'hocuspocus': the stock `HocuspocusProvider` over its own `HocuspocusProviderWebsocket`,
 *  - 'raw': bare `ws` sockets carrying y-websocket sync-update frames (the relay floor), each
 *    receiver decoding them into its own Y.Doc exactly as the provider would.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export type ClientKind = 'y-websocket' | 'hocuspocus' | 'raw';

/** Called once per stamp a receiver integrates: when it was sent, when it arrived (ms). */
export type Sink = (sentAt: number, receivedAt: number) => void;

export interface FleetOptions {
  readonly kind: ClientKind;
  /** y-websocket: `ws://host:port/yjs` (the provider appends `/<doc>`); others: `ws://host:port`. */
  readonly url: string;
  readonly docNames: readonly string[];
  readonly clientsPerDoc: number;
  /** Sent as `?token=` (y-websocket kind only); undefined = no token. */
  readonly token?: (docIndex: number, clientIndex: number) => string;
  readonly connectTimeoutMs: number;
}

interface Stamp {
  readonly s: number;
  readonly t: number;
}

const PAYLOAD = 'fanout-bench-payload-0123456789a'; // 32 bytes
const REMOTE = Symbol('remote');

const isStamp = (value: unknown): value is Stamp =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>)['s'] === 'number' &&
  typeof (value as Record<string, unknown>)['t'] === 'number';

/** One connected client: its document and how to tear its connection down. */
interface Client {
  readonly doc: Y.Doc;
  /** Resolves once the first sync with the server is done (or, for raw, the socket is open). */
  readonly ready: Promise<void>;
  destroy(): void;
}

export class Fleet {
  /** Connection drops/errors seen since connecting (a healthy run has none). */
  disconnects = 0;
  private sink: Sink = () => undefined;
  private closed = false;
  private readonly clients: Client[][] = [];

  private constructor(private readonly options: FleetOptions) {}

  /** Connects every client and waits until all are synced; throws on timeout. */
  static async connect(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    options.docNames.forEach((name, d) => {
      const row: Client[] = [];
      for (let c = 0; c < options.clientsPerDoc; c += 1) {
        const client = fleet.open(name, d, c);
        if (c > 0) fleet.observe(client.doc);
        row.push(client);
      }
      fleet.clients.push(row);
    });
    const all = fleet.clients.flat().map((c) => c.ready);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(`${options.kind}: clients not synced within ${options.connectTimeoutMs} ms`),
        );
      }, options.connectTimeoutMs);
    });
    try {
      await Promise.race([Promise.all(all), timeout]);
    } catch (error) {
      fleet.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    fleet.disconnects = 0;
    return fleet;
  }

  get docs(): number {
    return this.clients.length;
  }

  setSink(sink: Sink): void {
    this.sink = sink;
  }

  /** The writer of document `docIndex` sends one update; returns its send time. */
  write(docIndex: number, seq: number): number {
    const writer = this.clients[docIndex]?.[0];
    if (writer === undefined) throw new Error(`no document ${docIndex}`);
    const { doc } = writer;
    const t = performance.now();
    doc.transact(() => {
      const text = doc.getText('text');
      text.insert(text.length, PAYLOAD);
      doc.getArray<Stamp>('log').push([{ s: seq, t }]);
    });
    return t;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const client of this.clients.flat()) client.destroy();
  }

  private observe(doc: Y.Doc): void {
    const log = doc.getArray<Stamp>('log');
    // Not `event.changes.delta`, nor `log.get(i)` for the new tail: both walk the array from
    // its start (a remote transaction drops Yjs's search markers), and the log holds one item
    // per update ever written (pushes between text inserts never merge), so each receipt cost
    // more the older the document, and the load generator saturated long before the servers
    // did. The transaction's new structs are the ones at or past its before-state clock, at the
    // end of each client's struct list: O(new structs) per receipt, the same for every server.
    log.observe((event) => {
      const now = performance.now();
      for (const [client, structs] of doc.store.clients) {
        const from = event.transaction.beforeState.get(client) ?? 0;
        for (let i = structs.length - 1; i >= 0; i -= 1) {
          const struct = structs[i];
          if (struct === undefined || struct.id.clock < from) break;
          if (!(struct instanceof Y.Item) || struct.parent !== log) continue;
          if (!(struct.content instanceof Y.ContentAny)) continue;
          for (const item of struct.content.arr) if (isStamp(item)) this.sink(item.t, now);
        }
      }
    });
  }

  private dropped = (): void => {
    if (!this.closed) this.disconnects += 1;
  };

  private open(docName: string, d: number, c: number): Client {
    switch (this.options.kind) {
      case 'y-websocket':
        return this.openYWebsocket(docName, this.options.token?.(d, c));
      case 'hocuspocus':
        return this.openHocuspocus(docName);
      case 'raw':
        return this.openRaw(docName, c === 0);
    }
  }

  private openYWebsocket(docName: string, token: string | undefined): Client {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(this.options.url, docName, doc, {
      // ws stands in for the browser WebSocket (the types differ only nominally).
      WebSocketPolyfill: WebSocket as unknown as NonNullable<
        ConstructorParameters<typeof WebsocketProvider>[3]
      >['WebSocketPolyfill'],
      params: token === undefined ? {} : { token },
      // Same-process providers would otherwise sync over BroadcastChannel, bypassing the server.
      disableBc: true,
    });
    provider.on('connection-close', this.dropped);
    provider.on('connection-error', this.dropped);
    const ready = new Promise<void>((resolve) => {
      if (provider.synced) resolve();
      const onSync = (synced: boolean): void => {
        if (!synced) return;
        provider.off('sync', onSync);
        resolve();
      };
      provider.on('sync', onSync);
    });
    return {
      doc,
      ready,
      destroy: () => {
        provider.destroy();
        doc.destroy();
      },
    };
  }

  private openHocuspocus(docName: string): Client {
    const doc = new Y.Doc();
    // The documented Node setup: a socket with a WebSocket polyfill, one provider attached to it.
    const socket = new HocuspocusProviderWebsocket({
      url: this.options.url,
      WebSocketPolyfill: WebSocket,
    });
    let resolveReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      resolveReady = resolve;
    });
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: docName,
      document: doc,
      onSynced: () => {
        resolveReady();
      },
      onDisconnect: this.dropped,
      onAuthenticationFailed: this.dropped,
    });
    provider.attach();
    return {
      doc,
      ready,
      destroy: () => {
        provider.destroy();
        socket.destroy();
        doc.destroy();
      },
    };
  }

  private openRaw(docName: string, isWriter: boolean): Client {
    const doc = new Y.Doc();
    const ws = new WebSocket(`${this.options.url}/${docName}`);
    let open = false;
    const ready = new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        open = true;
        resolve();
      });
      ws.once('error', reject);
    });
    ws.on('close', this.dropped);
    if (isWriter) {
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === REMOTE || !open) return;
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, 0); // messageSync
        syncProtocol.writeUpdate(encoder, update);
        ws.send(encoding.toUint8Array(encoder));
      });
    } else {
      ws.on('message', (data: WebSocket.RawData) => {
        const bytes = Array.isArray(data)
          ? Buffer.concat(data)
          : data instanceof ArrayBuffer
            ? new Uint8Array(data)
            : data;
        const decoder = decoding.createDecoder(bytes);
        if (decoding.readVarUint(decoder) !== 0) return;
        syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, REMOTE);
      });
    }
    return {
      doc,
      ready,
      destroy: () => {
        ws.off('close', this.dropped);
        ws.terminate();
        doc.destroy();
      },
    };
  }
}
