/**
 * Two hubs as two instances of the scale-out mode: each on its own PostgresDocStore pool over
 * one schema of the local PostgreSQL (a throwaway database for this file), each with its own
 * RedisDocFanout on the local Redis (FLEETDESK_TEST_REDIS_URL, default redis://127.0.0.1:6379;
 * channels under a prefix unique to this run). Stock providers over real sockets.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLocalRedis, REDIS_URL, type RawRedis } from '../../test-support/local-redis';
import { PostgresDocStore } from '../store/postgres-doc-store';
import { RedisDocFanout } from '../fanout/redis-doc-fanout';
import { TcpProxy } from '../../test-support/tcp-proxy';
import { throwawayPostgres } from '../../test-support/throwaway-postgres';
import {
  crossInstanceSuite,
  pairsPerTest,
  type InstanceBackend,
} from '../test-support/cross-instance';
import { BOARD, synced, waitFor, type HarnessOptions } from '../test-support/hub-harness';

const prefix = `fd-test:${randomUUID()}:`;
const db = throwawayPostgres({ databasePrefix: 'fd_yjs_fanout_test', schemaPrefix: 'yjs' });
const errors: Error[] = [];
const fanouts: RedisDocFanout[] = [];
let raw: RawRedis | undefined;
// The schema the instances of the pair being started share.
let schema = '';
// Where the next instances reach Redis (then REDIS_URL).
let urls: string[] = [];
const redisAddress = {
  host: new URL(REDIS_URL).hostname,
  port: Number(new URL(REDIS_URL).port || 6379),
};

async function openInstance(): Promise<InstanceBackend> {
  const store = await PostgresDocStore.open(db.url, { schema, onError: db.onPoolError });
  const fanout = await RedisDocFanout.open({
    url: urls.shift() ?? REDIS_URL,
    prefix,
    onError: (e) => errors.push(e),
  });
  fanouts.push(fanout);
  return {
    store,
    fanout,
    close: async () => {
      await fanout.close();
      await store.close();
    },
  };
}

beforeAll(async () => {
  raw = await connectLocalRedis();
});

afterAll(async () => {
  await Promise.all(fanouts.map((f) => f.close()));
  if (raw?.isOpen) {
    // Nothing of this run stays subscribed.
    const channels = await raw.pubSubChannels(`${prefix}*`);
    expect(channels).toEqual([]);
    await raw.close();
  }
});

describe('two yjs hubs on PostgreSQL with RedisDocFanout', () => {
  const pairs = pairsPerTest(openInstance);
  const start = (options?: HarnessOptions) => {
    schema = db.nextSchema();
    return pairs(options);
  };

  crossInstanceSuite(start);

  it('an instance whose Redis connection dropped catches up from the store', async () => {
    const { a, b } = await start();
    const onA = a.provider(BOARD, 'agent-token');
    const onB = b.provider(BOARD, 'fm-token');
    await Promise.all([synced(onA.provider), synced(onB.provider)]);
    const bFanout = fanouts[fanouts.length - 1];
    const victims = (await raw?.clientList())?.filter(
      (c) => c.name === `fleetdesk-yjs-fanout-subscriber-${bFanout?.instanceId ?? ''}`,
    );
    expect(victims).toHaveLength(1);
    const errorsBefore = errors.length;
    for (const c of victims ?? []) await raw?.clientKill({ filter: 'ID', id: c.id });
    // Written while B's subscriber is (probably) away; B gets it either way.
    onA.doc.getMap('claims').set('case-1', 'agent-1');
    await waitFor('B caught up', () => onB.doc.getMap('claims').get('case-1') === 'agent-1', 5000);
    await b.waitForMetric('fleetdesk_yjs_fanout_catch_ups_total', {}, 1);
    // The drop was reported, not thrown.
    expect(errors.length).toBeGreaterThan(errorsBefore);
    // Live again after the reconnect.
    onA.doc.getMap('claims').set('case-2', 'agent-1');
    await waitFor('live again', () => onB.doc.getMap('claims').get('case-2') === 'agent-1', 5000);
  }, 15_000);

  it('an instance whose publishes failed tells the others to catch up once it can publish', async () => {
    // A reaches Redis through a proxy the test can cut; B directly.
    const proxy = await TcpProxy.start(redisAddress);
    try {
      urls = [`redis://127.0.0.1:${proxy.port}`];
      const { a, b } = await start();
      const onA = a.provider(BOARD, 'agent-token');
      const onB = b.provider(BOARD, 'fm-token');
      await Promise.all([synced(onA.provider), synced(onB.provider)]);
      await proxy.cut();
      // Stored and sent on A while Redis is away from it; the publish fails.
      onA.doc.getMap('claims').set('case-7', 'agent-1');
      await a.waitForMetric('fleetdesk_yjs_fanout_publish_failures_total', {}, 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(onB.doc.getMap('claims').size).toBe(0);
      await proxy.restore();
      // A reconnects (backoff up to 2 s) and asks the others to catch up from the store.
      await waitFor(
        'B caught up',
        () => onB.doc.getMap('claims').get('case-7') === 'agent-1',
        8000,
      );
      expect(await b.metric('fleetdesk_yjs_fanout_catch_ups_total')).toBeGreaterThanOrEqual(1);
    } finally {
      urls = [];
      await proxy.close();
    }
  }, 20_000);

  it('delivers binary payloads exactly, never to the publisher, and drops malformed messages', async () => {
    const one = await RedisDocFanout.open({
      url: REDIS_URL,
      prefix,
      onError: (e) => errors.push(e),
    });
    fanouts.push(one);
    const seen: Error[] = [];
    const other = await RedisDocFanout.open({
      url: REDIS_URL,
      prefix,
      onError: (e) => seen.push(e),
    });
    fanouts.push(other);
    const got: Uint8Array[] = [];
    const own: Uint8Array[] = [];
    const doc = 'board/binary/2026-12-01';
    const subscription = other.subscribe(doc, {
      update: (u) => got.push(u),
      missed: () => undefined,
    });
    const self = one.subscribe(doc, { update: (u) => own.push(u), missed: () => undefined });
    await Promise.all([subscription.ready, self.ready]);
    // Not UTF-8, NUL bytes, every byte value.
    const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
    await raw?.publish(other.channel(doc), Buffer.from([9, 9, 9]));
    await one.publish(doc, payload);
    await waitFor('delivered', () => got.length === 1);
    expect(Buffer.from(got[0] ?? []).equals(Buffer.from(payload))).toBe(true);
    expect(own).toEqual([]);
    expect(seen.map((e) => e.message)).toEqual([
      'Redis doc fan-out: dropped a malformed message on a doc channel',
    ]);
    subscription.unsubscribe();
    self.unsubscribe();
    await waitFor('unsubscribed', async () => {
      const counts = await raw?.pubSubNumSub(other.channel(doc));
      return Object.values(counts ?? {}).every((n) => n === 0);
    });
  });

  it('fails to open with a clear message when Redis is unreachable', async () => {
    await expect(RedisDocFanout.open({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /Redis doc fan-out cannot reach redis:\/\/127\.0\.0\.1:1/,
    );
  });
});
