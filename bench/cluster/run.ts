/**
 * `npm run bench:cluster` (part of `npm run bench`): the Yjs fan-out of the sync server in its
 * three shapes, same harness, same run: one instance on SQLite, one on PostgreSQL + Redis, and
 * three on PostgreSQL + Redis behind HAProxy. Stock y-websocket clients on one board document
 * (5 writers, every client a reader) at a fixed total rate; per update: latency from a writer's
 * push to each other client's receipt (p50/p99), and server CPU (user + system time of every
 * instance from /proc, divided by the updates written). Then, for the three instances, the
 * recovery after a SIGKILL of one of them: time until every client holds every update again.
 * Results: bench/results/cluster.md and .json. Uses the machine's PostgreSQL and Redis (a
 * database and Redis prefix of its own, dropped at the end) and HAProxy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  clusterTokens,
  freePort,
  startHaproxy,
  startInstance,
} from '../../sync-server/test-support/cluster-harness';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import { summarize, type LatencySummary } from '../fanout/stats';

const CLIENTS = 20;
const WRITERS = 5;
const RATE = Number(process.env['BENCH_CLUSTER_RATE'] ?? 100); // updates/s in all
const WINDOW_MS = Number(process.env['BENCH_CLUSTER_WINDOW_MS'] ?? 15_000);
const ADMIN =
  process.env['FLEETDESK_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env['FLEETDESK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DOC = `board/berlin/${new Date().toISOString().slice(0, 10)}`;
const TICK_S = 1 / 100; // /proc clock ticks (USER_HZ)

interface Client {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly entries: Y.Array<string>;
}

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_S; // utime, stime
}

function connect(wsUrl: string, token: string, latencies: number[], id: number): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/yjs`, DOC, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 500,
  });
  const entries = doc.getArray<string>('bench');
  entries.observe((event) => {
    if (event.transaction.local) return;
    const now = performance.timeOrigin + performance.now();
    for (const item of event.changes.added)
      for (const value of item.content.getContent() as string[]) {
        const [writer, sentAt] = value.split('@');
        if (Number(writer) !== id) latencies.push(now - Number(sentAt));
      }
  });
  return { doc, provider, entries };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(probe: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) return Number.NaN;
    await sleep(20);
  }
  return Date.now() - started;
}

interface Result {
  readonly shape: string;
  readonly updates: number;
  readonly latency: LatencySummary;
  readonly cpuMsPerUpdate: number;
  readonly haproxyCpuMsPerUpdate: number | null;
  readonly recoveryMs: number | null;
}

async function measure(
  shape: string,
  entry: string,
  token: () => string,
  instances: readonly ServerProcess[],
  haproxyPid: number | undefined,
  killOne: boolean,
): Promise<Result> {
  const latencies: number[] = [];
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    connect(entry.replace('http', 'ws'), token(), latencies, i),
  );
  await until(() => clients.every((c) => c.provider.synced), 20_000);
  let written = 0;
  const write = (): void => {
    const c = clients[written % WRITERS];
    c?.entries.push([`${written % WRITERS}@${performance.timeOrigin + performance.now()}`]);
    written += 1;
  };
  const cpu0 = instances.map((i) => cpuSeconds(i.child.pid));
  const lb0 = cpuSeconds(haproxyPid);
  const timer = setInterval(write, 1000 / RATE);
  await sleep(WINDOW_MS);
  clearInterval(timer);
  await until(() => clients.every((c) => c.entries.length === written), 10_000);
  const cpu = instances.reduce((sum, i, n) => sum + cpuSeconds(i.child.pid) - (cpu0[n] ?? 0), 0);
  const lb = cpuSeconds(haproxyPid) - lb0;
  const updates = written;
  let recoveryMs: number | null = null;
  if (killOne) {
    const victim = instances[0];
    victim?.child.kill('SIGKILL');
    const killedAt = Date.now();
    for (let w = 0; w < WRITERS; w += 1) write(); // one update per writer right after the kill
    await until(() => clients.every((c) => c.entries.length === written), 60_000);
    recoveryMs = Date.now() - killedAt;
  }
  for (const c of clients) {
    c.provider.destroy();
    c.doc.destroy();
  }
  return {
    shape,
    updates,
    latency: summarize(latencies),
    cpuMsPerUpdate: (cpu * 1000) / updates,
    haproxyCpuMsPerUpdate: haproxyPid === undefined ? null : (lb * 1000) / updates,
    recoveryMs,
  };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const data = tempDataDir();
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  const stopAll: (() => Promise<void> | void)[] = [];
  try {
    // 1. Embedded SQLite, one instance.
    const sqlite = await startServerProcess(`${data.dir}/sqlite`);
    stopAll.push(() => void sqlite.child.kill('SIGKILL'));
    results.push(
      await measure(
        '1 instance, SQLite',
        sqlite.url,
        () => sqlite.token('bench', 'supervisor'),
        [sqlite],
        undefined,
        false,
      ),
    );
    sqlite.child.kill('SIGTERM');
    await sqlite.exited;

    for (const n of [1, 3]) {
      const database = `fd_bench_cluster_${n}_${process.pid}`;
      await admin.query(`CREATE DATABASE ${database}`);
      stopAll.push(() =>
        admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).then(() => undefined),
      );
      const url = new URL(ADMIN);
      url.pathname = `/${database}`;
      const options = {
        storage: url.toString(),
        redis: REDIS,
        redisPrefix: `fd-bench-${n}-${process.pid}:`,
      };
      const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
      const instances = await Promise.all(
        ports.map((p, i) => startInstance(options, p, `${data.dir}/pg${n}-${i}`)),
      );
      stopAll.push(() => {
        for (const i of instances) i.child.kill('SIGKILL');
      });
      const sign = await clusterTokens(url.toString());
      const haproxy = n > 1 ? await startHaproxy(ports) : undefined;
      if (haproxy) stopAll.push(() => haproxy.stop());
      results.push(
        await measure(
          n === 1 ? '1 instance, PostgreSQL + Redis' : '3 instances, PostgreSQL + Redis, HAProxy',
          haproxy?.url ?? instances[0]?.url ?? '',
          () => sign('bench', 'supervisor'),
          instances,
          haproxy?.child.pid,
          n > 1,
        ),
      );
    }
  } finally {
    for (const stop of stopAll.reverse()) await stop();
    await admin.end();
    data.cleanup();
  }
  const f = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(2));
  const lines = [
    `# Sync server shapes: SQLite vs PostgreSQL + Redis vs 3 behind HAProxy`,
    '',
    `${CLIENTS} stock y-websocket clients on one document, ${WRITERS} writing, ${RATE} updates/s in all for ${WINDOW_MS / 1000} s; latency = a writer's push to each other client's receipt; CPU = user + system time of the instances (and HAProxy, separately) per update written. Recovery: SIGKILL of one of the three instances, then one update per writer; time until every client holds every update. ${new Date().toISOString()}, ${process.platform} ${process.arch}, node ${process.version}; the 2 cores are shared with other work.`,
    '',
    '| shape | updates | receipts | p50 ms | p99 ms | max ms | server CPU ms/update | HAProxy CPU ms/update | recovery after kill ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.shape} | ${r.updates} | ${r.latency.count} | ${f(r.latency.p50)} | ${f(r.latency.p99)} | ${f(r.latency.max)} | ${f(r.cpuMsPerUpdate)} | ${f(r.haproxyCpuMsPerUpdate)} | ${f(r.recoveryMs)} |`,
    ),
    '',
  ];
  const out = join(import.meta.dirname, '..', 'results');
  writeFileSync(join(out, 'cluster.md'), lines.join('\n'));
  writeFileSync(join(out, 'cluster.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
