/**
 * The desk refuses the supervisor's methods to other roles before anything is queued or
 * read: retrying a void, resolving an escalation, searching and exporting the audit trail.
 * Real sync server process, real desk core on a real profile; the same desk signed in as a
 * supervisor afterwards gets past the role check (and finds the agent's line in its replica).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { PaymentSnapshot } from '../../domain/payments';
import type { Role } from '../../domain/protocol';
import type { DeliverySnapshot } from '../../domain/shipping';
import { snapshotAll } from '../../sync-server/test-support/feed-helpers';
import {
  eventually,
  startServerProcess,
  tempDataDir,
} from '../../sync-server/test-support/server-process';
import type { OperatorCore } from '../host';
import { startCore } from './start-core';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it('an agent and a fleet manager are refused every supervisor method; a supervisor is not', async () => {
  const data = tempDataDir();
  cleanups.push(data.cleanup);
  const server = await startServerProcess(data.dir);
  cleanups.push(() => server.child.kill('SIGKILL'));
  const profile = mkdtempSync(join(tmpdir(), 'fleetdesk-profile-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const c: OperatorCore = await startCore({
    syncServerUrl: server.url,
    profileDir: profile,
    feedWaitMs: 1000,
  });
  cleanups.push(() => c.close().catch(() => undefined));

  const signIn = async (user: string, role: Role): Promise<void> => {
    expect((await c.call('session.logout', {})).ok).toBe(true);
    expect((await c.call('session.login', { token: server.token(user, role) })).ok).toBe(true);
  };
  const outboxKeys = async (): Promise<string[]> => {
    const r = await c.call('outbox.list', {});
    if (!r.ok) throw new Error(r.error.message);
    return [...r.value.pending, ...r.value.needsAttention, ...r.value.recent].map(
      (e) => e.idempotencyKey,
    );
  };

  // A delivery not yet picked up and its payment, for the agent to cancel: one audit line.
  const records = (await snapshotAll(server, server.token('sup-0', 'supervisor'))).records;
  const delivery = records.find(
    (r) => r.kind === 'delivery' && (r.body as DeliverySnapshot).stage === 'created',
  );
  if (!delivery) throw new Error('the seed has no created delivery');
  const payment = records.find(
    (r) => r.kind === 'payment' && (r.body as PaymentSnapshot).deliveryId === delivery.id,
  );
  if (!payment) throw new Error(`no payment for ${delivery.id}`);
  const paymentId = payment.id;

  await signIn('agent-1', 'agent');
  await eventually(
    async () => {
      const r = await c.call('deliveries.get', { deliveryId: delivery.id });
      return r.ok ? true : undefined;
    },
    30_000,
    'the agent replica has the delivery',
  );
  const cancel = await c.call('shipping.cancelDelivery', {
    deliveryId: delivery.id,
    reason: 'customer-request',
  });
  if (!cancel.ok) throw new Error(cancel.error.message);
  const cancelKey = cancel.value.idempotencyKey;
  // Applied by the server (its audit line written) before anyone else signs in on this desk.
  const settled = await eventually(
    async () => {
      const r = await c.call('outbox.list', {});
      if (!r.ok) throw new Error(r.error.message);
      const entry = [...r.value.recent, ...r.value.needsAttention].find(
        (e) => e.idempotencyKey === cancelKey,
      );
      return entry && entry.state !== 'sending' && entry.state !== 'queued' ? entry : undefined;
    },
    30_000,
    "the agent's cancel answered",
  );
  expect(settled.state).toBe('done');

  for (const [user, role] of [
    ['agent-1', 'agent'],
    ['fm-1', 'fleet-manager'],
  ] as const) {
    if (role !== 'agent') await signIn(user, role);
    const before = await outboxKeys();
    const refusals = [
      await c.call('payments.retryVoid', { paymentId }),
      await c.call('payments.resolveEscalation', { paymentId, reason: 'Customer called back.' }),
      await c.call('audit.search', { order: delivery.id }),
      await c.call('audit.exportCsv', { order: delivery.id }),
      await c.call('escalations.list', {}),
    ];
    for (const r of refusals) {
      expect(r, role).toMatchObject({ ok: false, error: { code: 'AUTH.FORBIDDEN' } });
      if (!r.ok) expect(r.error.message).toMatch(/Only supervisors/);
    }
    // Refused before the outbox: nothing queued for the server to refuse later.
    expect(await outboxKeys(), role).toEqual(before);
  }

  // The supervisor on the same desk, right after the fleet manager: the replica follows the
  // supervisor's feed (a refresh in flight at the sign-out once left it on the fleet manager's).
  await signIn('sup-1', 'supervisor');
  const sup = c;
  const found = await eventually(
    async () => {
      const r = await sup.call('audit.search', { order: delivery.id, agent: 'agent-1' });
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.value.rows.length > 0 ? r.value.rows : undefined;
    },
    30_000,
    "the agent's cancel in the supervisor's replica",
  );
  expect(found.find((row) => row.event === 'command')).toMatchObject({
    command: 'shipping.cancelDelivery',
    userId: 'agent-1',
    deliveryId: delivery.id,
    commandKey: cancelKey,
  });
  // Past the role check: refused (if at all) for what the payment is, not for who asks.
  const retry = await sup.call('payments.retryVoid', { paymentId });
  expect(retry.ok ? 'queued' : retry.error.code).not.toBe('AUTH.FORBIDDEN');
  expect((await sup.call('escalations.list', {})).ok).toBe(true);
  const csv = await sup.call('audit.exportCsv', { order: delivery.id });
  expect(csv.ok && csv.value.csv).toContain(cancelKey);
}, 120_000);
