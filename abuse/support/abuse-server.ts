/**
 * The real sync server process for the abuse suite, with its log in its data dir (so the
 * sweep reads it too), and the checks every hostile scenario ends with: still ready, memory
 * bounded, a log without stack traces or card data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import { findCardLike } from './card-sweep';

export interface AbuseServer extends ServerProcess {
  readonly logFile: string;
  /** A Prometheus sample from /metrics (0 if absent); `labels` like `reason="card-data"`. */
  metric(name: string, labels?: string): Promise<number>;
  /** /readyz answers 200. */
  expectReady(): Promise<void>;
  /** Parsed log lines written so far. */
  logLines(): Record<string, unknown>[];
  /** Stops with SIGTERM (draining, as in production) and waits for the exit. */
  stop(): Promise<void>;
  cleanup(): void;
}

export async function startAbuseServer(
  extraArgs: string[] = [],
  options: { simulate?: boolean } = {},
): Promise<AbuseServer> {
  const data = tempDataDir();
  const logFile = join(data.dir, 'server.log');
  const server = await startServerProcess(data.dir, ['--log-level', 'debug', ...extraArgs], 0, {
    ...options,
    logFile,
  });
  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith(name) && (labels === '' || l.includes(labels)) && !l.startsWith('#'),
      );
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };
  return {
    ...server,
    logFile,
    metric,
    expectReady: async () => {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    },
    logLines: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: async () => {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM');
      }
      await server.exited;
    },
    cleanup: () => {
      server.child.kill('SIGKILL');
      data.cleanup();
    },
  };
}

/**
 * The log holds no error-level entry and no stack trace (every hostile input here is a client
 * mistake, none a server fault) and nothing card-like.
 */
export function expectCleanLog(server: AbuseServer): void {
  const lines = server.logLines();
  expect(lines.length).toBeGreaterThan(0);
  const errors = lines.filter((l) => typeof l['level'] === 'number' && l['level'] >= 50);
  expect(errors.map((l) => l['msg'])).toEqual([]);
  expect(lines.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
  expect(findCardLike(readFileSync(server.logFile))).toEqual([]);
}

/** Resident memory of the server process, in MB, from its own metrics. */
export async function residentMb(server: AbuseServer): Promise<number> {
  return (await server.metric('fleetdesk_process_resident_memory_bytes')) / 1024 / 1024;
}
