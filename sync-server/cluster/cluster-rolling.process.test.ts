/**
 * Scale-out, rolling restart: three real instances behind HAProxy restarted one by one
 * (SIGTERM, drain, start again on the same port) while stock y-websocket clients edit and an
 * agent sends payment changes. Figures: notes written, lost, duplicated; reconnects per client;
 * commands, retries, final states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../test-support/local-redis';
import { eventually, tempDataDir, type ServerProcess } from '../test-support/server-process';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import {
  api,
  clusterTokens,
  freePort,
  startHaproxy,
  startInstance,
  type ClusterOptions,
  type Haproxy,
} from '../test-support/cluster-harness';
import {
  changeablePayments,
  changeCommand,
  notesClient,
  sendWithRetry,
  tally,
  writeNotes,
  type NotesClient,
} from './test-support/cluster-load';

const pg = throwawayPostgres({ databasePrefix: 'fd_cluster_roll', schemaPrefix: 'unused' });
const data = tempDataDir();
const cleanups: (() => Promise<void> | void)[] = [];
const clients: NotesClient[] = [];
let ports: number[] = [];
let instances: ServerProcess[] = [];
let options: ClusterOptions;
let haproxy: Haproxy;
let token: Awaited<ReturnType<typeof clusterTokens>>;

beforeAll(async () => {
  ports = await Promise.all([freePort(), freePort(), freePort()]);
  options = {
    storage: pg.url,
    redis: REDIS_URL,
    redisPrefix: `fd-test-roll-${process.pid}-${Date.now()}:`,
    args: ['--gateway-latency', '100-300', '--gateway-probe-interval', '0'],
  };
  // One after another: starting together is the kill test's subject; here it only adds load.
  instances = [];
  for (const [i, p] of ports.entries())
    instances.push(await startInstance(options, p, `${data.dir}/i${i}`));
  haproxy = await startHaproxy(ports);
  cleanups.push(() => haproxy.stop());
  token = await clusterTokens(pg.url);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const i of instances) i.child.kill('SIGKILL');
  await Promise.all(instances.map((i) => i.exited));
  for (const cleanup of cleanups.reverse()) await cleanup();
  data.cleanup();
});

describe('rolling restart of three instances', () => {
  it('loses and doubles nothing, and each client only reconnects', async () => {
    const ws = haproxy.url.replace('http', 'ws');
    for (let i = 0; i < 6; i += 1) clients.push(notesClient(ws, token(`agent-r${i}`, 'agent')));
    await eventually(
      () => (clients.every((c) => c.provider.synced) ? true : undefined),
      15_000,
      'synced',
    );
    const reconnects = clients.map(() => 0);
    clients.forEach((c, i) => {
      c.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'connected') reconnects[i] = (reconnects[i] ?? 0) + 1;
      });
    });
    const stop = writeNotes(clients, 100, 'roll-');
    const agent = token('agent-roll', 'agent');
    const picks = await changeablePayments(haproxy.url, token('sup-1', 'supervisor'), 6);
    const keys = picks.map((_, n) => `roll-${Date.now()}-${n}`);
    const sends: ReturnType<typeof sendWithRetry>[] = [];
    for (const [n, port] of ports.entries()) {
      const pick = picks[n * 2];
      if (pick)
        sends.push(
          sendWithRetry(
            haproxy.url,
            agent,
            changeCommand(keys[n * 2] ?? '', 'agent-roll', pick.payment, pick.newToken),
          ),
        );
      const old = instances[n];
      if (!old) throw new Error('missing instance');
      old.child.kill('SIGTERM');
      expect(await old.exited).toBe(0);
      const second = picks[n * 2 + 1];
      if (second)
        sends.push(
          sendWithRetry(
            haproxy.url,
            agent,
            changeCommand(keys[n * 2 + 1] ?? '', 'agent-roll', second.payment, second.newToken),
          ),
        );
      instances[n] = await startInstance(options, port, `${data.dir}/i${n}`);
      // Back in HAProxy's rotation (1 good check) before the next one goes.
      await new Promise((r) => setTimeout(r, 1500));
    }
    const replies = await Promise.all(sends);
    await new Promise((r) => setTimeout(r, 1000));
    const written = stop();
    await eventually(
      () => (clients.every((c) => tally(written, c.ops.toArray()).lost === 0) ? true : undefined),
      30_000,
      'clients to converge',
    );
    const fresh = notesClient(ws, token('agent-check', 'agent'));
    clients.push(fresh);
    await eventually(() => (fresh.provider.synced ? true : undefined), 10_000, 'fresh client');
    const stored = tally(written, fresh.ops.toArray());
    const finals = await eventually(
      async () => {
        const all = await Promise.all(
          keys.map(
            async (k) =>
              (
                (await api(haproxy.url, `/api/commands/${k}`, { token: agent })).body as {
                  status?: string;
                }
              ).status,
          ),
        );
        return all.every((s) => s === 'done') ? all : undefined;
      },
      30_000,
      'payment changes to finish',
    );
    console.log(
      `[cluster] rolling restart of 3: ${stored.written} notes by 6 clients, lost ${stored.lost}, duplicated ${stored.duplicated}; ` +
        `reconnects per client ${reconnects.join(',')}; ${finals.length} payment changes done, ` +
        `HTTP answers ${replies.map((r) => r.status).join(',')}, retries ${replies.reduce((n, r) => n + r.retries, 0)}`,
    );
    expect(stored.lost).toBe(0);
    expect(stored.duplicated).toBe(0);
    expect(replies.every((r) => r.status === 200 || r.status === 202)).toBe(true);
    // A client reconnects at most once per restart (each of its sockets ends once).
    expect(Math.max(...reconnects)).toBeLessThanOrEqual(3);
  }, 180_000);
});
