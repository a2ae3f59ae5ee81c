/**
 * Set-up shared by the desk-core process tests (app/core/*.process.test.ts): real sync-server
 * processes, profile directories and cores, each torn down after the test file in reverse order
 * of creation (cores close before the server they talk to is killed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import type { OperatorCore } from '../host';

/** Core options that keep a process test quick: short long polls, a fast command sender. */
export const QUICK_SYNC = {
  feedWaitMs: 300,
  sender: { baseDelayMs: 50, maxDelayMs: 400, idleMs: 200 },
} as const;

/** An operator call's value; a refusal fails the test with its code and message. */
export async function callValue<T>(
  core: OperatorCore,
  method: string,
  payload: unknown = {},
): Promise<T> {
  const r = await core.call(method, payload);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** The desk's feed phase (sync.status). */
export const feedPhase = async (core: OperatorCore): Promise<string> =>
  (await callValue<{ feed: { phase: string } }>(core, 'sync.status')).feed.phase;

/** Resolves once the desk's feed is live (caught up and long-polling). */
export const feedLive = (core: OperatorCore, timeoutMs = 20_000): Promise<true> =>
  eventually(
    async () => ((await feedPhase(core)) === 'live' ? true : undefined),
    timeoutMs,
    'feed live',
  );

export interface DeskTestScope {
  /** Runs `fn` after the file's tests (before what was registered earlier). */
  defer(fn: () => unknown): void;
  /** A fresh directory (a desk profile by default), removed afterwards. */
  dir(prefix?: string): string;
  /**
   * The real sync server, killed afterwards; on `dataDir` (a restart on the same data) or a
   * fresh one removed afterwards.
   */
  server(
    args?: string[],
    options?: { dataDir?: string; port?: number } & Parameters<typeof startServerProcess>[3],
  ): Promise<ServerProcess>;
  /** `core` (any started desk core), closed afterwards. */
  own<T extends { close(): Promise<void> }>(core: T): T;
}

/** Call at the top of a test file: registers the file's afterAll teardown. */
export function deskTestScope(): DeskTestScope {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return {
    defer: (fn) => {
      cleanups.push(fn);
    },
    dir(prefix = 'fleetdesk-profile-') {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      cleanups.push(() => {
        rmSync(dir, { recursive: true, force: true });
      });
      return dir;
    },
    async server(args = [], { dataDir, port = 0, ...options } = {}) {
      let dir = dataDir;
      if (dir === undefined) {
        const data = tempDataDir();
        cleanups.push(data.cleanup);
        dir = data.dir;
      }
      const s = await startServerProcess(dir, args, port, options);
      cleanups.push(() => s.child.kill('SIGKILL'));
      return s;
    },
    own(core) {
      cleanups.push(() => core.close().catch(() => undefined));
      return core;
    },
  };
}
