/**
 * Search-as-you-type latency over a large replica (default 300k customers and
 * 1M deliveries), through the same ReplicaSearch the operator API uses, on the
 * read-only connection, on a plain and on an encrypted replica in the same
 * run. Limit: p95 < 10 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileKey } from '../../app/keystore';
import {
  openReadableReplica,
  openWritableReplica,
  RecordWriter,
  resumeSearchIndexing,
  suspendSearchIndexing,
  type ReplicaKeying,
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

interface Measured {
  readonly buildSeconds: number;
  readonly samples: number[];
  readonly hits: number[];
}

/** Builds one replica (plain or encrypted) and times every keystroke query on it. */
async function measure(dir: string, keying: ReplicaKeying): Promise<Measured> {
  const path = join(dir, keying === 'plaintext' ? 'plain.sqlite' : 'encrypted.sqlite');
  const db = openWritableReplica(path, keying);
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
      Array.from({ length: Math.min(batch, DELIVERIES - i) }, (_, k) => delivery(i + k, CUSTOMERS)),
    );
  await resumeSearchIndexing(db);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const buildSeconds = (performance.now() - buildStarted) / 1000;

  const readDb = openReadableReplica(path, keying);
  const search = new ReplicaSearch(readDb);
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
  readDb.close();
  db.close();
  return { buildSeconds, samples, hits };
}

const row = (name: string, m: Measured): string =>
  `| ${name} | ${fmt(percentile(m.samples, 50), 2)} ms | ${fmt(percentile(m.samples, 95), 2)} ms | ${fmt(percentile(m.samples, 99), 2)} ms | ${fmt(m.samples.at(-1) ?? NaN, 2)} ms | ${fmt(m.buildSeconds)} s | p95 < 10 ms |`;

export async function runSearchBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-search-'));
  try {
    const plain = await measure(dir, 'plaintext');
    rmSync(join(dir, 'plain.sqlite'), { force: true });
    const encrypted = await measure(dir, ProfileKey.random());
    const p95 = (m: Measured): number => percentile(m.samples, 95);
    const md = [
      '# Desktop replica: search-as-you-type latency',
      '',
      machineLine(),
      `Replica: ${CUSTOMERS.toLocaleString('en')} customers + ${DELIVERIES.toLocaleString('en')} deliveries, plain and encrypted (SQLCipher 4, as every profile now), same run. ${plain.samples.length} queries each: every prefix (from 2 characters) of ${QUERIES.length} realistic inputs, 5 rounds, top 20 ranked by bm25.`,
      '',
      '| replica | p50 | p95 | p99 | max | build | limit |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      row('plain', plain),
      row('encrypted', encrypted),
      '',
      `Encrypted p95 / plain p95: ${fmt(p95(encrypted) / p95(plain), 2)}×. Queries with at least one hit: ${encrypted.hits.filter((h) => h > 0).length} of ${encrypted.hits.length} (plain: ${plain.hits.filter((h) => h > 0).length}).`,
      '',
    ].join('\n');
    const data = (m: Measured) => ({
      buildSeconds: m.buildSeconds,
      p50: percentile(m.samples, 50),
      p95: percentile(m.samples, 95),
      p99: percentile(m.samples, 99),
      max: m.samples.at(-1),
      queries: m.samples.length,
    });
    writeResult('core-search', md, {
      customers: CUSTOMERS,
      deliveries: DELIVERIES,
      plain: data(plain),
      encrypted: data(encrypted),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
