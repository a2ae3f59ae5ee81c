/**
 * The server-written status/<region> document against the real server process, read by stock
 * y-websocket clients: the fleet summary at start, card payments going down and coming back
 * as the gateway fails and recovers (seen by payment calls, and by the health probe before any
 * call), a reader's forged write going nowhere, and a restart that keeps the document without
 * rewriting it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { AccountSnapshot } from '../../domain/accounts';
import type { PaymentSnapshot } from '../../domain/payments';
import {
  readRegionStatus,
  REGION_STATUS_KEYS,
  REGION_STATUS_MAP,
  regionStatusDocName,
  type RegionStatus,
} from '../../domain/protocol';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';

const DOC = regionStatusDocName('berlin');
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

interface Reader {
  readonly map: Y.Map<unknown>;
  readonly provider: WebsocketProvider;
  status(): RegionStatus | null;
}

async function reader(server: ServerProcess, token: string): Promise<Reader> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${server.port}/yjs`, DOC, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  cleanups.push(() => {
    provider.destroy();
    doc.destroy();
  });
  await new Promise<void>((resolve) => {
    provider.once('sync', (synced: boolean) => synced && resolve());
  });
  const map = doc.getMap(REGION_STATUS_MAP);
  return { map, provider, status: () => readRegionStatus(Object.fromEntries(map.entries())) };
}

/** The supervisor's fault switch of the sandbox gateway, at run time. */
async function setGatewayFaults(server: ServerProcess, mode: 'none' | 'down'): Promise<unknown> {
  const reply = await server.api('/api/admin/gateway-faults', {
    method: 'PUT',
    token: server.token('sup-1', 'supervisor'),
    body: { mode },
  });
  expect(reply.status).toBe(200);
  return reply.body;
}

/** Submits a payment change, so that the server calls the gateway. */
async function changeSomePayment(server: ServerProcess): Promise<void> {
  const agent = server.token('agent-1', 'agent');
  const { body } = await server.api('/api/feed/snapshot?limit=1000', { token: agent });
  const records = (
    body as { records: { kind: string; id: string; version: number; body: unknown }[] }
  ).records;
  const accounts = new Map(
    records.filter((r) => r.kind === 'account').map((r) => [r.id, r.body as AccountSnapshot]),
  );
  for (const r of records) {
    const payment = r.body as PaymentSnapshot;
    if (r.kind !== 'payment' || payment.status !== 'authorized') continue;
    const other = accounts
      .get(payment.customerId)
      ?.paymentMethods.find((m) => m.token !== payment.method.token && m.token.includes('_ok_'));
    if (!other) continue;
    const reply = await server.api('/api/commands', {
      token: agent,
      body: {
        name: 'payments.changeMethod',
        schemaVersion: 1,
        idempotencyKey: `status-test-${r.id}`,
        issuedAt: Date.now(),
        issuedBy: { userId: 'agent-1', role: 'agent', desktopId: 'desk-1' },
        payload: { paymentId: r.id, expectedVersion: r.version, newMethodToken: other.token },
      },
    });
    expect(reply.status).toBe(202);
    return;
  }
  throw new Error('no payment with another approvable card in the seed');
}

describe('status/<region> through the real server process', () => {
  it('shows the fleet, card payments down and back as the gateway fails and recovers, and survives a restart unchanged', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await startServerProcess(data.dir);
    cleanups.push(() => server.child.kill('SIGKILL'));
    const agent = await reader(server, server.token('agent-1', 'agent'));
    const fm = await reader(server, server.token('fm-1', 'fleet-manager'));

    const first = await eventually(() => fm.status() ?? undefined, 10_000, 'a published status');
    expect(first).toMatchObject({ region: 'berlin', payments: { level: 'ok' } });
    const drones = Object.values(first.fleet?.dronesByStatus ?? {}).reduce((a, b) => a + b, 0);
    expect(drones).toBe(8); // the test seed's fleet
    expect(first.updatedAt).toBeGreaterThan(0);

    // Read-only for every role: a reader's own edit stays on its side.
    agent.map.set(REGION_STATUS_KEYS.payments, { level: 'down', since: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(fm.status()?.payments?.level).toBe('ok');

    await setGatewayFaults(server, 'down');
    await changeSomePayment(server);
    const down = await eventually(
      () => {
        const payments = fm.status()?.payments;
        return payments?.level === 'down' ? payments : undefined;
      },
      15_000,
      'payments down',
    );
    expect(down.since).toBeGreaterThan(first.payments?.since ?? 0);

    await setGatewayFaults(server, 'none');
    const back = await eventually(
      () => {
        const status = fm.status();
        return status?.payments?.level === 'ok' ? status : undefined;
      },
      15_000,
      'payments back',
    );
    expect(back.payments?.since).toBeGreaterThanOrEqual(down.since);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const restarted = await startServerProcess(data.dir);
    cleanups.push(() => restarted.child.kill('SIGKILL'));
    const later = await reader(restarted, restarted.token('fm-2', 'fleet-manager'));
    // Same state after the restart: nothing rewritten, so the times are those of the first run.
    await new Promise((r) => setTimeout(r, 500));
    expect(later.status()).toEqual(back);
  }, 90_000);

  it('the health probe shows card payments down before any payment call, and ok once the company is back', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await startServerProcess(data.dir, ['--gateway-probe-interval', '200ms']);
    cleanups.push(() => server.child.kill('SIGKILL'));
    const fm = await reader(server, server.token('fm-1', 'fleet-manager'));
    await eventually(() => fm.status()?.payments?.level === 'ok' || undefined, 5000, 'payments ok');
    const levels: (string | undefined)[] = [];
    fm.map.observe(() => levels.push(fm.status()?.payments?.level));

    // No payment command in this test: only the probe can notice.
    const faulted = Date.now();
    expect(await setGatewayFaults(server, 'down')).toMatchObject({ breaker: 'closed' });
    await eventually(() => levels.at(-1) === 'down' || undefined, 3000, 'payments down');
    expect(Date.now() - faulted).toBeLessThan(2000); // two failed probes, 200 ms apart
    // The probes went around the breaker: payments would still be tried, not refused by it.
    const { body } = await server.api('/api/admin/gateway-faults', {
      token: server.token('sup-1', 'supervisor'),
    });
    expect(body).toMatchObject({ breaker: 'closed' });

    await setGatewayFaults(server, 'none');
    await eventually(() => levels.at(-1) === 'ok' || undefined, 3000, 'payments ok again');
    expect(levels).toEqual(['degraded', 'down', 'ok']);
    const metrics = await server.api('/metrics');
    expect(metrics.body).toMatch(
      /fleetdesk_payment_gateway_probes_total\{result="unavailable"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /fleetdesk_payment_gateway_probe_seconds_count\{result="healthy"\} [1-9]/,
    );

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 20_000);
});
