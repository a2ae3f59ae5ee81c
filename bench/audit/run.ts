/**
 * `npm run bench:audit`: audit search latency at 100,000 lines (AUDIT_BENCH_LINES), the way it
 * was (read every audit record, filter and sort in memory: domain `searchAudit` over
 * `list('audit')`, what GET /api/audit and the desk did) and indexed (RecordStorePort.searchAudit
 * on the server's SQLite and PostgreSQL stores; RecordReader.searchAudit on a desk replica).
 * Same queries, same 5000-row cap. PostgreSQL: a throwaway database, dropped at the end
 * (FLEETDESK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeIdentifier, Pool } from 'pg';
import {
  MAX_AUDIT_ROWS,
  searchAudit,
  type AuditEntry,
  type AuditQuery,
} from '../../domain/protocol';
import {
  openReadableReplica,
  openWritableReplica,
  RecordReader,
  RecordWriter,
} from '../../app/replica';
import {
  PostgresRecordStore,
  SqliteRecordStore,
  type RecordStorePort,
} from '../../sync-server/records';
import { openServerDatabase } from '../../sync-server/storage';

const LINES = Number(process.env['AUDIT_BENCH_LINES'] ?? 100_000);
const RUNS = 9;
const T0 = Date.UTC(2026, 0, 1);
const ADMIN_URL =
  process.env['FLEETDESK_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A region's trail: 3000 customers, 20,000 orders, 40 agents, a line every 30 s. */
const line = (n: number): AuditEntry => ({
  id: `desk-${String(n % 40)}:${String(n).padStart(7, '0')}#command`,
  event: 'command',
  at: T0 + n * 30_000,
  commandKey: `desk-${String(n % 40)}:${String(n)}`,
  command: 'payments.changeMethod',
  userId: `agent-${String(n % 40)}`,
  role: 'agent',
  desktopId: `desk-${String(n % 40)}`,
  issuedAt: T0 + n * 30_000,
  acceptedAt: T0 + n * 30_000,
  outcome: 'accepted',
  code: null,
  detail: 'customer asked for a different card on file',
  customerId: `cust-${String(n % 3000)}`,
  deliveryId: `del-${String(n % 20_000).padStart(6, '0')}`,
  paymentId: `pay-${String(n % 20_000).padStart(6, '0')}`,
});

const QUERIES: Record<string, AuditQuery> = {
  customer: { customerId: 'cust-1234' },
  order: { deliveryId: 'del-001234' },
  'agent + last day': { userId: 'agent-7', from: T0 + (LINES - 2880) * 30_000 },
  'agent (all time)': { userId: 'agent-7' },
  'no filter': {},
};

async function median(run: () => unknown): Promise<number> {
  const times: number[] = [];
  await run(); // warm-up: statement preparation, caches
  for (let i = 0; i < RUNS; i += 1) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? NaN;
}

async function fill(store: RecordStorePort): Promise<void> {
  for (let start = 0; start < LINES; start += 5000)
    await store.transact(async (tx) => {
      for (let n = start; n < Math.min(LINES, start + 5000); n += 1) {
        const e = line(n);
        await tx.put('audit', e.id, 1, e);
      }
    });
}

async function compareStore(name: string, store: RecordStorePort): Promise<void> {
  for (const [label, query] of Object.entries(QUERIES)) {
    const before = await median(async () =>
      searchAudit(
        (await store.list<AuditEntry>('audit')).map((r) => r.body),
        query,
      ),
    );
    const after = await median(() =>
      store.searchAudit({ query, before: null, limit: MAX_AUDIT_ROWS }),
    );
    const hits = (await store.searchAudit({ query, before: null, limit: MAX_AUDIT_ROWS })).length;
    report(name, label, hits, before, after);
  }
}

function report(where: string, query: string, hits: number, before: number, after: number): void {
  console.log(
    `${where.padEnd(16)} ${query.padEnd(18)} ${String(hits).padStart(5)} rows  ` +
      `scan ${before.toFixed(1).padStart(8)} ms   indexed ${after.toFixed(2).padStart(8)} ms`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'fd-audit-bench-'));
const admin = new Pool({ connectionString: ADMIN_URL, max: 1 });
const database = `fd_audit_bench_${randomBytes(5).toString('hex')}`;
try {
  console.log(
    `audit search, ${String(LINES)} lines, median of ${String(RUNS)} runs, cap ${String(MAX_AUDIT_ROWS)} rows`,
  );

  const sqlite = new SqliteRecordStore(openServerDatabase(join(dir, 'server.sqlite')));
  await fill(sqlite);
  await compareStore('server sqlite', sqlite);

  await admin.query(`CREATE DATABASE ${escapeIdentifier(database)}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const pg = await PostgresRecordStore.open(url.toString(), { schema: 'bench' });
  await fill(pg);
  const analyze = new Pool({ connectionString: url.toString(), max: 1 });
  await analyze.query('ANALYZE bench.records'); // what autovacuum does soon after a bulk load
  await analyze.end();
  await compareStore('server postgres', pg);
  await pg.close();

  const replicaPath = join(dir, 'replica.sqlite');
  const writable = openWritableReplica(replicaPath, 'plaintext');
  const writer = new RecordWriter(writable);
  const all = Array.from({ length: LINES }, (_, n) => line(n));
  writer.applyBatch(
    all.map((body, i) => ({ kind: 'audit', id: body.id, version: 1, seq: i + 1, body })),
  );
  const reader = new RecordReader(openReadableReplica(replicaPath, 'plaintext'));
  for (const [label, query] of Object.entries(QUERIES)) {
    // The desk's old path: every replicated line (cap 200,000) parsed, filtered, sorted.
    const before = await median(() =>
      searchAudit(
        reader.list<AuditEntry>('audit', 200_000).map((r) => r.body),
        query,
      ),
    );
    const after = await median(() => reader.searchAudit(query, MAX_AUDIT_ROWS));
    report('desk replica', label, reader.searchAudit(query, MAX_AUDIT_ROWS).length, before, after);
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(database)} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
