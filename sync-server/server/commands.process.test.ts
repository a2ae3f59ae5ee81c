/**
 * Command API, payments and change feed against the real server process and its SQLite file.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSnapshot } from '../../domain/accounts';
import type { PaymentSnapshot } from '../../domain/payments';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';
import { changeMethodCommand, snapshotAll as feedSnapshotAll } from '../test-support/feed-helpers';

interface Rec<B = unknown> {
  kind: string;
  id: string;
  version: number;
  seq: number;
  body: B;
}

let server: ServerProcess;
let agent: string;
const data = tempDataDir();
let keyN = 0;
const newKey = (): string => `test-${Date.now().toString(36)}-${(keyN += 1)}`;

// Pages of 50: the seed spans several, so paging at one feed position is exercised too.
const snapshotAll = async (token: string): Promise<{ upTo: number; records: Rec[] }> =>
  feedSnapshotAll(server, token, 50);

const changeCommand = (
  payment: Rec<PaymentSnapshot>,
  token: string,
  key = newKey(),
  user = 'agent-1',
) => changeMethodCommand(key, user, payment, token);

/** An authorized payment whose customer has another approvable card, and a decline card if asked. */
async function pickPayment(
  want: 'ok' | 'decline_funds',
  exclude: Set<string>,
): Promise<{ payment: Rec<PaymentSnapshot>; token: string }> {
  const { records } = await snapshotAll(agent);
  const accounts = new Map(
    records.filter((r) => r.kind === 'account').map((r) => [r.id, r as Rec<AccountSnapshot>]),
  );
  for (const r of records) {
    if (r.kind !== 'payment' || exclude.has(r.id)) continue;
    const p = r as Rec<PaymentSnapshot>;
    if (p.body.status !== 'authorized') continue;
    const other = accounts
      .get(p.body.customerId)
      ?.body.paymentMethods.find(
        (m) =>
          m.token !== p.body.method.token && m.token.includes(`_${want}_`) && m.expiry.year >= 2027,
      );
    if (other) {
      exclude.add(p.id);
      return { payment: p, token: other.token };
    }
  }
  throw new Error(`no payment with a ${want} alternative in the seed`);
}

async function commandStatus(key: string) {
  return (await server.api(`/api/commands/${key}`, { token: agent })).body as {
    status: string;
    code?: string;
    reason?: string;
  };
}

const used = new Set<string>();
beforeAll(async () => {
  server = await startServerProcess(data.dir);
  agent = server.token('agent-1', 'agent');
}, 60_000);
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  data.cleanup();
});

describe('command API (real server process)', () => {
  it('refuses no token, a malformed command, a forbidden role and an issuer mismatch', async () => {
    const { payment, token } = await pickPayment('ok', used);
    expect(
      (await server.api('/api/commands', { body: changeCommand(payment, token) })).status,
    ).toBe(401);
    expect(
      await server.api('/api/commands', {
        token: agent,
        body: { name: 'payments.changeMethod', schemaVersion: 1 },
      }),
    ).toMatchObject({ status: 400, body: { code: 'COMMAND.MALFORMED' } });
    expect(
      await server.api('/api/commands', {
        token: agent,
        body: { ...changeCommand(payment, token), name: 'drones.selfDestruct' },
      }),
    ).toMatchObject({ status: 400, body: { code: 'COMMAND.UNKNOWN' } });
    const fleet = server.token('fm-1', 'fleet-manager');
    const asFleet = {
      ...changeCommand(payment, token),
      issuedBy: { userId: 'fm-1', role: 'fleet-manager', desktopId: 'desk-9' },
    };
    expect(await server.api('/api/commands', { token: fleet, body: asFleet })).toMatchObject({
      status: 403,
      body: { code: 'COMMAND.FORBIDDEN' },
    });
    expect(
      await server.api('/api/commands', {
        token: agent,
        body: changeCommand(payment, token, newKey(), 'someone-else'),
      }),
    ).toMatchObject({ status: 403, body: { code: 'COMMAND.ISSUER_MISMATCH' } });
    const bad = await fetch(`${server.url}/api/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
  });

  it('applies a command once per idempotency key and returns the first outcome for every repeat', async () => {
    const { payment, token } = await pickPayment('ok', used);
    const body = changeCommand(payment, token);
    const first = await server.api('/api/commands', { token: agent, body });
    expect(first).toMatchObject({ status: 202, body: { status: 'processing', repeat: false } });
    const again = await server.api('/api/commands', { token: agent, body });
    expect(again).toMatchObject({ status: 202, body: { status: 'processing', repeat: true } });
    const reused = await server.api('/api/commands', {
      token: agent,
      body: { ...body, payload: { ...body.payload, newMethodToken: payment.body.method.token } },
    });
    expect(reused).toMatchObject({ status: 409, body: { code: 'COMMAND.KEY_REUSED' } });
    expect(
      await eventually(async () =>
        (await commandStatus(body.idempotencyKey)).status === 'done' ? true : undefined,
      ),
    ).toBe(true);
  });

  it('rejects a stale version with a readable reason, and stores that outcome too', async () => {
    const { payment, token } = await pickPayment('ok', used);
    const body = {
      ...changeCommand(payment, token),
      payload: {
        paymentId: payment.id,
        expectedVersion: payment.version + 7,
        newMethodToken: token,
      },
    };
    const reply = await server.api('/api/commands', { token: agent, body });
    expect(reply).toMatchObject({
      status: 200,
      body: { status: 'rejected', code: 'PAYMENT.STALE_VERSION' },
    });
    expect((reply.body as { reason: string }).reason).toMatch(/changed by someone else/);
    expect(await commandStatus(body.idempotencyKey)).toMatchObject({
      status: 'rejected',
      code: 'PAYMENT.STALE_VERSION',
    });
  });
});

describe('change payment method (real server process)', () => {
  it('shows a decline with a reason and keeps the old method in force', async () => {
    const { payment, token } = await pickPayment('decline_funds', used);
    const body = changeCommand(payment, token);
    expect((await server.api('/api/commands', { token: agent, body })).status).toBe(202);
    const final = await eventually(async () => {
      const s = await commandStatus(body.idempotencyKey);
      return s.status === 'processing' ? undefined : s;
    });
    expect(final).toMatchObject({ status: 'failed', code: 'PAYMENT.DECLINED' });
    expect(final.reason).toMatch(/insufficient funds.*original payment method stays/i);
    const after = (await snapshotAll(agent)).records.find(
      (r) => r.id === payment.id,
    ) as Rec<PaymentSnapshot>;
    expect(after.body.method.token).toBe(payment.body.method.token);
    expect(after.body.status).toBe('authorized');
  });

  it('survives a gateway outage: the breaker opens, and the change completes exactly once after recovery', async () => {
    const supervisor = server.token('sup-1', 'supervisor');
    const { payment, token } = await pickPayment('ok', used);
    expect(
      (
        await server.api('/api/admin/gateway-faults', {
          method: 'PUT',
          token: supervisor,
          body: { mode: 'down' },
        })
      ).status,
    ).toBe(200);
    const body = changeCommand(payment, token);
    expect((await server.api('/api/commands', { token: agent, body })).status).toBe(202);
    await eventually(
      async () => {
        const metrics = (await server.api('/metrics')).body as string;
        return /fleetdesk_payment_gateway_breaker_open 1/.test(metrics) ? true : undefined;
      },
      15_000,
      'the breaker to open',
    );
    // The issuer learns why it is still processing (through the feed and this endpoint).
    const waiting = await eventually(async () => {
      const s = (await commandStatus(body.idempotencyKey)) as { status: string; note?: string };
      return s.note ? s : undefined;
    });
    expect(waiting).toMatchObject({ status: 'processing' });
    expect(waiting.note).toMatch(/card company is not answering.*no need to submit it again/);
    // A repeat during the outage returns the first outcome and starts nothing new.
    expect((await server.api('/api/commands', { token: agent, body })).body).toMatchObject({
      status: 'processing',
      repeat: true,
    });
    await server.api('/api/admin/gateway-faults', {
      method: 'PUT',
      token: supervisor,
      body: { mode: 'none' },
    });
    expect(
      await eventually(
        async () =>
          (await commandStatus(body.idempotencyKey)).status === 'done' ? true : undefined,
        15_000,
      ),
    ).toBe(true);

    const db = new Database(join(server.dataDir, 'fleetdesk.sqlite'), { readonly: true });
    const holds = db
      .prepare(
        "SELECT COUNT(*) AS n FROM sandbox_gateway_authorizations WHERE token = ? AND status = 'held'",
      )
      .get(token) as { n: number };
    const calls = db
      .prepare('SELECT COUNT(*) AS n FROM sandbox_gateway_calls WHERE idempotency_key LIKE ?')
      .get(`${body.idempotencyKey}/%`) as { n: number };
    db.close();
    expect(holds.n).toBe(1);
    expect(calls.n).toBe(2); // void-old and authorize-new, once each
    const after = (await snapshotAll(agent)).records.find(
      (r) => r.id === payment.id,
    ) as Rec<PaymentSnapshot>;
    expect(after.body.method.token).toBe(token);
    expect(after.body.change?.step).toBe('completed');
  }, 40_000);
});

describe('change feed (real server process)', () => {
  it('resumes from a sequence number without gaps or duplicates while changes keep coming', async () => {
    const snap = await snapshotAll(agent);
    const replica = new Map(snap.records.map((r) => [`${r.kind}/${r.id}`, r]));
    expect(new Set(snap.records.map((r) => `${r.kind}/${r.id}`)).size).toBe(snap.records.length);
    expect(snap.records.some((r) => r.kind === 'drone')).toBe(false); // agents do not replicate drones

    // Concurrent writers while the desktop catches up in small pages.
    const { payment, token } = await pickPayment('ok', used);
    const progress = { writesDone: false };
    const command = changeCommand(payment, token);
    void server
      .api('/api/commands', { token: agent, body: command })
      .then(() => (progress.writesDone = true));
    let since = snap.upTo;
    const seqs: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const { body } = await server.api(`/api/feed/changes?since=${since}&limit=3&waitMs=200`, {
        token: agent,
      });
      const page = body as { changes: Rec[]; nextSince: number };
      for (const c of page.changes) {
        seqs.push(c.seq);
        replica.set(`${c.kind}/${c.id}`, c);
      }
      since = page.nextSince;
      if (
        page.changes.length === 0 &&
        progress.writesDone &&
        (await commandStatus(command.idempotencyKey)).status === 'done'
      )
        break;
    }
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    const fresh = await snapshotAll(agent);
    for (const r of fresh.records)
      expect(replica.get(`${r.kind}/${r.id}`)?.version).toBe(r.version);
  }, 30_000);

  it('long-polls: a waiting request returns as soon as a change commits', async () => {
    const { upTo } = (await server.api('/api/feed/snapshot?limit=1', { token: agent })).body as {
      upTo: number;
    };
    const started = Date.now();
    const waiting = server.api(`/api/feed/changes?since=${upTo}&waitMs=10000`, { token: agent });
    await new Promise((r) => setTimeout(r, 150));
    const { payment, token } = await pickPayment('ok', used);
    await server.api('/api/commands', { token: agent, body: changeCommand(payment, token) });
    const { body } = await waiting;
    expect((body as { changes: Rec[] }).changes.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
