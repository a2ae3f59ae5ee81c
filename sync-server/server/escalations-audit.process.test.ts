/**
 * Issue 13 (supervisor): escalation commands and the audit trail against the real server
 * process — role checks (403), bad input (400), a drilled void refusal, retry and resolve,
 * the trail's lines and CSV, and that only supervisors ever receive it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PaymentSnapshot } from '../../domain/payments';
import type { AuditEntry } from '../../domain/protocol';
import type { DeliverySnapshot } from '../../domain/shipping';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';
import { snapshotAll, type FeedRecord } from '../test-support/feed-helpers';

type Rec<B> = FeedRecord<B>;

let server: ServerProcess;
let agent: string;
let fleet: string;
let supervisor: string;
const data = tempDataDir();
let n = 0;

beforeAll(async () => {
  server = await startServerProcess(data.dir);
  agent = server.token('agent-1', 'agent');
  fleet = server.token('fm-1', 'fleet-manager');
  supervisor = server.token('sup-1', 'supervisor');
}, 60_000);
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  data.cleanup();
});

const snapshot = async (token: string): Promise<Rec<unknown>[]> =>
  (await snapshotAll(server, token)).records;

async function payment(id: string): Promise<Rec<PaymentSnapshot>> {
  const found = (await snapshot(supervisor)).find((r) => r.kind === 'payment' && r.id === id);
  if (!found) throw new Error(`no payment ${id}`);
  return found as Rec<PaymentSnapshot>;
}

const command = (
  token: string,
  user: string,
  role: string,
  name: string,
  payload: Record<string, unknown>,
) =>
  server.api('/api/commands', {
    token,
    body: {
      name,
      schemaVersion: 1,
      idempotencyKey: `${user}:${String(++n)}`,
      issuedBy: { userId: user, role, desktopId: `desk-${user}` },
      issuedAt: Date.now() - 3_600_000,
      payload,
    },
  });

const faults = (mode: string) =>
  server.api('/api/admin/gateway-faults', { method: 'PUT', token: supervisor, body: { mode } });

let paymentId = '';
let deliveryId = '';

it('a drilled void refusal of a cancelled order becomes an escalation', async () => {
  expect((await faults('refuse-voids')).status).toBe(200);
  const all = await snapshot(agent);
  const payments = new Map(
    all
      .filter((r): r is Rec<PaymentSnapshot> => r.kind === 'payment')
      .map((p) => [p.body.deliveryId as string, p]),
  );
  const d = all.find(
    (r): r is Rec<DeliverySnapshot> =>
      r.kind === 'delivery' &&
      (r.body as DeliverySnapshot).stage === 'created' &&
      payments.get(r.id)?.body.status === 'authorized',
  );
  if (!d) throw new Error('no cancellable delivery in the seed');
  deliveryId = d.id;
  paymentId = payments.get(d.id)?.id ?? '';
  const cancelled = await command(agent, 'agent-1', 'agent', 'shipping.cancelDelivery', {
    deliveryId,
    expectedVersion: d.version,
    reason: 'customer-request',
  });
  expect(cancelled.body).toMatchObject({ status: 'accepted' });
  const refused = await eventually(async () => {
    const p = await payment(paymentId);
    return p.body.release?.step === 'void-refused' ? p : undefined;
  }, 20_000);
  expect(refused.body.status).toBe('authorized');
}, 60_000);

it('refuses escalation commands from agents and fleet managers (403) and malformed ones (400)', async () => {
  const { version } = await payment(paymentId);
  for (const [token, user, role] of [
    [agent, 'agent-1', 'agent'],
    [fleet, 'fm-1', 'fleet-manager'],
  ] as const) {
    for (const name of ['payments.retryVoid', 'payments.resolveEscalation']) {
      const r = await command(token, user, role, name, {
        paymentId,
        expectedVersion: version,
        reason: 'I would like to close this.',
      });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'COMMAND.FORBIDDEN' });
    }
  }
  const missing = await command(supervisor, 'sup-1', 'supervisor', 'payments.resolveEscalation', {
    paymentId,
    expectedVersion: version,
  });
  expect(missing.status).toBe(400);
  expect(missing.body).toMatchObject({ code: 'COMMAND.MALFORMED' });
  const badId = await command(supervisor, 'sup-1', 'supervisor', 'payments.retryVoid', {
    paymentId: '../etc',
    expectedVersion: version,
  });
  expect(badId.status).toBe(400);
});

it('a reason that is too short or holds card data is rejected with a readable reason', async () => {
  const { version } = await payment(paymentId);
  const short = await command(supervisor, 'sup-1', 'supervisor', 'payments.resolveEscalation', {
    paymentId,
    expectedVersion: version,
    reason: 'ok',
  });
  expect(short.body).toMatchObject({ status: 'rejected', code: 'ESCALATION.REASON_LENGTH' });
  const card = await command(supervisor, 'sup-1', 'supervisor', 'payments.resolveEscalation', {
    paymentId,
    expectedVersion: version,
    reason: 'Customer read out 4111 1111 1111 1111 on the phone',
  });
  expect(card.body).toMatchObject({ status: 'rejected', code: 'NOTE.CONTAINS_CARD_NUMBER' });
});

it('a retried void uses a new gateway key: refused again during the drill, released after it', async () => {
  let p = await payment(paymentId);
  const again = await command(supervisor, 'sup-1', 'supervisor', 'payments.retryVoid', {
    paymentId,
    expectedVersion: p.version,
  });
  expect(again.body).toMatchObject({ status: 'accepted' });
  p = await eventually(async () => {
    const q = await payment(paymentId);
    return q.body.release?.step === 'void-refused' && q.body.release.retries === 1 ? q : undefined;
  }, 20_000);
  expect((await faults('none')).status).toBe(200);
  const retried = await command(supervisor, 'sup-1', 'supervisor', 'payments.retryVoid', {
    paymentId,
    expectedVersion: p.version,
  });
  expect(retried.body).toMatchObject({ status: 'accepted' });
  const released = await eventually(async () => {
    const q = await payment(paymentId);
    return q.body.status === 'released' ? q : undefined;
  }, 20_000);
  expect(released.body.release?.step).toBe('released');
  // Nothing left to resolve.
  const none = await command(supervisor, 'sup-1', 'supervisor', 'payments.resolveEscalation', {
    paymentId,
    expectedVersion: released.version,
    reason: 'Nothing to do any more.',
  });
  expect(none.body).toMatchObject({ status: 'rejected', code: 'ESCALATION.NONE_OPEN' });
}, 60_000);

it('the audit trail has each command and gateway step with desk and both times; supervisors only', async () => {
  const r = await server.api(`/api/audit?order=${deliveryId}`, { token: supervisor });
  expect(r.status).toBe(200);
  const entries = (r.body as { entries: AuditEntry[] }).entries;
  const cancel = entries.find(
    (e) => e.command === 'shipping.cancelDelivery' && e.event === 'command',
  );
  expect(cancel).toMatchObject({ userId: 'agent-1', role: 'agent', desktopId: 'desk-agent-1' });
  expect(cancel?.acceptedAt).toBeGreaterThan((cancel?.issuedAt ?? 0) + 3_000_000);
  expect(cancel?.customerId).toBeTruthy();
  const steps = entries.filter((e) => e.event === 'gateway-step').map((e) => e.outcome);
  expect(steps.sort()).toEqual(['released', 'void-refused', 'void-refused']);
  expect(
    entries.filter((e) => e.command === 'payments.retryVoid' && e.event === 'command'),
  ).toHaveLength(2);
  // Searchable by agent and time; CSV.
  const byAgent = await server.api(`/api/audit?agent=sup-1&from=${String(Date.now() - 600_000)}`, {
    token: supervisor,
  });
  const mine = (byAgent.body as { entries: AuditEntry[] }).entries;
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.every((e) => e.userId === 'sup-1')).toBe(true);
  const csv = await server.api(`/api/audit?order=${deliveryId}&format=csv`, { token: supervisor });
  expect(csv.status).toBe(200);
  expect(String(csv.body).split('\r\n')[0]).toMatch(
    /^at,event,command,outcome,code,detail,user,role,desk,issued_at,accepted_at/,
  );
  expect(String(csv.body)).toContain('desk-agent-1');

  for (const token of [agent, fleet]) {
    const refused = await server.api('/api/audit', { token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'AUTH.FORBIDDEN' });
    expect((await snapshot(token)).some((rec) => rec.kind === 'audit')).toBe(false);
    const changes = await server.api('/api/feed/changes?since=0&limit=5000', { token });
    const list = (changes.body as { changes: Rec<unknown>[] }).changes;
    expect(list.some((rec) => rec.kind === 'audit')).toBe(false);
  }
  expect((await snapshot(supervisor)).some((rec) => rec.kind === 'audit')).toBe(true);
}, 60_000);

it('pages the trail newest first with limit and cursor, in JSON and CSV alike', async () => {
  const all = await server.api(`/api/audit?order=${deliveryId}`, { token: supervisor });
  const everything = all.body as { entries: AuditEntry[]; nextCursor: string | null };
  expect(everything.nextCursor).toBeNull();
  expect(everything.entries.length).toBeGreaterThan(3);
  const times = everything.entries.map((e) => e.at);
  expect(times).toEqual([...times].sort((a, b) => b - a));

  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await server.api(
      `/api/audit?order=${deliveryId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      { token: supervisor },
    );
    expect(page.status).toBe(200);
    const body = page.body as { entries: AuditEntry[]; nextCursor: string | null };
    expect(body.entries.length).toBeLessThanOrEqual(2);
    paged.push(...body.entries.map((e) => e.id));
    cursor = body.nextCursor;
  } while (cursor !== null);
  expect(paged).toEqual(everything.entries.map((e) => e.id));

  // The CSV export is the same query: same page, next cursor in a header.
  const csv = await fetch(`${server.url}/api/audit?order=${deliveryId}&limit=2&format=csv`, {
    headers: { authorization: `Bearer ${supervisor}` },
  });
  const rows = (await csv.text()).trim().split('\r\n');
  expect(rows).toHaveLength(3);
  expect(rows[1]).toContain(everything.entries[0]?.commandKey);
  const next = csv.headers.get('fleetdesk-next-cursor');
  expect(next).toBeTruthy();
  const second = await server.api(`/api/audit?order=${deliveryId}&limit=2&cursor=${next ?? ''}`, {
    token: supervisor,
  });
  expect((second.body as { entries: AuditEntry[] }).entries[0]?.id).toBe(everything.entries[2]?.id);
}, 60_000);

it('answers bad audit parameters with 400 and a clear code', async () => {
  for (const q of [
    'from=yesterday',
    'to=-5',
    'customer=%20x',
    'order=' + 'a'.repeat(200),
    'format=xml',
    'bogus=1',
    'from=20&to=10',
    'limit=0',
    'limit=5001',
    'limit=ten',
    'limit=1.5',
  ]) {
    const r = await server.api(`/api/audit?${q}`, { token: supervisor });
    expect(r.status, q).toBe(400);
    expect(r.body, q).toMatchObject({ code: 'AUDIT.BAD_PARAMETER' });
  }
  const garbage = Buffer.from('["soon","x"]').toString('base64url');
  for (const cursor of ['not-a-cursor', '%00', garbage, 'A'.repeat(500)]) {
    const r = await server.api(`/api/audit?cursor=${cursor}`, { token: supervisor });
    expect(r.status, cursor).toBe(400);
    expect(r.body, cursor).toMatchObject({ code: 'AUDIT.BAD_CURSOR' });
  }
  const badMode = await server.api('/api/admin/gateway-faults', {
    method: 'PUT',
    token: supervisor,
    body: { mode: 'explode' },
  });
  expect(badMode.status).toBe(400);
  const fmDrill = await server.api('/api/admin/gateway-faults', {
    method: 'PUT',
    token: fleet,
    body: { mode: 'down' },
  });
  expect(fmDrill.status).toBe(403);
});
