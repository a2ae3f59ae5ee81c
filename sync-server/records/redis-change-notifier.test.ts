/**
 * RedisChangeNotifier against the real Redis of the dev/CI machine
 * (FLEETDESK_TEST_REDIS_URL, default redis://127.0.0.1:6379). Every notifier
 * uses a prefix unique to this run; an unreachable server fails the file.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLocalRedis, REDIS_URL, type RawRedis } from '../test-support/local-redis';
import { RedisChangeNotifier } from './redis-change-notifier';

const prefix = `fd-test:${randomUUID()}:`;
const errors: Error[] = [];
const opened: RedisChangeNotifier[] = [];
let raw: RawRedis | undefined;

async function open(p = prefix): Promise<RedisChangeNotifier> {
  const n = await RedisChangeNotifier.open({
    url: REDIS_URL,
    prefix: p,
    onError: (e) => errors.push(e),
  });
  opened.push(n);
  return n;
}

/** A listener that records what it gets and can wait for the next value. */
function collector() {
  const values: number[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  return {
    values,
    listener: (seq: number) => {
      values.push(seq);
      waiters = waiters.filter((w) => (values.length >= w.n ? (w.resolve(), false) : true));
    },
    /** Resolves once `n` values have arrived in total. */
    until: (n: number, ms = 2000) =>
      new Promise<void>((resolve, reject) => {
        if (values.length >= n) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for ${n} values, got [${values.join(', ')}]`));
        }, ms);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}

beforeAll(async () => {
  raw = await connectLocalRedis();
});

afterAll(async () => {
  await Promise.all(opened.map((n) => n.close()));
  // Nothing of this run stays subscribed.
  if (raw?.isOpen) {
    const counts = await raw.pubSubNumSub(opened.map((n) => n.channel));
    expect(Object.values(counts).every((c) => c === 0)).toBe(true);
    await raw.close();
  }
  expect(errors).toEqual([]);
});

describe('RedisChangeNotifier', () => {
  it('delivers a publish on one instance to every subscriber on another, and locally once', async () => {
    const [a, b] = [await open(), await open()];
    const [b1, b2, local] = [collector(), collector(), collector()];
    b.subscribe(b1.listener);
    b.subscribe(b2.listener);
    a.subscribe(local.listener);
    a.publish(7);
    expect(local.values).toEqual([7]); // synchronously, without a Redis round trip
    a.publish(8);
    await Promise.all([b1.until(2), b2.until(2)]);
    expect(b1.values).toEqual([7, 8]);
    expect(b2.values).toEqual([7, 8]);
    // b publishing reaches a; a's own messages did not come back to it a second time.
    b.publish(9);
    await local.until(3);
    expect(local.values).toEqual([7, 8, 9]);
  });

  it('stops delivering to a listener after it unsubscribes', async () => {
    const [a, b] = [await open(), await open()];
    const [kept, dropped] = [collector(), collector()];
    b.subscribe(kept.listener);
    const unsubscribe = b.subscribe(dropped.listener);
    a.publish(1);
    await Promise.all([kept.until(1), dropped.until(1)]);
    unsubscribe();
    a.publish(2);
    // One channel, one publisher: once `kept` has 2, `dropped` would have had it too.
    await kept.until(2);
    expect(kept.values).toEqual([1, 2]);
    expect(dropped.values).toEqual([1]);
  });

  it('ignores malformed messages on the channel', async () => {
    const b = await open();
    const got = collector();
    b.subscribe(got.listener);
    for (const junk of [
      'garbage',
      '42',
      'null',
      '[]',
      '{}',
      '{"seq":"7"}',
      '{"seq":-1}',
      '{"seq":0}',
      '{"seq":1.5}',
      '{"seq":1e300}',
      '{"seq":5,"origin":12}',
      '{"seq":',
    ])
      await raw?.publish(b.channel, junk);
    await raw?.publish(b.channel, JSON.stringify({ seq: 11, origin: 'elsewhere' }));
    await got.until(1);
    expect(got.values).toEqual([11]);
  });

  it('keeps instances with different prefixes apart', async () => {
    const a = await open();
    const same = await open();
    const other = await open(`fd-test:${randomUUID()}:`);
    const [s, o] = [collector(), collector()];
    same.subscribe(s.listener);
    other.subscribe(o.listener);
    a.publish(3);
    await s.until(1);
    await raw?.publish(other.channel, JSON.stringify({ seq: 4 }));
    await o.until(1);
    expect(o.values).toEqual([4]);
  });

  it('never throws into the publisher: listener errors go to onError, a closed notifier drops publishes', async () => {
    const seen: Error[] = [];
    const a = await RedisChangeNotifier.open({
      url: REDIS_URL,
      prefix,
      onError: (e) => seen.push(e),
    });
    opened.push(a);
    const after = collector();
    a.subscribe(() => {
      throw new Error('listener bug');
    });
    a.subscribe(after.listener);
    expect(() => a.publish(1)).not.toThrow();
    expect(after.values).toEqual([1]);
    expect(seen.map((e) => e.message)).toEqual(['listener bug']);
    await a.close();
    expect(() => a.publish(2)).not.toThrow();
    await a.close(); // idempotent
  });

  it('survives dropped connections: reports them, reconnects and re-subscribes', async () => {
    const seen: Error[] = [];
    const onError = (e: Error) => seen.push(e);
    const a = await RedisChangeNotifier.open({ url: REDIS_URL, prefix, onError });
    const b = await RedisChangeNotifier.open({ url: REDIS_URL, prefix, onError });
    opened.push(a, b);
    const got = collector();
    b.subscribe(got.listener);
    const victims = (await raw?.clientList())?.filter(
      (c) =>
        c.name === `fleetdesk-notifier-publisher-${a.instanceId}` ||
        c.name === `fleetdesk-notifier-subscriber-${b.instanceId}`,
    );
    expect(victims).toHaveLength(2);
    for (const c of victims ?? []) await raw?.clientKill({ filter: 'ID', id: c.id });
    // Publish until one gets through both reconnected connections.
    let seq = 0;
    const ticker = setInterval(() => {
      expect(() => a.publish((seq += 1))).not.toThrow();
    }, 25);
    try {
      await got.until(1, 5000);
    } finally {
      clearInterval(ticker);
    }
    expect(seen.length).toBeGreaterThan(0);
  });

  it('fails to open with a clear message when Redis is unreachable', async () => {
    await expect(
      RedisChangeNotifier.open({ url: 'redis://127.0.0.1:1', onError: (e) => errors.push(e) }),
    ).rejects.toThrow(/cannot reach redis:\/\/127\.0\.0\.1:1/);
  });
});
