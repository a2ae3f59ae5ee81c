/**
 * A desk that was off while the server pruned its change feed past the desk's
 * position: on the next start its feed consumer gets 410 FEED.RESNAPSHOT,
 * takes a fresh snapshot and ends with exactly the server's records. Real
 * sync-server process with retention squeezed (no minimum age, keep the
 * newest 3, a pass every 100 ms), real replica file.
 */
import { expect, it } from 'vitest';
import type { DeliverySnapshot } from '../../domain/shipping';
import {
  metricValue,
  reschedule,
  snapshotAll,
  type FeedRecord,
} from '../../sync-server/test-support/feed-helpers';
import { eventually } from '../../sync-server/test-support/server-process';
import { callValue as value, deskTestScope } from '../test-support/desk-process';
import { openProfileReplica } from '../test-support/profile-replica';
import { startCore } from './start-core';

const KEEP = 3;
/** A reschedule's feed entries: the delivery, the command's record, the audit line. */
const FEED_ENTRIES_PER_RESCHEDULE = 3;
const RESNAPSHOTS = 'fleetdesk_rejected_requests_total{reason="FEED.RESNAPSHOT"}';
const scope = deskTestScope();

function replicaFacts(dbPath: string): { since: number; phase: string; records: string[] } {
  const db = openProfileReplica(dbPath);
  try {
    const state = db.prepare('SELECT phase, since FROM feed_state').get() as
      { phase: string; since: number } | undefined;
    const rows = db.prepare('SELECT kind, id, version FROM records').all() as {
      kind: string;
      id: string;
      version: number;
    }[];
    return {
      since: state?.since ?? 0,
      phase: state?.phase ?? 'snapshot',
      records: rows.map((r) => `${r.kind}/${r.id}@${r.version}`).sort(),
    };
  } finally {
    db.close();
  }
}

/** Deliveries an agent may reschedule without touching a drone. */
const reschedulable = (records: readonly FeedRecord[]) =>
  records
    .filter((r): r is FeedRecord<DeliverySnapshot> => r.kind === 'delivery')
    .filter((r) => r.body.stage === 'created' && r.body.droneId === null);

it('a desk that fell behind the retained feed re-snapshots and ends with the server’s records', async () => {
  const server = await scope.server([
    ...['--feed-retention', '0s', '--feed-keep-newest', String(KEEP)],
    ...['--feed-prune-interval', '100ms'],
  ]);
  const profileDir = scope.dir();
  const desk = server.token('agent-2', 'agent');
  const other = server.token('agent-1', 'agent');
  const open = async () => {
    return scope.own(await startCore({ syncServerUrl: server.url, profileDir, feedWaitMs: 300 }));
  };
  const serverRecords = async (): Promise<string[]> =>
    (await snapshotAll(server, desk)).records.map((r) => `${r.kind}/${r.id}@${r.version}`).sort();

  // The desk replicates, then is switched off at feed position `left`.
  let core = await open();
  await value(core, 'session.login', { token: desk });
  const dbPath = core.dbPath;
  await eventually(() => (replicaFacts(dbPath).phase === 'live' ? true : undefined), 20_000);
  const left = replicaFacts(dbPath).since;
  await core.close();

  // Meanwhile another agent reschedules deliveries and the server prunes past `left`.
  const { records } = await snapshotAll(server, other);
  const [next, ...movable] = reschedulable(records).slice(0, 5);
  expect(movable).toHaveLength(4);
  for (const [i, d] of movable.entries())
    expect(await reschedule(server, other, 'agent-1', d, `behind-${i}`)).toMatchObject({
      status: 'accepted',
    });
  const hwm = (await snapshotAll(server, desk)).upTo;
  expect(hwm).toBe(left + FEED_ENTRIES_PER_RESCHEDULE * movable.length);
  await eventually(
    async () =>
      (await metricValue(server, 'fleetdesk_feed_oldest_retained_seq')) === hwm - KEEP + 1
        ? true
        : undefined,
    15_000,
    'the prune to pass the desk',
  );
  expect(hwm - KEEP + 1).toBeGreaterThan(left + 1); // the desk's next change is gone
  const refusedBefore = (await metricValue(server, RESNAPSHOTS)) ?? 0;

  // Back on: 410, a fresh snapshot, and then the same records as the server.
  core = await open();
  const truth = await serverRecords();
  await eventually(
    () => {
      const r = replicaFacts(dbPath);
      return r.phase === 'live' && r.records.join() === truth.join() ? true : undefined;
    },
    20_000,
    'the replica to match the server',
  );
  expect(await metricValue(server, RESNAPSHOTS)).toBe(refusedBefore + 1);
  expect(replicaFacts(dbPath).since).toBeGreaterThanOrEqual(hwm);
  for (const d of movable) {
    const seen = await value<{ delivery: { version: number } }>(core, 'deliveries.get', {
      deliveryId: d.id,
    });
    expect(seen.delivery.version).toBe(d.version + 1);
  }

  // …and it follows the feed live again from there.
  if (!next) throw new Error('no delivery left');
  expect(await reschedule(server, other, 'agent-1', next, 'behind-live')).toMatchObject({
    status: 'accepted',
  });
  await eventually(
    async () => {
      const seen = await value<{ delivery: { version: number } }>(core, 'deliveries.get', {
        deliveryId: next.id,
      });
      return seen.delivery.version === next.version + 1 ? true : undefined;
    },
    10_000,
    'the live change to arrive',
  );
  expect(await metricValue(server, RESNAPSHOTS)).toBe(refusedBefore + 1);
}, 90_000);
