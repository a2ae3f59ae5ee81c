/**
 * POST /api/commands/batch against the real server process: mixed outcomes,
 * repeats, overlaps, a reused key inside a batch, order on one record, and
 * oversize batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSnapshot } from '../../domain/accounts';
import type { PaymentSnapshot } from '../../domain/payments';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';

interface Rec<B = Record<string, unknown>> {
  kind: string;
  id: string;
  version: number;
  body: B;
}
interface Item {
  idempotencyKey: string | null;
  http: number;
  status?: string;
  code?: string;
  repeat?: boolean;
  resultingVersion?: number;
}

let server: ServerProcess;
let agent: string;
let records: Rec[] = [];
const data = tempDataDir();
let n = 0;
const key = (): string => `batch-${(n += 1)}`;
const issuedBy = { userId: 'agent-1', role: 'agent', desktopId: 'desk-b' };

const cancel = (d: Rec, k = key(), expectedVersion = d.version) => ({
  name: 'shipping.cancelDelivery',
  schemaVersion: 1,
  idempotencyKey: k,
  issuedBy,
  issuedAt: Date.now(),
  payload: { deliveryId: d.id, expectedVersion, reason: 'customer-request' },
});

async function batch(commands: unknown[]): Promise<{ status: number; results: Item[] }> {
  const r = await server.api('/api/commands/batch', { token: agent, body: { commands } });
  return { status: r.status, results: (r.body as { results: Item[] }).results };
}

const hwm = async (): Promise<number> =>
  (
    (await server.api('/api/feed/changes?since=0&limit=1', { token: agent })).body as {
      nextSince: number;
    }
  ).nextSince;

/** Deliveries still cancellable, handed out once each. */
const fresh = (() => {
  let i = 0;
  return (): Rec => {
    const list = records.filter((r) => r.kind === 'delivery' && r.body['stage'] === 'created');
    const d = list[i++];
    if (!d) throw new Error('seed has too few created deliveries');
    return d;
  };
})();

beforeAll(async () => {
  server = await startServerProcess(data.dir, ['--deliveries', '400']);
  agent = server.token('agent-1', 'agent');
  let after: string | null = null;
  do {
    const q: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const page = (await server.api(`/api/feed/snapshot?limit=5000${q}`, { token: agent })).body as {
      records: Rec[];
      nextCursor: string | null;
    };
    records.push(...page.records);
    after = page.nextCursor;
  } while (after !== null);
}, 60_000);
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  data.cleanup();
  records = [];
});

describe('POST /api/commands/batch (real server process)', () => {
  it('gives each command its own outcome; one bad command sinks nothing', async () => {
    const payment = records.find(
      (r) => r.kind === 'payment' && r.body['status'] === 'authorized',
    ) as unknown as Rec<PaymentSnapshot>;
    const account = records.find(
      (r) => r.id === payment.body.customerId,
    ) as unknown as Rec<AccountSnapshot>;
    const other = account.body.paymentMethods.find(
      (m) => m.token !== payment.body.method.token && m.expiry.year >= 2027,
    );
    const accepted = fresh();
    const stale = fresh();
    const { status, results } = await batch([
      cancel(accepted),
      cancel(stale, key(), stale.version + 5),
      {
        name: 'payments.changeMethod',
        schemaVersion: 1,
        idempotencyKey: key(),
        issuedBy,
        issuedAt: Date.now(),
        payload: {
          paymentId: payment.id,
          expectedVersion: payment.version,
          newMethodToken: other?.token ?? payment.body.method.token,
        },
      },
      { name: 'shipping.cancelDelivery', schemaVersion: 1, idempotencyKey: key() },
      (() => {
        const c = cancel(fresh());
        const payload = { ...c.payload, droneId: 'drone-0001' };
        return { ...c, name: 'shipping.assignDrone', payload };
      })(),
      { ...cancel(fresh()), issuedBy: { ...issuedBy, userId: 'agent-2' } },
      'not even an object',
    ]);
    expect(status).toBe(200);
    expect(results.map((r) => [r.http, r.status ?? r.code])).toEqual([
      [200, 'accepted'],
      [200, 'rejected'],
      [202, 'processing'],
      [400, 'COMMAND.MALFORMED'],
      [403, 'COMMAND.FORBIDDEN'],
      [403, 'COMMAND.ISSUER_MISMATCH'],
      [400, 'COMMAND.MALFORMED'],
    ]);
    expect(results[1]?.code).toBe('DELIVERY.STALE_VERSION');
    expect(results[0]?.idempotencyKey).toBe('batch-1');
    expect(results[6]?.idempotencyKey).toBeNull();
    // The accepted cancel is really applied and visible on its own status route.
    const own = await server.api(`/api/commands/${results[0]?.idempotencyKey ?? ''}`, {
      token: agent,
    });
    expect(own.body).toMatchObject({ status: 'done' });
  });

  it('answers a repeated batch with the first outcomes and applies nothing twice', async () => {
    const commands = [cancel(fresh()), cancel(fresh()), cancel(fresh(), key(), 99)];
    const first = await batch(commands);
    const before = await hwm();
    const again = await batch(commands);
    expect(await hwm()).toBe(before);
    expect(again.results.map((r) => r.repeat)).toEqual([true, true, true]);
    expect(again.results.map(({ repeat: _, ...r }) => r)).toEqual(
      first.results.map(({ repeat: _, ...r }) => r),
    );
  });

  it('applies only the new part of a batch overlapping an earlier one', async () => {
    const a = cancel(fresh());
    const b = cancel(fresh());
    const c = cancel(fresh());
    await batch([a, b]);
    const { results } = await batch([b, c]);
    expect(results.map((r) => [r.status, r.repeat])).toEqual([
      ['accepted', true],
      ['accepted', false],
    ]);
    // And the single endpoint sees the batch's outcome as the first one.
    const single = await server.api('/api/commands', { token: agent, body: a });
    expect(single).toMatchObject({ status: 200, body: { status: 'accepted', repeat: true } });
  });

  it('refuses the same key with another body inside one batch, for that command only', async () => {
    const d = fresh();
    const e = fresh();
    const first = cancel(d);
    const reused = { ...cancel(e), idempotencyKey: first.idempotencyKey };
    const twin = { ...first };
    const { results } = await batch([first, reused, twin, cancel(fresh())]);
    expect(results.map((r) => [r.http, r.status ?? r.code, r.repeat])).toEqual([
      [200, 'accepted', false],
      [409, 'COMMAND.KEY_REUSED', undefined],
      [200, 'accepted', true],
      [200, 'accepted', false],
    ]);
    // The refused command changed nothing: its delivery is still cancellable at its version.
    const later = await batch([cancel(e)]);
    expect(later.results[0]?.status).toBe('accepted');
  });

  it('applies commands on one record in request order', async () => {
    const d = fresh();
    const start = Date.now() + 86_400_000;
    const reschedule = {
      name: 'shipping.rescheduleDelivery',
      schemaVersion: 1,
      idempotencyKey: key(),
      issuedBy,
      issuedAt: Date.now(),
      payload: {
        deliveryId: d.id,
        expectedVersion: d.version,
        window: { start, end: start + 3_600_000 },
      },
    };
    const { results } = await batch([reschedule, cancel(d, key(), d.version + 1)]);
    expect(results.map((r) => [r.status, r.resultingVersion])).toEqual([
      ['accepted', d.version + 1],
      ['accepted', d.version + 2],
    ]);
  });

  it('refuses an oversize or malformed batch whole, with a clear error', async () => {
    const d = fresh();
    const many = Array.from({ length: 501 }, () => cancel(d));
    const tooMany = await server.api('/api/commands/batch', {
      token: agent,
      body: { commands: many },
    });
    expect(tooMany).toMatchObject({ status: 413, body: { code: 'COMMAND.BATCH_TOO_LARGE' } });
    expect((tooMany.body as { message: string }).message).toMatch(/at most 500 commands/);
    const huge = await server.api('/api/commands/batch', {
      token: agent,
      body: { commands: [{ padding: 'x'.repeat(1024 * 1024) }] },
    });
    expect(huge).toMatchObject({ status: 413, body: { code: 'HTTP.BODY_TOO_LARGE' } });
    expect(
      await server.api('/api/commands/batch', { token: agent, body: { commands: 'nope' } }),
    ).toMatchObject({ status: 400, body: { code: 'COMMAND.BATCH_INVALID' } });
    expect(await batch([])).toEqual({ status: 200, results: [] });
    expect((await server.api('/api/commands/batch', { body: { commands: [] } })).status).toBe(401);
  });
});
