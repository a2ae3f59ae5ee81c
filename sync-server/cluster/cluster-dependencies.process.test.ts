/**
 * Scale-out, dependency loss: two real instances whose PostgreSQL and Redis connections go
 * through TCP proxies this test controls (the machine's services are shared: they are cut
 * here, never restarted). Redis cut: instances keep serving and catch up from the store when
 * it is back. PostgreSQL cut for 30 s: instances report not ready, refuse writes with a clear
 * 503, and recover by themselves; stock y-websocket clients keep editing offline and converge.
 */
import { Pool } from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../test-support/local-redis';
import { eventually, type ServerProcess } from '../test-support/server-process';
import { TcpProxy } from '../test-support/tcp-proxy';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { api, freePort, type Haproxy } from '../test-support/cluster-harness';
import { ClusterFixture, LEASED_JOBS } from './test-support/cluster-fixture';
import { notesClient, tally, writeNotes, type NotesClient } from './test-support/cluster-load';

const pg = throwawayPostgres({ databasePrefix: 'fd_cluster_deps', schemaPrefix: 'unused' });
const prefix = `fd-test-deps-${process.pid}-${Date.now()}:`;
const cluster = new ClusterFixture();
const clients = cluster.clients;
let instances: ServerProcess[] = [];
let haproxy: Haproxy;
let pgProxy: TcpProxy;
let redisProxy: TcpProxy;
const token = cluster.token.bind(cluster);

const PG_OUTAGE_MS = 30_000;

beforeAll(async () => {
  const viaPg = await TcpProxy.forUrl(pg.url, 5432);
  const viaRedis = await TcpProxy.forUrl(REDIS_URL, 6379);
  ({ proxy: pgProxy } = viaPg);
  ({ proxy: redisProxy } = viaRedis);
  cluster.defer(() => pgProxy.close());
  cluster.defer(() => redisProxy.close());
  const ports = await Promise.all([freePort(), freePort()]);
  const options = {
    storage: viaPg.url,
    redis: viaRedis.url,
    redisPrefix: prefix,
    args: ['--gateway-probe-interval', '0'],
  };
  await cluster.start(options, ports, { tokenStorage: pg.url });
  ({ instances, haproxy } = cluster);
}, 90_000);

/** One client on each instance, directly (not through HAProxy), so the fan-out is what carries. */
async function clientPerInstance(): Promise<NotesClient[]> {
  const pair = instances.map((i, n) =>
    notesClient(i.url.replace('http', 'ws'), token(`agent-d${n}`, 'agent')),
  );
  clients.push(...pair);
  await eventually(
    () => (pair.every((c) => c.provider.synced) ? true : undefined),
    15_000,
    'synced',
  );
  return pair;
}

describe('dependency loss', () => {
  it('Redis cut and back: instances stay ready, and clients on different instances converge', async () => {
    const pair = await clientPerInstance();
    const stop = writeNotes(pair, 100, 'redis-');
    await new Promise((r) => setTimeout(r, 500));
    await redisProxy.cut();
    await new Promise((r) => setTimeout(r, 3000));
    const readyDuringCut = await Promise.all(
      instances.map(async (i) => (await api(i.url, '/readyz')).status),
    );
    await redisProxy.restore();
    await new Promise((r) => setTimeout(r, 500));
    const written = stop();
    const restoredAt = Date.now();
    const convergedMs = await eventually(
      () =>
        pair.every((c) => tally(written, c.ops.toArray()).lost === 0)
          ? Date.now() - restoredAt
          : undefined,
      20_000,
      'convergence after Redis is back',
    );
    const figures = tally(written, pair[1]?.ops.toArray() ?? []);
    console.log(
      `[cluster] Redis cut 3 s: ${figures.written} notes written on 2 instances, lost ${figures.lost}, duplicated ${figures.duplicated}, converged ${convergedMs} ms after restore; readyz during the cut ${readyDuringCut.join('/')}`,
    );
    expect(readyDuringCut).toEqual([200, 200]);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
  }, 60_000);

  it('PostgreSQL unreachable for 30 s: not ready, writes refused with a clear error, recovery without help', async () => {
    const pair = await clientPerInstance();
    const stop = writeNotes(pair, 200, 'pg-');
    await new Promise((r) => setTimeout(r, 500));
    const cutAt = Date.now();
    await pgProxy.cut();
    const notReadyMs = await eventually(
      async () => {
        const statuses = await Promise.all(
          instances.map(async (i) => (await api(i.url, '/readyz')).status),
        );
        return statuses.every((s) => s === 503) ? Date.now() - cutAt : undefined;
      },
      10_000,
      'instances to report not ready',
    );
    const refused = await api(instances[0]?.url ?? '', '/api/session', {
      token: token('agent-x', 'agent'),
    });
    const throughLb = await api(haproxy.url, '/api/session', { token: token('agent-x', 'agent') });
    await new Promise((r) => setTimeout(r, Math.max(0, PG_OUTAGE_MS - (Date.now() - cutAt))));
    await pgProxy.restore();
    const restoredAt = Date.now();
    const readyMs = await eventually(
      async () => {
        const statuses = await Promise.all(
          instances.map(async (i) => (await api(i.url, '/readyz')).status),
        );
        return statuses.every((s) => s === 200) ? Date.now() - restoredAt : undefined;
      },
      20_000,
      'instances to be ready again',
    );
    const written = stop();
    const convergedMs = await eventually(
      () =>
        pair.every((c) => tally(written, c.ops.toArray()).lost === 0)
          ? Date.now() - restoredAt
          : undefined,
      30_000,
      'clients to converge after the outage',
    );
    const fresh = notesClient(haproxy.url.replace('http', 'ws'), token('agent-check', 'agent'));
    clients.push(fresh);
    await eventually(() => (fresh.provider.synced ? true : undefined), 10_000, 'fresh client');
    const stored = tally(written, fresh.ops.toArray());
    const leases = await eventually(
      async () => {
        const admin = new Pool({ connectionString: pg.url, max: 1 });
        try {
          const { rows } = await admin.query<{ name: string }>(
            'SELECT name FROM fleetdesk.leases WHERE expires_at > now()',
          );
          // Every job held again (no simulator in this deployment).
          const names = rows.map((r) => r.name);
          const expected = LEASED_JOBS.filter((n) => n !== 'drone-simulator');
          return expected.every((n) => names.includes(n)) ? rows.length : undefined;
        } finally {
          await admin.end();
        }
      },
      15_000,
      'jobs to run again',
    );
    console.log(
      `[cluster] PostgreSQL cut ${PG_OUTAGE_MS / 1000} s: not ready after ${notReadyMs} ms, API answer ${refused.status} ${(refused.body as { code?: string }).code ?? ''}, via HAProxy ${throughLb.status}; ready ${readyMs} ms after restore; ` +
        `${stored.written} notes written on 2 instances during and around the cut, lost ${stored.lost}, duplicated ${stored.duplicated}, converged ${convergedMs} ms after restore; ${leases} leased jobs running again`,
    );
    expect(refused).toMatchObject({ status: 503, body: { code: 'STORAGE.UNAVAILABLE' } });
    expect(throughLb.status).toBe(503);
    expect(stored.lost).toBe(0);
    expect(stored.duplicated).toBe(0);
  }, 120_000);
});
