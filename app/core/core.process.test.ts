/**
 * The desktop core against the real sync server process and real SQLite files:
 * offline queueing across a core restart, a server restart mid-send, exactly-once
 * effects, and a malformed API call that harms nothing.
 */
import { describe, expect, it } from 'vitest';
import type { OperatorCore } from '../host';
import {
  eventually,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import {
  callValue as value,
  deskTestScope,
  feedLive,
  QUICK_SYNC,
} from '../test-support/desk-process';
import { startCore } from './start-core';

type Core = OperatorCore & { dbPath: string };
interface Rec<B = Record<string, unknown>> {
  kind: string;
  id: string;
  version: number;
  body: B;
  pending?: { state: string }[];
}

const scope = deskTestScope();
const newCore = async (
  server: ServerProcess | { url: string },
  profileDir: string,
): Promise<Core> =>
  scope.own(await startCore({ syncServerUrl: server.url, profileDir, ...QUICK_SYNC }));
const profile = (): string => scope.dir();
const startServer = (dataDir: string, port = 0): Promise<ServerProcess> =>
  scope.server([], { dataDir, port });

const live = (core: OperatorCore): Promise<true> => feedLive(core);

/** A delivery the agent may still cancel, straight from the server (the truth). */
async function serverRecord(
  server: ServerProcess,
  token: string,
  kind: string,
  pick: (r: Rec) => boolean,
): Promise<Rec> {
  let after: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) });
    const { body } = await server.api(`/api/feed/snapshot?${q.toString()}`, { token });
    const page = body as { records: Rec[]; nextCursor: string | null };
    const found = page.records.find((r) => r.kind === kind && pick(r));
    if (found) return found;
    after = page.nextCursor;
  } while (after !== null);
  throw new Error(`no ${kind} found`);
}

describe('desktop core with the real sync server', () => {
  it('signs in, replicates, searches offline-capable data, and refuses malformed API calls without harm', async () => {
    const data = tempDataDir();
    scope.defer(data.cleanup);
    const server = await startServer(data.dir);
    const core = await newCore(server, profile());
    const changes: { ids: number; truncated: boolean }[] = [];
    core.subscribe((event, payload) => {
      if (event === 'records.changed') {
        const p = payload as { ids: string[]; truncated: boolean };
        changes.push({ ids: p.ids.length, truncated: p.truncated });
      }
    });
    expect(await core.call('search.query', { text: 'x' })).toMatchObject({ ok: true, value: [] });
    await value(core, 'session.login', { token: server.token('agent-1', 'agent') });
    await live(core);
    // The snapshot arrives in big batches: the event names 200 ids and says the rest were left out.
    expect(changes.some((c) => c.truncated && c.ids === 200)).toBe(true);
    expect(changes.every((c) => c.ids <= 200)).toBe(true);
    const hits = await value<{ id: string; kind: string }[]>(core, 'search.query', {
      text: 'cus-0',
    });
    expect(hits.length).toBeGreaterThan(0);
    const customer = hits.find((h) => h.kind === 'account');
    expect(customer).toBeDefined();
    const view = await value<{ account: Rec; deliveries: unknown[] }>(core, 'customers.get', {
      customerId: customer?.id,
    });
    expect(view.account.id).toBe(customer?.id);

    expect(await core.call('drones.selfDestruct', {})).toMatchObject({
      ok: false,
      error: { code: 'API.UNKNOWN_METHOD' },
    });
    expect(await core.call('search.query', { text: 42 })).toMatchObject({
      ok: false,
      error: { code: 'API.INVALID_INPUT' },
    });
    expect(await core.call('customers.get', { customerId: '../../etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'API.INVALID_INPUT' },
    });
    expect(await core.call(undefined, null)).toMatchObject({
      ok: false,
      error: { code: 'API.UNKNOWN_METHOD' },
    });
    expect((await core.call('search.query', { text: 'cus-0' })).ok).toBe(true);
  }, 60_000);

  it('queues commands while the server is down, survives a core restart, and applies each exactly once', async () => {
    const data = tempDataDir();
    scope.defer(data.cleanup);
    let server = await startServer(data.dir);
    const token = server.token('agent-1', 'agent');
    const dir = profile();
    let core = await newCore(server, dir);
    await value(core, 'session.login', { token });
    await live(core);
    const target = await serverRecord(
      server,
      token,
      'delivery',
      (r) => r.body['stage'] === 'created',
    );

    server.child.kill('SIGTERM');
    await server.exited;
    const entry = await value<{ idempotencyKey: string; state: string }>(
      core,
      'shipping.cancelDelivery',
      { deliveryId: target.id, reason: 'customer-request' },
    );
    expect(entry.state).toBe('queued');
    // The overlay shows the cancel at once, offline.
    expect(
      (await value<{ delivery: Rec }>(core, 'deliveries.get', { deliveryId: target.id })).delivery
        .body['stage'],
    ).toBe('cancelled');
    await eventually(async () =>
      (await value<{ outbox: { state: string } }>(core, 'sync.status')).outbox.state === 'offline'
        ? true
        : undefined,
    );

    await core.close(); // the desktop restarts while offline
    core = await newCore(server, dir);
    const pending = await value<{ pending: { idempotencyKey: string }[] }>(core, 'outbox.list');
    expect(pending.pending.map((p) => p.idempotencyKey)).toContain(entry.idempotencyKey);

    server = await startServer(data.dir, server.port);
    await eventually(
      async () => {
        const list = await value<{ recent: { idempotencyKey: string; state: string }[] }>(
          core,
          'outbox.list',
        );
        return list.recent.some((e) => e.idempotencyKey === entry.idempotencyKey)
          ? true
          : undefined;
      },
      30_000,
      'the queued cancel to be done',
    );
    const truth = await serverRecord(server, token, 'delivery', (r) => r.id === target.id);
    expect(truth.body['stage']).toBe('cancelled');
    expect(truth.version).toBe(target.version + 1); // applied once
    await eventually(
      async () => {
        const d = await value<{ delivery: Rec }>(core, 'deliveries.get', { deliveryId: target.id });
        return d.delivery.version === truth.version && d.delivery.pending?.length === 0
          ? true
          : undefined;
      },
      // 30 s, not 10: the feed reconnects with backoff after the restart, and on a loaded machine
      // (the Node 24 run at load ~10 in /work/notes/node24-run.log) it took longer than 10 s.
      30_000,
      'the overlay to give way to the server truth',
    );
  }, 90_000);

  it('a server killed mid-send and restarted still applies the command exactly once', async () => {
    const data = tempDataDir();
    scope.defer(data.cleanup);
    let server = await startServer(data.dir);
    const token = server.token('agent-1', 'agent');
    const core = await newCore(server, profile());
    await value(core, 'session.login', { token });
    await live(core);
    const targets = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const seen = new Set<string>();
        return serverRecord(
          server,
          token,
          'delivery',
          (r) =>
            r.body['stage'] === 'created' && !seen.has(r.id) && (seen.add(r.id), seen.size > i),
        );
      }),
    );
    const keys: string[] = [];
    for (const t of targets) {
      keys.push(
        (
          await value<{ idempotencyKey: string }>(core, 'shipping.cancelDelivery', {
            deliveryId: t.id,
            reason: 'customer-request',
          })
        ).idempotencyKey,
      );
    }
    server.child.kill('SIGKILL'); // some sends in flight, some answered, some not yet sent
    await server.exited;
    server = await startServer(data.dir, server.port);
    await eventually(
      async () => {
        const list = await value<{ pending: unknown[]; needsAttention: unknown[] }>(
          core,
          'outbox.list',
        );
        return list.pending.length === 0 ? list : undefined;
      },
      30_000,
      'the queue to drain',
    );
    for (const t of targets) {
      const truth = await serverRecord(server, token, 'delivery', (r) => r.id === t.id);
      expect(truth.body['stage']).toBe('cancelled');
      expect(truth.version).toBe(t.version + 1);
    }
    const list = await value<{ needsAttention: unknown[] }>(core, 'outbox.list');
    expect(list.needsAttention).toEqual([]);
  }, 90_000);

  it('two desks share delivery notes through the operator API; one writes offline and both converge', async () => {
    const data = tempDataDir();
    scope.defer(data.cleanup);
    const server = await startServer(data.dir);
    const a = await newCore(server, profile());
    const bProfile = profile();
    const b = await newCore(server, bProfile);
    await value(a, 'session.login', { token: server.token('agent-1', 'agent') });
    await value(b, 'session.login', { token: server.token('agent-2', 'agent') });
    await Promise.all([live(a), live(b)]);
    const target = await serverRecord(
      server,
      server.token('agent-1', 'agent'),
      'delivery',
      () => true,
    );
    type Collab = { notes: { text: string; author: string }[] };
    const notesOf = async (core: OperatorCore): Promise<string[]> =>
      (await value<Collab>(core, 'collab.get', { deliveryId: target.id })).notes.map((n) => n.text);
    await value(a, 'notes.add', { deliveryId: target.id, text: 'Customer prefers the back door.' });
    await eventually(async () => ((await notesOf(b)).length === 1 ? true : undefined), 15_000);

    // Desk b loses the server (same profile, unreachable address) and keeps working.
    await b.close();
    const bOffline = await newCore({ url: 'http://127.0.0.1:9' }, bProfile);
    await value(bOffline, 'notes.add', {
      deliveryId: target.id,
      text: 'Written offline on desk b.',
    });
    await value(a, 'notes.add', { deliveryId: target.id, text: 'Gate code 4711.' });
    expect(
      await a.call('notes.add', { deliveryId: target.id, text: 'card 4111 1111 1111 1111' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOTE.CONTAINS_CARD_NUMBER' },
    });
    await bOffline.close();

    // Back online with the stored session: the offline note is uploaded without anyone opening the delivery.
    const bBack = await newCore(server, bProfile);
    await eventually(
      async () => ((await notesOf(a)).length === 3 ? true : undefined),
      15_000,
      'desk a to get the offline note',
    );
    await eventually(
      async () => ((await notesOf(bBack)).length === 3 ? true : undefined),
      15_000,
      'desk b to get the note written meanwhile',
    );
    expect((await notesOf(bBack)).sort()).toEqual([
      'Customer prefers the back door.',
      'Gate code 4711.',
      'Written offline on desk b.',
    ]);
  }, 60_000);
});
