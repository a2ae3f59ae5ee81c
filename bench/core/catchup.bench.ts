/**
 * Catch-up: a desktop was offline while its operator queued N commands and the
 * rest of the company made N changes on the server. Time from reconnect until
 * every queued command is confirmed and the replica has every remote change —
 * against the real sync server process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCore } from '../../app/core';
import { startServerProcess, tempDataDir } from '../../sync-server/test-support/server-process';
import { fmt, machineLine, writeResult } from './bench-util';

const N = Number(process.env['BENCH_CATCHUP_N'] ?? 10_000);

interface Rec {
  kind: string;
  id: string;
  version: number;
  body: Record<string, unknown>;
}

export async function runCatchupBench(): Promise<void> {
  const data = tempDataDir();
  const profile = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-catchup-'));
  // Enough deliveries that N of them are still cancellable for us and N more for the others.
  const server = await startServerProcess(data.dir, [
    '--customers',
    '2000',
    '--deliveries',
    String(Math.ceil(N * 2 * 2.8)),
  ]);
  let restarted = server;
  try {
    const agent = server.token('agent-1', 'agent');
    const other = server.token('agent-2', 'agent');
    const core = await startCore({
      syncServerUrl: server.url,
      profileDir: profile,
      collab: false,
      feedWaitMs: 1000,
    });
    const login = await core.call('session.login', { token: agent });
    if (!login.ok) throw new Error(login.error.message);
    // Wait for the initial snapshot.
    for (;;) {
      const s = await core.call('sync.status', {});
      if (s.ok && (s.value as { feed: { phase: string } }).feed.phase === 'live') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const created: Rec[] = [];
    let after: string | null = null;
    do {
      const { body } = await server.api(
        `/api/feed/snapshot?limit=5000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        { token: agent },
      );
      const page = body as { records: Rec[]; nextCursor: string | null };
      created.push(
        ...page.records.filter((r) => r.kind === 'delivery' && r.body['stage'] === 'created'),
      );
      after = page.nextCursor;
    } while (after !== null);
    if (created.length < 2 * N)
      throw new Error(`only ${created.length} cancellable deliveries for N=${N}`);

    // Offline: the server goes away; the operator keeps working.
    server.child.kill('SIGTERM');
    await server.exited;
    const queueStarted = performance.now();
    for (const d of created.slice(0, N)) {
      const r = await core.call('shipping.cancelDelivery', {
        deliveryId: d.id,
        reason: 'customer-request',
      });
      if (!r.ok) throw new Error(r.error.message);
    }
    const queueSeconds = (performance.now() - queueStarted) / 1000;

    // Meanwhile the rest of the company changes N other records (server back, our desk still cut off).
    await core.close();
    restarted = await startServerProcess(data.dir, [], server.port);
    const remoteStarted = performance.now();
    let i = 0;
    for (const d of created.slice(N, 2 * N)) {
      const res = await restarted.api('/api/commands', {
        token: other,
        body: {
          name: 'shipping.cancelDelivery',
          schemaVersion: 1,
          idempotencyKey: `remote-${(i += 1)}`,
          issuedBy: { userId: 'agent-2', role: 'agent', desktopId: 'desk-other' },
          issuedAt: Date.now(),
          payload: { deliveryId: d.id, expectedVersion: d.version, reason: 'customer-request' },
        },
      });
      if (res.status !== 200) throw new Error(`remote change failed: ${res.status}`);
    }
    const remoteSeconds = (performance.now() - remoteStarted) / 1000;

    // Reconnect and measure until all confirmed and caught up.
    const reconnectStarted = performance.now();
    const back = await startCore({
      syncServerUrl: restarted.url,
      profileDir: profile,
      collab: false,
      feedWaitMs: 1000,
    });
    for (;;) {
      const list = await back.call('outbox.list', {});
      const status = await back.call('sync.status', {});
      const pending = list.ok ? (list.value as { pending: unknown[] }).pending.length : -1;
      const lastId = created[2 * N - 1]?.id ?? '';
      const last = await back.call('deliveries.get', { deliveryId: lastId });
      const remoteSeen =
        last.ok && (last.value as { delivery: Rec }).delivery.body['stage'] === 'cancelled';
      if (pending === 0 && remoteSeen && status.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const catchupSeconds = (performance.now() - reconnectStarted) / 1000;
    const attention = await back.call('outbox.list', {});
    const needsAttention = attention.ok
      ? (attention.value as { needsAttention: unknown[] }).needsAttention.length
      : -1;
    await back.close();
    const md = [
      '# Desktop core: catch-up after an outage',
      '',
      machineLine(),
      `${N.toLocaleString('en')} commands queued offline on this desk (${fmt(queueSeconds, 1)} s to queue, ${fmt(N / queueSeconds, 0)} commands/s durable), ${N.toLocaleString('en')} changes made by another desk meanwhile (${fmt(remoteSeconds, 1)} s).`,
      '',
      '| time from reconnect to all confirmed + all remote changes in the replica | commands/s confirmed | needing attention |',
      '| ---: | ---: | ---: |',
      `| ${fmt(catchupSeconds, 1)} s | ${fmt(N / catchupSeconds, 0)} | ${needsAttention} |`,
      '',
      "The sender keeps up to 8 commands on different records in flight, each waiting for its answer, so this is bounded by request round trips and by the server's own work (here also voiding 10,000 payment holds through the sandbox gateway, 40–160 ms each).",
      '',
    ].join('\n');
    writeResult('core-catchup', md, {
      n: N,
      queueSeconds,
      remoteSeconds,
      catchupSeconds,
      needsAttention,
    });
  } finally {
    restarted.child.kill('SIGKILL');
    server.child.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
    data.cleanup();
  }
}
