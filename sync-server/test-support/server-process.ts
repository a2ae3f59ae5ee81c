/**
 * Starts the real sync server as a child process (the same CLI operators use)
 * on a free port and a fresh data dir, for tests that kill, restart and cut it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Role } from '../../domain/protocol';
import { loadOrCreateSecret, signToken } from '../auth';

const REPO = resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  token(user: string, role: Role, ttlMs?: number): string;
  api(
    path: string,
    init?: { method?: string; body?: unknown; token?: string },
  ): Promise<{ status: number; body: unknown }>;
}

export function tempDataDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-srv-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Small dataset and no simulator by default, so tests control every change. */
export async function startServerProcess(
  dataDir: string,
  extraArgs: string[] = [],
  port = 0,
  /** `logFile`: the server's log (stdout and stderr) is appended there, for tests that read it. */
  options: { simulate?: boolean; logFile?: string; startTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  const args = [
    '--import',
    'tsx',
    join(REPO, 'sync-server/cli/main.ts'),
    'serve',
    '--port',
    String(port),
    '--data',
    dataDir,
    '--customers',
    '60',
    '--deliveries',
    '80',
    '--drones',
    '8',
    ...(options.simulate ? [] : ['--no-simulate']),
    '--log-level',
    'warn',
    '--gateway-latency',
    '1-5',
    '--payment-sweep-ms',
    '100',
    '--breaker-half-open-ms',
    '300',
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | string>((res) =>
    child.once('exit', (code, signal) => res(code ?? signal ?? -1)),
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (options.logFile !== undefined) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  }
  // Seeding a large dataset (benchmarks) on a busy machine takes longer than the default.
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(
      () => rej(new Error(`server did not start in ${timeoutMs / 1000} s\n${stderr}`)),
      timeoutMs,
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /fleetdesk-sync-server listening (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once('exit', () => rej(new Error(`server exited during start\n${stderr}`)));
  });
  const secret = loadOrCreateSecret(dataDir);
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    child,
    exited,
    token: (user, role, ttlMs = 3_600_000) =>
      signToken(secret, { userId: user, role, expiresAt: Date.now() + ttlMs }),
    api: async (path, init = {}) => {
      const res = await fetch(`${url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text,
      };
    },
  };
}

/** Polls `probe` every 50 ms until it returns something other than undefined. */
export async function eventually<T>(
  probe: (() => Promise<T | undefined>) | (() => T | undefined),
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
