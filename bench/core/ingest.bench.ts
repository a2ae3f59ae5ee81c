/**
 * Initial snapshot ingest: rows/s through the real FeedConsumer path (JSON page
 * decoding, chunked idempotent upserts, feed position, search index rebuilt at the
 * end) against raw better-sqlite3 batched inserts of the same rows measured in
 * the same run, plus the core's event-loop lag while it ingests.
 *
 * The same ingest runs twice, on a plain and on an encrypted (SQLCipher 4,
 * the profile key) replica, so the cost of encryption at rest is measured in
 * the same run (goal: encrypted ≥ 0.8× plain).
 *
 * The pages come from memory, not from a sync server: this isolates the desktop's
 * ingest cost (the server's page cost is the server's benchmark).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_FEED_OPTIONS, FeedConsumer } from '../../app/feed';
import { ServerClient, type ServerReply } from '../../app/net';
import { ProfileKey } from '../../app/keystore';
import {
  openWritableReplica,
  ReplicaWorker,
  SearchBuilder,
  type ReplicaKeying,
} from '../../app/replica';
import { fmt, machineLine, writeResult } from './bench-util';
import { account, delivery, type BenchRecord } from './replica-data';

const ROWS = Number(process.env['BENCH_INGEST_ROWS'] ?? 200_000);
const PAGE = 500;

/** Serves pre-encoded snapshot pages the way the server's /api/feed/snapshot does. */
class PageSource extends ServerClient {
  constructor(private readonly pages: readonly string[]) {
    super('http://bench.invalid', () => 'token');
  }
  override request<B>(_m: 'GET' | 'POST', path: string): Promise<ServerReply<B>> {
    const after = new URL(path, 'http://x').searchParams.get('after');
    const index = after === null ? 0 : Number(after);
    return Promise.resolve({
      status: 200,
      body: JSON.parse(this.pages[index] ?? '{"upTo":0,"records":[],"nextCursor":null}') as B,
    });
  }
}

function build(): { records: BenchRecord[]; pages: string[] } {
  const customers = Math.round(ROWS * 0.25);
  const records = [
    ...Array.from({ length: customers }, (_, i) => account(i)),
    ...Array.from({ length: ROWS - customers }, (_, i) => delivery(i, customers)),
  ];
  const pages: string[] = [];
  for (let i = 0; i < records.length; i += PAGE) {
    const next = i + PAGE < records.length ? String(i / PAGE + 1) : null;
    pages.push(
      JSON.stringify({
        upTo: records.length,
        records: records.slice(i, i + PAGE),
        nextCursor: next,
      }),
    );
  }
  return { records, pages };
}

async function ours(
  dir: string,
  pages: string[],
  keying: ReplicaKeying,
): Promise<{ seconds: number; lagP99: number; lagMax: number }> {
  const db = openWritableReplica(
    join(dir, keying === 'plaintext' ? 'plain.sqlite' : 'encrypted.sqlite'),
    keying,
  );
  // As the core runs it: checkpoints and the lookup-index build on the replica worker,
  // the full-text index on the search builder (following the snapshot as it commits).
  const worker = ReplicaWorker.start(db);
  const searchBuilder = SearchBuilder.start(db);
  const feed = new FeedConsumer(
    db,
    new PageSource(pages),
    {},
    {
      ...DEFAULT_FEED_OPTIONS,
      ...(worker ? { bulkSql: worker.runBulk } : {}),
      ...(searchBuilder ? { searchBuilder } : {}),
    },
  );
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const started = performance.now();
  while (feed.state().phase === 'snapshot') await feed.step();
  const seconds = (performance.now() - started) / 1000;
  lag.disable();
  await searchBuilder?.stop();
  await worker?.stop();
  db.close();
  return { seconds, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 };
}

function raw(dir: string, pages: string[]): number {
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE r (kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id))',
  );
  const insert = db.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?)');
  const started = performance.now();
  for (const page of pages) {
    const { records } = JSON.parse(page) as { records: BenchRecord[] };
    db.transaction(() => {
      for (const r of records) insert.run(r.kind, r.id, r.version, r.seq, JSON.stringify(r.body));
    })();
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

export async function runIngestBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-ingest-'));
  try {
    const { pages } = build();
    const rawSeconds = raw(dir, pages);
    const o = await ours(dir, pages, 'plaintext');
    const e = await ours(dir, pages, ProfileKey.random());
    const rawRate = ROWS / rawSeconds;
    const ourRate = ROWS / o.seconds;
    const encRate = ROWS / e.seconds;
    const md = [
      '# Desktop replica: initial snapshot ingest',
      '',
      machineLine(),
      `${ROWS.toLocaleString('en')} rows (25 % customers, 75 % deliveries), pages of ${PAGE}, WAL + synchronous=FULL for both.`,
      '',
      '| path | rows/s | ratio to raw |',
      '| --- | ---: | ---: |',
      `| raw better-sqlite3 batched INSERT (peer, same run) | ${Math.round(rawRate).toLocaleString('en')} | 1.00 |`,
      `| Fleetdesk FeedConsumer (decode, idempotent upsert, position, lookup + search index build), plain replica | ${Math.round(ourRate).toLocaleString('en')} | ${fmt(ourRate / rawRate, 2)} |`,
      `| the same, encrypted replica (SQLCipher 4, as every profile now) | ${Math.round(encRate).toLocaleString('en')} | ${fmt(encRate / rawRate, 2)} |`,
      '',
      `Encrypted / plain: **${fmt(encRate / ourRate, 2)}×** (goal ≥ 0.8).`,
      '',
      `Core event-loop lag while ingesting: plain p99 ${fmt(o.lagP99)} ms, max ${fmt(o.lagMax)} ms; encrypted p99 ${fmt(e.lagP99)} ms, max ${fmt(e.lagMax)} ms (goal p99 < 16 ms).`,
      '',
      'Goal: ≥ 0.50 of raw. Command: `npm run bench:core` (BENCH_INGEST_ROWS to change the size).',
      '',
    ].join('\n');
    writeResult('core-ingest', md, {
      rows: ROWS,
      rawRate,
      ourRate,
      ratio: ourRate / rawRate,
      lagP99Ms: o.lagP99,
      lagMaxMs: o.lagMax,
      encryptedRate: encRate,
      encryptedToPlain: encRate / ourRate,
      encryptedLagP99Ms: e.lagP99,
      encryptedLagMaxMs: e.lagMax,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
