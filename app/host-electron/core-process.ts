import {
  openApiSession,
  resolveHostConfig,
  type ApiSession,
  type HostConfig,
  type OperatorCore,
} from '../host';
import { givenKeyStore, ProfileKey, type ProfileKeyStore } from '../keystore';
import { isShellToCore, type CoreToShell } from './core-protocol';

/**
 * The core's side of the Electron shell: runs in a `utilityProcess` (plain Node,
 * its own event loop) so SQLite and sync never block the main process or a
 * window. Written against structural port types instead of `electron` so it is
 * unit-tested in plain Node with fake ports.
 */

/** What this module needs of Electron's MessagePortMain. */
export interface CorePort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: string): void;
  start(): void;
  close(): void;
}

/** What this module needs of `process.parentPort` in a utility process. */
export interface ParentPortLike {
  on(
    event: 'message',
    listener: (event: { data: unknown; ports: readonly CorePort[] }) => void,
  ): unknown;
  postMessage(message: CoreToShell): void;
}

/** Same shape as app/core's `startCore`; its extra config keys are optional. */
export type StartCore = (config: HostConfig) => Promise<OperatorCore>;

export interface CoreProcess {
  /** Resolves once the core has started (or rejects if it failed to). */
  readonly ready: Promise<OperatorCore>;
  /** Open window sessions. */
  sessions(): number;
  /** Resolves after a `shutdown` was handled. */
  readonly stopped: Promise<void>;
}

/**
 * Starts the core and serves one api-frames session per MessagePort that main
 * sends with `{type: 'connect'}`. Ports are started only after their session is
 * attached, so no frame is lost; a port that closes (window reloaded or closed)
 * ends its session. On `{type: 'shutdown'}` every session and the core are
 * closed, `{type: 'closed'}` is posted and `exit(0)` is called. If the core
 * cannot start, `{type: 'failed'}` is posted and `exit(1)` is called: main
 * decides whether to restart.
 *
 * The listener is registered before the core starts: Electron queues parentPort
 * messages until then, so a window's early connect is not lost.
 *
 * With `keyFromShell` (the real entry), the core starts only once main has sent
 * `{type: 'key'}`: safeStorage exists only in main, so main resolves the
 * replica's key and hands it over; this process never creates one.
 */
export function runCoreProcess(
  startCore: StartCore,
  parent: ParentPortLike,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  exit: (code: number) => void,
  { keyFromShell = false }: { keyFromShell?: boolean } = {},
): CoreProcess {
  const sessions = new Map<CorePort, ApiSession>();
  let resolveStopped = (): void => undefined;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let shuttingDown = false;

  let keyArrived = (_store: ProfileKeyStore): void => undefined;
  const keyStore = new Promise<ProfileKeyStore>((r) => (keyArrived = r));
  const ready = (async (): Promise<OperatorCore> => {
    const config = resolveHostConfig(argv, env);
    return startCore(keyFromShell ? { ...config, keyStore: await keyStore } : config);
  })();
  ready.then(
    () => {
      parent.postMessage({ type: 'ready' });
    },
    (error: unknown) => {
      parent.postMessage({ type: 'failed', message: errorText(error) });
      exit(1);
    },
  );

  const connect = async (port: CorePort): Promise<void> => {
    const core = await ready;
    if (shuttingDown) {
      port.close();
      return;
    }
    const session = openApiSession(core, (text) => {
      port.postMessage(text);
    });
    sessions.set(port, session);
    port.on('message', (event) => {
      void session.receive(event.data);
    });
    port.on('close', () => {
      session.close();
      sessions.delete(port);
    });
    port.start();
  };

  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const [port, session] of sessions) {
      session.close();
      port.close();
    }
    sessions.clear();
    try {
      await (await ready).close();
    } finally {
      parent.postMessage({ type: 'closed' });
      resolveStopped();
      exit(0);
    }
  };

  parent.on('message', (event) => {
    const message = event.data;
    if (!isShellToCore(message)) return;
    if (message.type === 'key') {
      const key = ProfileKey.fromHex(message.key);
      if (key)
        keyArrived(givenKeyStore(key, { level: message.level, description: message.protection }));
      return;
    }
    if (message.type === 'shutdown') {
      void shutdown().catch(() => undefined);
      return;
    }
    const port = event.ports[0];
    // A failed start is already reported by `ready`; the connect simply gets no session.
    if (port) connect(port).catch(() => undefined);
  });

  return { ready, stopped, sessions: () => sessions.size };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
