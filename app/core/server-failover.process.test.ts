/**
 * A desk with several sync servers (`--server http://a,http://b`) on a scale-out deployment
 * without a load balancer: two real instances on a throwaway PostgreSQL database and a unique
 * Redis prefix. The desk's first server is SIGKILLed; the desk moves to the second by itself,
 * its feed goes live again and a command it queues is applied there exactly once.
 */
import { expect, it } from 'vitest';
import {
  clusterTokens,
  freePort,
  startInstance,
} from '../../sync-server/test-support/cluster-harness';
import { REDIS_URL } from '../../sync-server/test-support/local-redis';
import { eventually, tempDataDir } from '../../sync-server/test-support/server-process';
import { throwawayPostgres } from '../../sync-server/test-support/throwaway-postgres';
import {
  callValue as value,
  deskTestScope,
  feedLive,
  QUICK_SYNC,
} from '../test-support/desk-process';
import { startCore } from './start-core';

const pg = throwawayPostgres({ databasePrefix: 'fd_desk_failover', schemaPrefix: 'unused' });
const scope = deskTestScope();

it('moves to the next server when the current one dies, and applies a command there once', async () => {
  const data = tempDataDir();
  scope.defer(data.cleanup);
  const options = {
    storage: pg.url,
    redis: REDIS_URL,
    redisPrefix: `fd-desk-failover-${process.pid}-${Date.now()}:`,
  };
  const ports = await Promise.all([freePort(), freePort()]);
  const [first, second] = await Promise.all(
    ports.map((p, i) => startInstance(options, p, `${data.dir}/i${i}`)),
  );
  if (!first || !second) throw new Error('two instances expected');
  scope.defer(() => first.child.kill('SIGKILL'));
  scope.defer(() => second.child.kill('SIGKILL'));
  const token = (await clusterTokens(pg.url))('agent-1', 'agent');
  const core = scope.own(
    await startCore({
      syncServerUrl: `${first.url},${second.url}`,
      profileDir: scope.dir(),
      ...QUICK_SYNC,
    }),
  );
  await value(core, 'session.login', { token });
  await feedLive(core);

  const { body } = await second.api('/api/feed/snapshot?limit=500', { token });
  const target = (
    body as { records: { kind: string; id: string; version: number; body: { stage?: string } }[] }
  ).records.find((r) => r.kind === 'delivery' && r.body.stage === 'created');
  if (!target) throw new Error('no cancellable delivery');

  // The board document is open (its socket on the first server) before the kill.
  await value(core, 'notes.add', { deliveryId: target.id, text: 'Written before the kill' });
  first.child.kill('SIGKILL');
  await first.exited;
  const killedAt = Date.now();
  const entry = await value<{ idempotencyKey: string }>(core, 'shipping.cancelDelivery', {
    deliveryId: target.id,
    reason: 'customer-request',
  });
  const doneMs = await eventually(
    async () => {
      const list = await value<{ recent: { idempotencyKey: string; state: string }[] }>(
        core,
        'outbox.list',
      );
      return list.recent.some(
        (e) => e.idempotencyKey === entry.idempotencyKey && e.state === 'done',
      )
        ? Date.now() - killedAt
        : undefined;
    },
    30_000,
    'the cancel to be done on the second server',
  );
  const after = await second.api('/api/feed/snapshot?limit=500', { token });
  const truth = (
    after.body as { records: { id: string; version: number; body: { stage?: string } }[] }
  ).records.find((r) => r.id === target.id);
  expect(truth?.body.stage).toBe('cancelled');
  expect(truth?.version).toBe(target.version + 1); // applied once
  await feedLive(core); // again, on the second server
  // The shared notes move too: a note written after the kill is confirmed by the second server.
  await value(core, 'notes.add', {
    deliveryId: target.id,
    text: 'Written after the first server died',
  });
  const noteMs = await eventually(
    async () => {
      const docs = (
        await value<{ documents: Record<string, { state: string; pending?: number }> }>(
          core,
          'sync.status',
        )
      ).documents;
      const boards = Object.entries(docs).filter(([name]) => name.startsWith('board/'));
      return boards.length > 0 &&
        boards.every(([, d]) => d.state === 'online' && (d.pending ?? 0) === 0)
        ? Date.now() - killedAt
        : undefined;
    },
    30_000,
    'the note to be confirmed by the second server',
  );
  console.log(
    `[desk failover] first server killed; command done on the second ${doneMs} ms later, applied once; note confirmed ${noteMs} ms after the kill`,
  );
}, 90_000);
