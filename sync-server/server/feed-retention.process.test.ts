/**
 * Change-feed retention in the real server process: the periodic prune, its
 * metrics and log line, what desks at different positions get afterwards, a
 * graceful stop with the pruner running, and a restart on the pruned file.
 * Retention is squeezed (no minimum age, keep the newest 5, a pass every
 * 100 ms, batches of 50) so the seeded feed itself is the backlog.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverySnapshot } from '../../domain/shipping';
import {
  metricValue,
  reschedule,
  snapshotAll,
  type FeedRecord,
} from '../test-support/feed-helpers';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';

const KEEP = 5;
const SQUEEZED = [
  ...['--feed-retention', '0s', '--feed-keep-newest', String(KEEP)],
  ...['--feed-prune-interval', '100ms', '--feed-prune-batch', '50', '--log-level', 'info'],
];

let server: ServerProcess;
let supervisor: string;
let agent: string;
const data = tempDataDir();
const stdout: string[] = [];
let keys = 0;

async function start(args: string[]): Promise<void> {
  server = await startServerProcess(data.dir, args);
  server.child.stdout?.on('data', (d: Buffer) => stdout.push(d.toString()));
  supervisor = server.token('sup-1', 'supervisor');
  agent = server.token('agent-1', 'agent');
}

beforeAll(() => start(SQUEEZED), 60_000);
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  data.cleanup();
});

const oldestRetained = async (): Promise<number> =>
  (await metricValue(server, 'fleetdesk_feed_oldest_retained_seq')) ?? Number.NaN;

/** Waits until the prune has caught up with the high-water mark: only the newest KEEP remain. */
async function prunedDownTo(hwm: number): Promise<number> {
  return eventually(
    async () => ((await oldestRetained()) === hwm - KEEP + 1 ? hwm - KEEP + 1 : undefined),
    15_000,
    `oldest retained seq ${hwm - KEEP + 1}`,
  );
}

// Supervisors see every shared entry and the audit trail; an agent also sees its own command records.
const changes = (since: number, token = supervisor) =>
  server.api(`/api/feed/changes?since=${since}&limit=1000`, { token });

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Deliveries an agent may reschedule without touching a drone (three feed entries each). */
async function reschedulable(): Promise<FeedRecord<DeliverySnapshot>[]> {
  const { records } = await snapshotAll(server, agent);
  return records.filter(
    (r): r is FeedRecord<DeliverySnapshot> =>
      r.kind === 'delivery' &&
      (r.body as DeliverySnapshot).stage === 'created' &&
      (r.body as DeliverySnapshot).droneId === null,
  );
}

describe('change-feed retention (real server process)', () => {
  it('prunes the seeded feed in batches down to the newest entries; the snapshot stays complete', async () => {
    const { upTo, records } = await snapshotAll(server, supervisor);
    const oldest = await prunedDownTo(upTo);
    expect(upTo - KEEP).toBeGreaterThan(50); // more than one batch of 50
    expect(await metricValue(server, 'fleetdesk_feed_pruned_entries_total')).toBe(oldest - 1);
    expect(await metricValue(server, 'fleetdesk_feed_prune_failures_total')).toBe(0);

    // The snapshot reads records, not the feed: every record of the file, at its version.
    const db = new Database(join(data.dir, 'fleetdesk.sqlite'), { readonly: true });
    const inFile = db
      .prepare<[], { key: string }>(
        "SELECT kind || '/' || id || '@' || version AS key FROM records WHERE owner IS NULL",
      )
      .all()
      .map((r) => r.key);
    const feedRows = db.prepare('SELECT COUNT(*) AS n FROM feed').get() as { n: number };
    db.close();
    expect(records.map((r) => `${r.kind}/${r.id}@${r.version}`).sort()).toEqual(inFile.sort());
    expect(records.filter((r) => r.kind === 'delivery')).toHaveLength(80);
    expect(feedRows.n).toBe(KEEP);
  });

  it('a desk at oldest - 1 catches up without a gap; one further behind gets 410 FEED.RESNAPSHOT', async () => {
    const { upTo } = await snapshotAll(server, supervisor);
    const oldest = await prunedDownTo(upTo);
    const caughtUp = await changes(oldest - 1);
    expect(caughtUp.status).toBe(200);
    const body = caughtUp.body as { changes: FeedRecord[]; nextSince: number };
    expect(body.changes.map((c) => c.seq)).toEqual(range(oldest, upTo));
    expect(body.nextSince).toBe(upTo);
    for (const since of [oldest - 2, 0])
      expect(await changes(since)).toMatchObject({
        status: 410,
        body: { code: 'FEED.RESNAPSHOT' },
      });
  });

  it('keeps pruning while changes come in; the high-water mark only moves forward; the log has counts only', async () => {
    const before = (await snapshotAll(server, supervisor)).upTo;
    const [delivery] = await reschedulable();
    if (!delivery) throw new Error('no reschedulable delivery in the seed');
    for (let i = 0; i < 10; i += 1) {
      const reply = await reschedule(
        server,
        agent,
        'agent-1',
        { id: delivery.id, version: delivery.version + i },
        `retention-${(keys += 1)}`,
      );
      expect(reply).toMatchObject({ status: 'accepted' });
    }
    const after = (await snapshotAll(server, supervisor)).upTo;
    // Each reschedule: the delivery, the command record and its audit line (supervisors only).
    expect(after).toBe(before + 30);
    const oldest = await prunedDownTo(after);
    // No one role sees every entry any more (the agent its command records, the supervisor the
    // audit lines): together they must have every seq, each without a gap of its own.
    const seqs = async (token: string): Promise<number[]> =>
      ((await changes(oldest - 1, token)).body as { changes: FeedRecord[] }).changes.map(
        (c) => c.seq,
      );
    const both = [...(await seqs(agent)), ...(await seqs(supervisor))];
    expect([...new Set(both)].sort((a, b) => a - b)).toEqual(range(oldest, after));

    const lines = stdout
      .join('')
      .split('\n')
      .filter((l) => l.includes('"pruned change feed"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    const last = lines.at(-1) ?? {};
    expect(last).toMatchObject({ part: 'feed-retention', oldestRetainedSeq: oldest });
    expect(last['pruned']).toBeGreaterThan(0);
    expect(Object.keys(last).sort()).toEqual([
      'batches',
      'level',
      'ms',
      'msg',
      'oldestRetainedSeq',
      'part',
      'pruned',
      'svc',
      'time',
    ]);
  });

  it('drains on SIGTERM with the pruner running; a restart keeps the high-water mark and continues the seqs', async () => {
    const last = (await snapshotAll(server, supervisor)).upTo;
    const oldest = await prunedDownTo(last);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    await start(['--feed-retention', 'off']);
    expect((await snapshotAll(server, supervisor)).upTo).toBe(last);
    expect(await oldestRetained()).toBe(oldest);
    const [delivery] = await reschedulable();
    if (!delivery) throw new Error('no reschedulable delivery left');
    await reschedule(server, agent, 'agent-1', delivery, `retention-${(keys += 1)}`);
    const next = (await changes(last, agent)).body as { changes: FeedRecord[] };
    expect(next.changes.map((c) => c.seq)).toEqual([last + 1, last + 2]);
    await new Promise((r) => setTimeout(r, 300)); // retention is off: nothing is pruned
    expect(await oldestRetained()).toBe(oldest);
  }, 60_000);
});
