import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as encoding from 'lib0/encoding';
import { pino } from 'pino';
import { afterEach, expect } from 'vitest';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Principal } from '../access/doc-access.policy';
import type { DocStore } from '../store/doc-store.port';
import { SqliteDocStore } from '../store/sqlite-doc-store';
import { createYjsHub, type YjsHub, type YjsHubOptions } from '../hub/yjs-hub';

export const DAY = '2024-05-31';
export const BOARD = `board/north/${DAY}`;
export const DISPATCH = `dispatch/north/${DAY}`;
export const STATUS = 'status/north';

const HOUR = 3_600_000;
export const defaultPrincipals = (): Record<string, Principal> => ({
  'agent-token': { userId: 'agent-1', role: 'agent', expiresAt: Date.now() + HOUR },
  'fm-token': { userId: 'fm-1', role: 'fleet-manager', expiresAt: Date.now() + HOUR },
  'sup-token': { userId: 'sup-1', role: 'supervisor', expiresAt: Date.now() + HOUR },
});

/** The store a harness runs on, and how to let go of it (the store and what it sits on). */
export interface StoreBackend {
  readonly store: DocStore;
  close(): Promise<void>;
}

/** Default backend: a real SQLite file `sync.db` in `dir`, WAL, synchronous=NORMAL. */
export function sqliteBackend(dir: string): Promise<StoreBackend> {
  const db = new Database(path.join(dir, 'sync.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const store = new SqliteDocStore(db);
  return Promise.resolve({
    store,
    close: async () => {
      await store.close();
      db.close();
    },
  });
}

export interface HarnessOptions extends Partial<Omit<YjsHubOptions, 'store'>> {
  principals?: Record<string, Principal>;
  /** Reuse a data dir (restart on the same SQLite file); default: a fresh temp dir. */
  dir?: string;
  /** The store to run on, opened over `dir`; default `sqliteBackend`. */
  backend?: (dir: string) => Promise<StoreBackend>;
  wrapStore?: (store: DocStore) => DocStore;
}

/** A real HTTP server on 127.0.0.1:0 with the hub mounted on a real store (default: SQLite file). */
export class HubHarness {
  readonly providers: WebsocketProvider[] = [];
  readonly sockets: WebSocket[] = [];
  private constructor(
    readonly registry: Registry,
    readonly hub: YjsHub,
    readonly store: DocStore,
    private readonly backend: StoreBackend,
    readonly dir: string,
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<HubHarness> {
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fleetdesk-yjs-hub-'));
    const { backend: openBackend = sqliteBackend, wrapStore, ...hubOptions } = options;
    const backend = await openBackend(dir);
    const store = wrapStore ? wrapStore(backend.store) : backend.store;
    const principals = options.principals ?? defaultPrincipals();
    const registry = new Registry();
    const hub = createYjsHub({
      allowedOrigins: ['https://desk.fleetdesk.example'],
      maxMessageBytes: 64 * 1024,
      rateLimit: { messagesPerSecond: 1000, burst: 1000 },
      now: () => Date.now(),
      log: pino({ level: 'silent' }),
      authenticate: (token) => {
        if (token === null) return { ok: false, status: 401, reason: 'missing token' };
        const principal = principals[token];
        return principal
          ? { ok: true, principal }
          : { ok: false, status: 401, reason: 'bad token' };
      },
      unloadAfterMs: 50,
      ...hubOptions,
      metrics: registry,
      store,
    });
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      hub.handleUpgrade(req, socket, head);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new HubHarness(registry, hub, store, backend, dir, server, port);
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/yjs`;
  }

  /** A stock y-websocket client, exactly as the desktop uses it. */
  provider(docName: string, token: string): { doc: Y.Doc; provider: WebsocketProvider } {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(this.url, docName, doc, {
      // WebSocketPolyfill: ws stands in for the browser WebSocket (types differ only nominally).
      WebSocketPolyfill: WebSocket as unknown as NonNullable<
        ConstructorParameters<typeof WebsocketProvider>[3]
      >['WebSocketPolyfill'],
      params: { token },
      // Same-process providers would otherwise sync over BroadcastChannel, bypassing the server.
      disableBc: true,
    });
    this.providers.push(provider);
    return { doc, provider };
  }

  /** A bare socket for sending frames no stock client would send. */
  async raw(
    docName: string,
    token: string,
    headers: Record<string, string> = {},
  ): Promise<RawClient> {
    const ws = new WebSocket(`${this.url}/${docName}?token=${token}`, { headers });
    this.sockets.push(ws);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        resolve();
      });
      ws.once('error', reject);
    });
    return client;
  }

  /** The HTTP status an upgrade to `pathAndQuery` is refused with (0 if it was accepted). */
  refusal(pathAndQuery: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${this.port}${pathAndQuery}`, { headers });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? -1);
        res.resume();
        ws.terminate();
      });
      ws.on('error', () => undefined);
      ws.on('open', () => {
        resolve(0);
        ws.close();
      });
    });
  }

  /** Replays the stored log of `docName` into a fresh doc. */
  async stored(docName: string): Promise<Y.Doc> {
    const doc = new Y.Doc();
    for (const update of await this.store.load(docName)) Y.applyUpdate(doc, update);
    return doc;
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return 0;
    const { values } = await metric.get();
    const match = values.find((v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
    );
    return match?.value ?? 0;
  }

  async waitForMetric(
    name: string,
    labels: Record<string, string>,
    atLeast: number,
  ): Promise<void> {
    const deadline = Date.now() + 3000;
    while ((await this.metric(name, labels)) < atLeast) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${name} >= ${atLeast}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops everything (once; later calls wait for the first); keeps the data dir when `keepDir`. */
  stop(keepDir = false): Promise<void> {
    this.stopping ??= this.stopNow(keepDir);
    return this.stopping;
  }

  private stopping: Promise<void> | undefined;

  private async stopNow(keepDir: boolean): Promise<void> {
    for (const provider of this.providers) provider.destroy();
    for (const socket of this.sockets) socket.terminate();
    await this.hub.close(1001);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
    await this.backend.close();
    if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RawClient {
  readonly received: Uint8Array[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.received.push(new Uint8Array(data)));
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
      });
    });
  }
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const synced = (provider: WebsocketProvider): Promise<void> =>
  provider.synced
    ? Promise.resolve()
    : new Promise((resolve) => {
        provider.once('sync', () => {
          resolve();
        });
      });

/** A protocol frame from varuints (numbers) and length-prefixed byte arrays, for raw clients. */
export const frame = (...parts: (number | Uint8Array)[]): Uint8Array => {
  const e = encoding.createEncoder();
  for (const part of parts) {
    if (typeof part === 'number') encoding.writeVarUint(e, part);
    else encoding.writeVarUint8Array(e, part);
  }
  return encoding.toUint8Array(e);
};

/** A `start` for a describe block: every harness it starts is stopped after each test. */
export function harnessPerTest(
  defaults: HarnessOptions = {},
): (options?: HarnessOptions) => Promise<HubHarness> {
  const harnesses: HubHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  return async (options = {}) => {
    const harness = await HubHarness.start({ ...defaults, ...options });
    harnesses.push(harness);
    return harness;
  };
}

/** Two stock providers on BOARD edit a Y.Text and a Y.Map, converge, and the store has both. */
export async function twoProvidersConverge(h: HubHarness): Promise<void> {
  const a = h.provider(BOARD, 'agent-token');
  const b = h.provider(BOARD, 'fm-token');
  await Promise.all([synced(a.provider), synced(b.provider)]);
  a.doc.getText('notes').insert(0, 'call back at 5');
  b.doc.getMap('flags').set('order-17', 'urgent');
  await waitFor('convergence', () => {
    return (
      a.doc.getMap('flags').get('order-17') === 'urgent' &&
      b.doc.getText('notes').toJSON() === 'call back at 5'
    );
  });
  const stored = await h.stored(BOARD);
  expect(stored.getText('notes').toJSON()).toBe('call back at 5');
  expect(stored.getMap('flags').get('order-17')).toBe('urgent');
}
