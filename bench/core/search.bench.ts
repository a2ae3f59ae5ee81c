/**
 * Search-as-you-type latency over a large replica (default 300k customers and
 * 1M deliveries), through the same ReplicaSearch the operator API uses, on the
 * read-only connection. Limit: p95 < 10 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openReadableReplica,
  openWritableReplica,
  RecordWriter,
  resumeSearchIndexing,
  suspendSearchIndexing,
} from '../../app/replica';
import { ReplicaSearch } from '../../app/search';
import { fmt, machineLine, percentile, writeResult } from './bench-util';
import { account, delivery } from './replica-data';

const CUSTOMERS = Number(process.env['BENCH_SEARCH_CUSTOMERS'] ?? 300_000);
const DELIVERIES = Number(process.env['BENCH_SEARCH_DELIVERIES'] ?? 1_000_000);

/** What agents type, keystroke by keystroke: every prefix of each query counts. */
const QUERIES = [
  'anna',
  'müller',
  'ben schmidt',
  'kastanienallee 12',
  '030 1234',
  '+49 30 99',
  'pkg-2a',
  'del-0000',
  'sonnenallee',
  'greta koch',
  'leaf',
  'mia.1',
  '10115',
];

export async function runSearchBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-search-'));
  try {
    const path = join(dir, 'replica.sqlite');
    const db = openWritableReplica(path, 'plaintext');
    db.pragma('synchronous = NORMAL');
    suspendSearchIndexing(db);
    const writer = new RecordWriter(db);
    const buildStarted = performance.now();
    const batch = 5000;
    for (let i = 0; i < CUSTOMERS; i += batch)
      writer.applyBatch(
        Array.from({ length: Math.min(batch, CUSTOMERS - i) }, (_, k) => account(i + k)),
      );
    for (let i = 0; i < DELIVERIES; i += batch)
      writer.applyBatch(
        Array.from({ length: Math.min(batch, DELIVERIES - i) }, (_, k) =>
          delivery(i + k, CUSTOMERS),
        ),
      );
    await resumeSearchIndexing(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const buildSeconds = (performance.now() - buildStarted) / 1000;

    const search = new ReplicaSearch(openReadableReplica(path, 'plaintext'));
    const samples: number[] = [];
    const hits: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      for (const q of QUERIES) {
        for (let len = 2; len <= q.length; len += 1) {
          const t = performance.now();
          const result = search.search(q.slice(0, len), 20);
          samples.push(performance.now() - t);
          if (round === 0) hits.push(result.length);
        }
      }
    }
    samples.sort((a, b) => a - b);
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    const p99 = percentile(samples, 99);
    const md = [
      '# Desktop replica: search-as-you-type latency',
      '',
      machineLine(),
      `Replica: ${CUSTOMERS.toLocaleString('en')} customers + ${DELIVERIES.toLocaleString('en')} deliveries (built in ${fmt(buildSeconds)} s). ${samples.length} queries: every prefix (from 2 characters) of ${QUERIES.length} realistic inputs, 5 rounds, top 20 ranked by bm25.`,
      '',
      '| p50 | p95 | p99 | max | limit |',
      '| ---: | ---: | ---: | ---: | --- |',
      `| ${fmt(p50, 2)} ms | ${fmt(p95, 2)} ms | ${fmt(p99, 2)} ms | ${fmt(samples.at(-1) ?? NaN, 2)} ms | p95 < 10 ms |`,
      '',
      `Queries with at least one hit: ${hits.filter((h) => h > 0).length} of ${hits.length}.`,
      '',
    ].join('\n');
    writeResult('core-search', md, {
      customers: CUSTOMERS,
      deliveries: DELIVERIES,
      buildSeconds,
      p50,
      p95,
      p99,
      max: samples.at(-1),
      queries: samples.length,
    });
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
