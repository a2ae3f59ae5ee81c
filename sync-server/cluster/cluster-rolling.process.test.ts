/**
 * Scale-out, rolling restart: three real instances behind HAProxy restarted one by one
 * (SIGTERM, drain, start again on the same port) while stock y-websocket clients edit and an
 * agent sends payment changes. Figures: notes written, lost, duplicated; reconnects per client;
 * commands, retries, final states.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../test-support/local-redis';
import { eventually } from '../test-support/server-process';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { freePort, startInstance, type ClusterOptions } from '../test-support/cluster-harness';
import { ClusterFixture } from './test-support/cluster-fixture';
import {
  changeablePayments,
  changeCommand,
  sendWithRetry,
  writeNotes,
} from './test-support/cluster-load';

const pg = throwawayPostgres({ databasePrefix: 'fd_cluster_roll', schemaPrefix: 'unused' });
const cluster = new ClusterFixture();
const clients = cluster.clients;
let ports: number[] = [];
let options: ClusterOptions;

beforeAll(async () => {
  ports = await Promise.all([freePort(), freePort(), freePort()]);
  options = {
    storage: pg.url,
    redis: REDIS_URL,
    redisPrefix: `fd-test-roll-${process.pid}-${Date.now()}:`,
    args: ['--gateway-latency', '100-300', '--gateway-probe-interval', '0'],
  };
  // One after another: starting together is the kill test's subject; here it only adds load.
  await cluster.start(options, ports);
}, 90_000);

describe('rolling restart of three instances', () => {
  it('loses and doubles nothing, and each client only reconnects', async () => {
    const { haproxy, instances } = cluster;
    const token = cluster.token.bind(cluster);
    const ws = haproxy.url.replace('http', 'ws');
    for (let i = 0; i < 6; i += 1) cluster.client(ws, `agent-r${i}`);
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
      instances[n] = await startInstance(options, port, cluster.instanceDir(n));
      // Back in HAProxy's rotation (1 good check) before the next one goes.
      await new Promise((r) => setTimeout(r, 1500));
    }
    const replies = await Promise.all(sends);
    await new Promise((r) => setTimeout(r, 1000));
    const written = stop();
    await cluster.converged(written);
    const stored = await cluster.freshTally(ws, written);
    const finals = await cluster.commandsDone(keys, agent);
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
