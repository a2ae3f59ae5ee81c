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

const SIZES = (process.env['BENCH_CATCHUP_N'] ?? '1000,10000').split(',').map(Number);

export interface CatchupResult {
  n: number;
  queueSeconds: number;
  remoteSeconds: number;
  /** Reconnect (core start) → pending count 0. */
  commandsSeconds: number;
  /** Reconnect → the other desk's last change is in the replica. */
  replicatedSeconds: number;
  catchupSeconds: number;
  needsAttention: number;
}

interface Rec {
  kind: string;
  id: string;
  version: number;
  body: Record<string, unknown>;
}

export async function runCatchupBench(): Promise<void> {
  const results: CatchupResult[] = [];
  for (const n of SIZES) {
    const r = await catchupOnce(n);
    console.log(JSON.stringify(r));
    results.push(r);
  }
  const md = [
    '# Desktop core: catch-up after an outage',
    '',
    machineLine(),
    'N commands queued offline on this desk, N changes made by another desk meanwhile; then the desk reconnects (core start).',
    '',
    '| N | reconnect → all N confirmed | → all remote changes replicated | both | operations/s (2N / both) | needing attention |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.n.toLocaleString('en')} | ${fmt(r.commandsSeconds, 2)} s | ${fmt(r.replicatedSeconds, 2)} s | ${fmt(r.catchupSeconds, 2)} s | ${fmt((2 * r.n) / r.catchupSeconds, 0)} | ${r.needsAttention} |`,
    ),
    '',
    "The sender sends batches of 250 commands (`POST /api/commands/batch`), 2 in flight; the feed fetches compressed pages of up to 5,000 changes. Each cancel also voids a payment hold through the sandbox gateway after its commit (40–160 ms each, off the command's path), and those payment updates are replicated too.",
    '',
  ].join('\n');
  writeResult('core-catchup', md, { results });
}

async function catchupOnce(N: number): Promise<CatchupResult> {
  const data = tempDataDir();
  const profile = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-catchup-'));
  // Enough deliveries that N of them are still cancellable for us and N more for the others.
  const server = await startServerProcess(
    data.dir,
    ['--customers', '2000', '--deliveries', String(Math.ceil(N * 2 * 2.8))],
    0,
    { startTimeoutMs: 300_000 },
  );
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
    restarted = await startServerProcess(data.dir, [], server.port, { startTimeoutMs: 300_000 });
    const remoteStarted = performance.now();
    const others = created.slice(N, 2 * N);
    for (let i = 0; i < others.length; i += 500) {
      const commands = others.slice(i, i + 500).map((d, j) => ({
        name: 'shipping.cancelDelivery',
        schemaVersion: 1,
        idempotencyKey: `remote-${i + j}`,
        issuedBy: { userId: 'agent-2', role: 'agent', desktopId: 'desk-other' },
        issuedAt: Date.now(),
        payload: { deliveryId: d.id, expectedVersion: d.version, reason: 'customer-request' },
      }));
      const res = await restarted.api('/api/commands/batch', { token: other, body: { commands } });
      if (res.status !== 200) throw new Error(`remote changes failed: ${res.status}`);
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
    let commandsSeconds = 0;
    let remoteSeconds2 = 0;
    const lastId = created[2 * N - 1]?.id ?? '';
    for (;;) {
      const elapsed = (performance.now() - reconnectStarted) / 1000;
      if (commandsSeconds === 0) {
        const status = await back.call('sync.status', {});
        const pending = status.ok ? status.value.outbox.pending : -1;
        if (pending === 0) commandsSeconds = elapsed;
      }
      if (remoteSeconds2 === 0) {
        const last = await back.call('deliveries.get', { deliveryId: lastId });
        if (last.ok && last.value.delivery.body.stage === 'cancelled') remoteSeconds2 = elapsed;
      }
      if (commandsSeconds > 0 && remoteSeconds2 > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const catchupSeconds = (performance.now() - reconnectStarted) / 1000;
    const attention = await back.call('outbox.list', {});
    const needsAttention = attention.ok ? attention.value.needsAttention.length : -1;
    await back.close();
    return {
      n: N,
      queueSeconds,
      remoteSeconds,
      commandsSeconds,
      replicatedSeconds: remoteSeconds2,
      catchupSeconds,
      needsAttention,
    };
  } finally {
    restarted.child.kill('SIGKILL');
    server.child.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
    data.cleanup();
  }
}
