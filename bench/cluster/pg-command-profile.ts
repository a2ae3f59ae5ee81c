/**
 * `npx tsx bench/cluster/pg-command-profile.ts [desks] [perDesk]`: where a command's time goes
 * on PostgreSQL (issue 11). One sync server in this process on a throwaway database and Redis
 * prefix, the storm of bench:cluster (desks sending queued cancels in batches) against it, and
 * every query of the `pg` driver timed and classed: which statements run while the feed's
 * writer lock is held (from the lock statement until COMMIT returns) and how long they take.
 * A look at one shape, not a benchmark: the load generator shares this process's event loop.
 */
import pg from 'pg';
import type { Role } from '../../domain/protocol';
import { startSyncServer } from '../../sync-server/server/sync-server';
import { DEFAULT_CONFIG } from '../../sync-server/server/server-config';
import { api, clusterTokens } from '../../sync-server/test-support/cluster-harness';
import {
  cancellableDeliveries,
  runStorm,
  type StormServer,
} from '../../sync-server/test-support/storm';

const DESKS = Number(process.argv[2] ?? 4);
const PER_DESK = Number(process.argv[3] ?? 100);
const ADMIN =
  process.env['FLEETDESK_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env['FLEETDESK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Statement classes by their SQL text (the record store's statements, see postgres-record-store.ts). */
function classOf(sql: string): string {
  const s = sql.trim();
  if (s.startsWith('BEGIN')) return 'BEGIN';
  if (s === 'COMMIT') return 'COMMIT';
  if (s === 'ROLLBACK') return 'ROLLBACK';
  if (s.includes('FOR UPDATE') && s.includes('feed_head')) return 'writer lock';
  if (s.startsWith('WITH next AS')) return 'put (per entry)';
  if (s.startsWith('WITH entry AS')) return 'flush (all entries)';
  if (s.includes('IN (SELECT * FROM unnest')) return 'prefetch';
  if (s.startsWith('SELECT version FROM')) return 'put version check';
  if (/FROM \S+\.records WHERE kind = \$1 AND id = \$2/.test(s)) return 'get';
  if (s.includes('lease')) return 'lease/fence';
  return 'other';
}

interface Stat {
  count: number;
  ms: number;
}
const inLock = new Map<string, Stat>();
const outside = new Map<string, Stat>();
const holds: number[] = [];
const lockWaits: number[] = [];
const lockedSince = new WeakMap<object, number>();

const add = (m: Map<string, Stat>, k: string, ms: number): void => {
  const s = m.get(k) ?? { count: 0, ms: 0 };
  s.count += 1;
  s.ms += ms;
  m.set(k, s);
};

// Wraps the driver's query: only promise-style calls with SQL text are timed (the store's).
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with apply below
const original = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function timed(this: object, ...args: unknown[]) {
  const first = args[0];
  const sql = typeof first === 'string' ? first : (first as { text?: string } | null)?.text;
  const result = original.apply(this, args);
  if (typeof sql !== 'string' || !(result instanceof Promise)) return result;
  const cls = classOf(sql);
  const t0 = performance.now();
  const locked = lockedSince.has(this);
  return result.then((r: unknown) => {
    const t1 = performance.now();
    if (cls === 'writer lock') {
      lockWaits.push(t1 - t0);
      lockedSince.set(this, t1);
    } else if (locked) {
      add(inLock, cls, t1 - t0);
      if (cls === 'COMMIT' || cls === 'ROLLBACK') {
        holds.push(t1 - (lockedSince.get(this) ?? t1));
        lockedSince.delete(this);
      }
    } else add(outside, cls, t1 - t0);
    return r;
  });
} as typeof pg.Client.prototype.query;

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const database = `fd_profile_${process.pid}`;
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN);
  url.pathname = `/${database}`;
  try {
    const server = await startSyncServer({
      ...DEFAULT_CONFIG,
      port: 0,
      simulate: false,
      logLevel: 'warn',
      seedCustomers: 200,
      seedDeliveries: DESKS * PER_DESK * 3 + 300,
      drones: 8,
      gatewayLatencyMs: { min: 1, max: 5 },
      scaleOut: {
        storage: url.toString(),
        schema: 'fleetdesk',
        redis: REDIS,
        redisPrefix: `fd-profile-${process.pid}:`,
        leaseTtlMs: 6000,
      },
    });
    try {
      const sign = await clusterTokens(url.toString());
      const entry = server.url;
      const storm: StormServer = {
        url: entry,
        token: (user: string, role: Role) => sign(user, role),
        api: (path, init) => api(entry, path, init),
      };
      const targets = (await cancellableDeliveries(storm)).filter((d) => d.stage === 'created');
      inLock.clear();
      outside.clear();
      holds.length = 0;
      lockWaits.length = 0;
      const result = await runStorm(storm, targets, {
        desks: DESKS,
        perDesk: PER_DESK,
        batchSize: 100,
        pipeline: 2,
        interactiveGapMs: 20,
        mode: 'batch',
      });
      report(result.commands, result.seconds);
    } finally {
      await server.stop();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

function report(commands: number, seconds: number): void {
  const holdMs = holds.reduce((a, b) => a + b, 0);
  console.log(
    `${commands} commands in ${seconds.toFixed(2)} s = ${(commands / seconds).toFixed(0)}/s; ` +
      `${holds.length} write transactions, writer lock held ${holdMs.toFixed(0)} ms in total ` +
      `(${(holdMs / commands).toFixed(2)} ms per command, ${((holdMs / 1000 / seconds) * 100).toFixed(0)}% of the run)`,
  );
  const table = (title: string, m: Map<string, Stat>): void => {
    console.log(`\n${title}: class | statements per command | ms per command | ms per statement`);
    for (const [k, s] of [...m].sort((a, b) => b[1].ms - a[1].ms))
      console.log(
        `  ${k.padEnd(22)} ${(s.count / commands).toFixed(2).padStart(6)} ${(s.ms / commands).toFixed(3).padStart(8)} ${(s.ms / s.count).toFixed(3).padStart(8)}`,
      );
  };
  table('inside the writer lock', inLock);
  table('outside the writer lock', outside);
  const waits = lockWaits.reduce((a, b) => a + b, 0);
  console.log(
    `\nwriter lock statement: ${lockWaits.length}×, ${(waits / commands).toFixed(3)} ms per command`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
