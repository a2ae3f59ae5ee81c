/**
 * Audit-trail retention in the real server process on a real SQLite file: the default
 * (400 days) prunes at start, a shorter `--audit-retention` prunes more on the next pass,
 * `off` keeps everything, and a bad value stops the server with a clear message. The lines
 * are written into the data dir's file before the server starts, with their ages set.
 */
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { AuditEntry } from '../../domain/protocol';
import { SqliteRecordStore } from '../records';
import { openServerDatabase } from '../storage';
import { metricValue } from '../test-support/feed-helpers';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';

const DAY = 86_400_000;
const NOW = Date.now();
const AGES_IN_DAYS = { ancient: 900, old: 401, 'almost-old': 399, recent: 1 } as const;
type Age = keyof typeof AGES_IN_DAYS;

const line = (age: Age): AuditEntry => ({
  id: `desk-1:${age}#command`,
  event: 'command',
  at: NOW - AGES_IN_DAYS[age] * DAY,
  commandKey: `desk-1:${age}`,
  command: 'shipping.cancelDelivery',
  userId: 'agent-1',
  role: 'agent',
  desktopId: 'desk-1',
  issuedAt: NOW - AGES_IN_DAYS[age] * DAY,
  acceptedAt: NOW - AGES_IN_DAYS[age] * DAY,
  outcome: 'accepted',
  code: null,
  detail: 'customer-request',
  customerId: 'cust-1',
  deliveryId: 'del-1',
  paymentId: null,
});

const data = tempDataDir();
let server: ServerProcess | null = null;
afterEach(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  server = null;
});
afterAll(() => data.cleanup());

{
  // A non-empty file: the server does not seed over it.
  const db = openServerDatabase(join(data.dir, 'fleetdesk.sqlite'));
  const store = new SqliteRecordStore(db);
  await store.transact(async (tx) => {
    for (const age of Object.keys(AGES_IN_DAYS) as Age[])
      await tx.put('audit', line(age).id, 1, line(age));
  });
  db.close();
}

async function trail(s: ServerProcess): Promise<string[]> {
  const r = await s.api('/api/audit', { token: s.token('sup-1', 'supervisor') });
  expect(r.status).toBe(200);
  return (r.body as { entries: AuditEntry[] }).entries.map((e) => e.commandKey);
}

it('by default keeps 400 days: older lines go at start, younger ones stay', async () => {
  server = await startServerProcess(data.dir);
  const s = server;
  await eventually(
    async () => ((await trail(s)).length === 2 ? true : undefined),
    15_000,
    'the first prune pass',
  );
  expect(await trail(s)).toEqual(['desk-1:recent', 'desk-1:almost-old']);
  expect(await metricValue(s, 'fleetdesk_audit_pruned_lines_total')).toBe(2);
  expect(await metricValue(s, 'fleetdesk_audit_prune_failures_total')).toBe(0);
}, 60_000);

it('"off" keeps every line; a shorter retention prunes on its next pass', async () => {
  server = await startServerProcess(data.dir, ['--audit-retention', 'off']);
  // No job runs at all: give it the time a first pass would take, then look.
  await new Promise((r) => setTimeout(r, 500));
  expect(await trail(server)).toEqual(['desk-1:recent', 'desk-1:almost-old']);
  expect(await metricValue(server, 'fleetdesk_audit_pruned_lines_total')).toBe(0);
  server.child.kill('SIGTERM');
  await server.exited;

  server = await startServerProcess(data.dir, [
    ...['--audit-retention', '30d', '--audit-prune-interval', '100ms'],
  ]);
  const s = server;
  await eventually(
    async () => ((await trail(s)).length === 1 ? true : undefined),
    15_000,
    'the 30-day prune',
  );
  expect(await trail(s)).toEqual(['desk-1:recent']);
}, 60_000);

it('refuses a retention that is not a duration, saying which flag', async () => {
  await expect(startServerProcess(data.dir, ['--audit-retention', 'forever'])).rejects.toThrow(
    /--audit-retention must be a duration/,
  );
  await expect(startServerProcess(data.dir, ['--audit-prune-interval', '1ms'])).rejects.toThrow(
    /--audit-prune-interval must be at least 10 ms/,
  );
}, 60_000);
