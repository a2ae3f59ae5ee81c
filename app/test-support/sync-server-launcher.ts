/**
 * The real sync server for app/ tests, in the shape the collab tests use, on top of the
 * sync server's own process launcher (sync-server/test-support), which app tests may use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../domain/protocol';
import { startServerProcess } from '../../sync-server/test-support/server-process';

export interface LaunchedServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  token(userId: string, role: Role, ttlMs?: number): string;
  /** Kills the process (SIGKILL unless told otherwise) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the server on `port` (0 = any free port) over `dataDir`; resolves once it listens. */
export async function launchSyncServer(dataDir: string, port = 0): Promise<LaunchedServer> {
  // One launcher for the whole repo: the sync server's own test-support starts the real CLI.
  const s = await startServerProcess(
    dataDir,
    ['--customers', '20', '--deliveries', '20', '--drones', '4'],
    port,
  );
  return {
    url: s.url,
    port: s.port,
    dataDir,
    token: (userId, role, ttlMs) => s.token(userId, role, ttlMs),
    stop: async (signal = 'SIGKILL') => {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
      await s.exited;
    },
  };
}

/** A port nothing listens on (bound, then released): "the server is unreachable". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const address = server.address();
  await new Promise<void>((res) => server.close(() => res()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `probe` every 25 ms until it returns true; throws after `timeoutMs`. */
export async function eventually(
  probe: () => boolean,
  what: string,
  timeoutMs = 8_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
