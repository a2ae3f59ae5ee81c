/**
 * Real processes for the scale-out tests: sync-server instances (the operators' CLI) on a
 * throwaway PostgreSQL database and a unique Redis prefix, HAProxy in front of them, tokens from
 * the deployment's key ring. Callers register the throwaway database (`throwawayPostgres`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { Role } from '../../domain/protocol';
import { signToken } from '../auth';
import { startServerProcess, type ServerProcess } from './server-process';
import { haproxyConfig, TokenKeyRing } from '../cluster';

export interface ClusterOptions {
  readonly storage: string;
  readonly redis: string;
  readonly redisPrefix: string;
  /** Extra CLI flags for every instance. */
  readonly args?: readonly string[];
  readonly simulate?: boolean;
  /** How long an instance may take to listen (seeding a large demo set takes a while). */
  readonly startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One instance; `port` fixed so a restarted instance comes back where HAProxy looks for it. */
export function startInstance(
  options: ClusterOptions,
  port: number,
  data: string,
): Promise<ServerProcess> {
  // Unused in scale-out, but startServerProcess reads (and creates) a secret there.
  mkdirSync(data, { recursive: true });
  return startServerProcess(
    data,
    [
      '--storage',
      options.storage,
      '--redis',
      options.redis,
      '--redis-prefix',
      options.redisPrefix,
      ...(options.args ?? []),
    ],
    port,
    {
      simulate: options.simulate ?? false,
      ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    },
  );
}

export interface Haproxy {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** HAProxy over `backendPorts`; with `backupFrom`, the servers from that index on are backups. */
export async function startHaproxy(
  backendPorts: readonly number[],
  backupFrom = backendPorts.length,
): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-haproxy-'));
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    haproxyConfig({
      bind: { host: '127.0.0.1', port },
      servers: backendPorts.map((p, i) => ({
        name: `s${i + 1}`,
        port: p,
        backup: i >= backupFrom,
      })),
    }),
  );
  const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const started: { error?: Error } = {};
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Not installed: a clear error below instead of an unhandled 'error' event.
  child.once('error', (e) => (started.error = e));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (started.error !== undefined || child.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `HAProxy did not come up (is it installed? .ci/run installs Debian's haproxy)\n${started.error?.message ?? ''}${stderr}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs tokens with the deployment's current key, as `token --storage` does. */
export async function clusterTokens(
  storage: string,
): Promise<(user: string, role: Role) => string> {
  const pool = new Pool({ connectionString: storage, max: 1 });
  pool.on('error', () => undefined);
  const ring = await TokenKeyRing.open(pool, 'fleetdesk');
  const key = ring.signing();
  await pool.end();
  return (user, role) =>
    signToken(key.secret, { userId: user, role, expiresAt: Date.now() + 3_600_000 }, key.kid);
}

/** JSON over HTTP with a timeout; a network error reads as status 0. */
export async function api(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text,
    };
  } catch {
    return { status: 0, body: null };
  }
}
