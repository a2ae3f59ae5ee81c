/**
 * `npm run cluster`: a local scale-out deployment on this machine's PostgreSQL and Redis.
 *  - database `fleetdesk_cluster` (created if missing) or FLEETDESK_STORAGE, Redis at
 *    FLEETDESK_REDIS (default redis://127.0.0.1:6379), channel prefix `fleetdesk-cluster:`;
 *  - three sync-server instances on 127.0.0.1:4101-4103 (started together: one migrates, one
 *    seeds the demo), HAProxy on 127.0.0.1:4100 in front of them (health checks on /readyz),
 *    so `npm run start:browser` and every desk work against it unchanged;
 *  - demo access tokens signed with the deployment's shared key.
 * Extra arguments go to every instance (`npm run cluster -- --no-simulate`). Ctrl-C stops all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { haproxyConfig } from '../cluster';

const REPO = resolve(import.meta.dirname, '../..');
const CLI = join(REPO, 'sync-server/cli/main.ts');
const storage =
  process.env['FLEETDESK_STORAGE'] ?? 'postgres://postgres@127.0.0.1:5432/fleetdesk_cluster';
const redis = process.env['FLEETDESK_REDIS'] ?? 'redis://127.0.0.1:6379';
const prefix = process.env['FLEETDESK_REDIS_PREFIX'] ?? 'fleetdesk-cluster:';
const LB_PORT = 4100;
const PORTS = [4101, 4102, 4103];
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-cluster-'));
let stopping = false;

function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);

function run(
  name: string,
  command: string,
  args: string[],
  onLine: (l: string) => void,
): ChildProcess {
  const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.once('exit', (code, signal) => {
    console.log(`[${name}] exited (${String(code ?? signal)})`);
  });
  return child;
}

/** The deployment's database, created on first use (the instances create its tables). */
async function ensureDatabase(): Promise<void> {
  const url = new URL(storage);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(storage);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      console.log(`[cluster] created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  await ensureDatabase();
  const listening = PORTS.map(
    (port, i) =>
      new Promise<void>((ready) => {
        const args = ['--import', 'tsx', CLI, 'serve', '--port', String(port)];
        args.push('--storage', storage, '--redis', redis, '--redis-prefix', prefix);
        args.push('--data', join(dir, `i${i + 1}`), ...process.argv.slice(2));
        run(`instance ${i + 1}`, process.execPath, args, (line) => {
          if (line.startsWith('fleetdesk-sync-server listening')) {
            console.log(`[instance ${i + 1}] listening on 127.0.0.1:${port}`);
            ready();
          } else if (!line.startsWith('{') && !line.startsWith('  '))
            console.log(`[instance ${i + 1}] ${line}`);
        });
      }),
  );
  await Promise.all(listening);
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    haproxyConfig({
      bind: { host: '127.0.0.1', port: LB_PORT },
      servers: PORTS.map((port, i) => ({ name: `instance${i + 1}`, port })),
    }),
  );
  run('haproxy', 'haproxy', ['-f', cfg, '-db'], (line) => console.log(`[haproxy] ${line}`)).once(
    'error',
    () => {
      console.error('[cluster] haproxy is not installed (apt-get install -y haproxy)');
      stopAll();
    },
  );
  console.log(`[cluster] HAProxy on http://127.0.0.1:${LB_PORT} -> instances ${PORTS.join(', ')}`);
  console.log(
    `[cluster] desks: npm run start:browser   (default server http://127.0.0.1:${LB_PORT})`,
  );
  for (const [user, role] of [
    ['agent-1', 'agent'],
    ['fleet-1', 'fleet-manager'],
    ['supervisor-1', 'supervisor'],
  ] as const) {
    const args = [
      '--import',
      'tsx',
      CLI,
      'token',
      '--storage',
      storage,
      '--user',
      user,
      '--role',
      role,
    ];
    run(`token ${role}`, process.execPath, args, (t) => {
      if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t))
        console.log(`[cluster] sign in as ${role} (${user}) with: ${t}`);
    });
  }
}

main().catch((error: unknown) => {
  console.error(`[cluster] ${error instanceof Error ? error.message : String(error)}`);
  stopAll();
  process.exitCode = 1;
});
