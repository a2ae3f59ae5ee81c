/**
 * Cancelling a delivery order releases its payment hold: in the cancel's own
 * transaction the payment is marked for release, then the gateway void runs
 * once under `<cancel key>/release` — also when the gateway is down at first.
 * Real server process, real SQLite file, the sandbox gateway's own tables.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PaymentSnapshot } from '../../domain/payments';
import type { DeliverySnapshot } from '../../domain/shipping';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';

interface Rec<B> {
  kind: string;
  id: string;
  version: number;
  body: B;
}

let server: ServerProcess;
let agent: string;
let supervisor: string;
const data = tempDataDir();
const taken = new Set<string>();

beforeAll(async () => {
  server = await startServerProcess(data.dir);
  agent = server.token('agent-1', 'agent');
  supervisor = server.token('sup-1', 'supervisor');
}, 60_000);
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  data.cleanup();
});

async function records<B>(kind: string): Promise<Rec<B>[]> {
  const out: Rec<B>[] = [];
  let after: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '200', ...(after ? { after } : {}) });
    const { body } = await server.api(`/api/feed/snapshot?${q.toString()}`, { token: agent });
    const page = body as { records: Rec<B>[]; nextCursor: string | null };
    out.push(...page.records.filter((r) => r.kind === kind));
    after = page.nextCursor;
  } while (after !== null);
  return out;
}

const payment = async (id: string) =>
  (await records<PaymentSnapshot>('payment')).find((p) => p.id === id);

/** A delivery not yet picked up whose payment still holds an authorization. */
async function cancellable(): Promise<{ delivery: Rec<DeliverySnapshot>; paymentId: string }> {
  const payments = new Map(
    (await records<PaymentSnapshot>('payment')).map((p) => [p.body.deliveryId as string, p]),
  );
  for (const d of await records<DeliverySnapshot>('delivery')) {
    const p = payments.get(d.id);
    if (taken.has(d.id) || !p || p.body.status !== 'authorized') continue;
    if (d.body.stage !== 'created' && d.body.stage !== 'scheduled') continue;
    taken.add(d.id);
    return { delivery: d, paymentId: p.id };
  }
  throw new Error('no cancellable delivery in the seed');
}

function cancel(d: Rec<DeliverySnapshot>, key: string) {
  return server.api('/api/commands', {
    token: agent,
    body: {
      name: 'shipping.cancelDelivery',
      schemaVersion: 1,
      idempotencyKey: key,
      issuedAt: Date.now(),
      issuedBy: { userId: 'agent-1', role: 'agent', desktopId: 'desk-1' },
      payload: { deliveryId: d.id, expectedVersion: d.version, reason: 'customer-request' },
    },
  });
}

function gatewayFacts(authorizationId: string, key: string): { status: string; calls: number } {
  const db = new Database(join(server.dataDir, 'fleetdesk.sqlite'), { readonly: true });
  try {
    const auth = db
      .prepare('SELECT status FROM sandbox_gateway_authorizations WHERE authorization_id = ?')
      .get(authorizationId) as { status: string } | undefined;
    const calls = db
      .prepare('SELECT COUNT(*) AS n FROM sandbox_gateway_calls WHERE idempotency_key = ?')
      .get(`${key}/release`) as { n: number };
    return { status: auth?.status ?? 'unknown', calls: calls.n };
  } finally {
    db.close();
  }
}

it('a cancel voids the hold once, and a change of method on the cancelled order is refused', async () => {
  const { delivery, paymentId } = await cancellable();
  const before = await payment(paymentId);
  const authorizationId = before?.body.authorizationId ?? '';
  const key = `cancel-${Date.now().toString(36)}-a`;
  expect((await cancel(delivery, key)).body).toMatchObject({ status: 'accepted' });
  const released = await eventually(async () => {
    const p = await payment(paymentId);
    return p?.body.status === 'released' ? p : undefined;
  });
  expect(released.body).toMatchObject({ authorizationId: null, release: { step: 'released' } });
  expect(gatewayFacts(authorizationId, key)).toEqual({ status: 'voided', calls: 1 });

  // The replayed cancel returns its first outcome and voids nothing again.
  expect((await cancel(delivery, key)).body).toMatchObject({ status: 'accepted', repeat: true });
  const change = await server.api('/api/commands', {
    token: agent,
    body: {
      name: 'payments.changeMethod',
      schemaVersion: 1,
      idempotencyKey: `${key}-change`,
      issuedAt: Date.now(),
      issuedBy: { userId: 'agent-1', role: 'agent', desktopId: 'desk-1' },
      payload: {
        paymentId,
        expectedVersion: released.version,
        newMethodToken: released.body.method.token,
      },
    },
  });
  expect(change.body).toMatchObject({ status: 'rejected', code: 'PAYMENT.RELEASED' });
  expect(gatewayFacts(authorizationId, key).calls).toBe(1);
});

it('while the gateway is down the release waits, then completes exactly once after recovery', async () => {
  const { delivery, paymentId } = await cancellable();
  const authorizationId = (await payment(paymentId))?.body.authorizationId ?? '';
  const faults = (mode: string) =>
    server.api('/api/admin/gateway-faults', {
      method: 'PUT',
      token: supervisor,
      body: { mode },
    });
  expect((await faults('down')).status).toBe(200);
  const key = `cancel-${Date.now().toString(36)}-b`;
  expect((await cancel(delivery, key)).body).toMatchObject({ status: 'accepted' });
  await new Promise((r) => setTimeout(r, 800)); // several sweeps against a dead gateway
  expect((await payment(paymentId))?.body).toMatchObject({
    status: 'authorized',
    release: { step: 'requested' },
  });
  expect(gatewayFacts(authorizationId, key)).toMatchObject({ status: 'held' });
  await faults('none');
  await eventually(
    async () => ((await payment(paymentId))?.body.status === 'released' ? true : undefined),
    15_000,
  );
  expect(gatewayFacts(authorizationId, key)).toEqual({ status: 'voided', calls: 1 });
  const metrics = (await server.api('/metrics')).body as string;
  expect(metrics).toMatch(/code="PAYMENT.RELEASED"/);
}, 40_000);
