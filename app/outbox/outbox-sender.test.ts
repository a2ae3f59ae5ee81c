import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asId, instant } from '../../domain/shared';
import type { Command } from '../../domain/protocol';
import { ServerClient } from '../net';
import { openWritableReplica } from '../replica';
import { OutboxSender } from './outbox-sender';
import { OutboxStore } from './outbox-store';
import { toEntryView } from './outbox-view';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-sender-'));
let server: Server;
let url = '';
const seen: string[] = [];

/** The scripted answer for one key: what the single endpoint would say, and each batch item. */
function answer(key: string): [number, Record<string, unknown>] {
  seen.push(key);
  if (key.startsWith('always-500')) return [500, { code: 'COMMAND.INTERNAL', message: 'boom' }];
  if (key.startsWith('bad'))
    return [400, { code: 'COMMAND.MALFORMED', message: 'The request is malformed: x.' }];
  if (key.startsWith('reject'))
    return [200, { status: 'rejected', code: 'DELIVERY.ALREADY_PICKED_UP', reason: 'Too late.' }];
  if (key.startsWith('slow')) return [202, { status: 'processing', resultingVersion: 2 }];
  return [200, { status: 'accepted', resultingVersion: 2 }];
}

beforeAll(async () => {
  // A stand-in server with scripted answers per key: this tests the sender's
  // scheduling, not the server (the real server is used in app/core tests).
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      const parsed = JSON.parse(body) as {
        idempotencyKey: string;
        commands?: { idempotencyKey: string }[];
      };
      if (req.url === '/api/commands/batch') {
        const results = (parsed.commands ?? []).map((c) => {
          const [status, json] = answer(c.idempotencyKey);
          return { idempotencyKey: c.idempotencyKey, http: status, ...json };
        });
        send(200, { results });
      } else send(...answer(parsed.idempotencyKey));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const command = (key: string): Command => ({
  name: 'shipping.cancelDelivery',
  schemaVersion: 1,
  idempotencyKey: asId('IdempotencyKey', key),
  issuedBy: {
    userId: asId('User', 'agent-1'),
    role: 'agent',
    desktopId: asId('Desktop', 'desk-1'),
  },
  issuedAt: instant(1_800_000_000_000),
  payload: {
    deliveryId: asId('Delivery', `del-${key}`),
    expectedVersion: 1,
    reason: 'customer-request',
  },
});

describe('OutboxSender', () => {
  it('never lets a failing command block the others, and classifies every answer', async () => {
    const store = new OutboxStore(openWritableReplica(join(dir, 'a.sqlite'), 'plaintext'));
    for (const key of ['always-500-a', 'ok-b', 'bad-c', 'reject-d', 'slow-e'])
      store.enqueue(
        command(key),
        { kind: 'delivery', id: `del-${key}`, patch: { stage: 'cancelled' } },
        1,
      );
    const sender = new OutboxSender(
      store,
      new ServerClient(url, () => 't'),
      {},
      { baseDelayMs: 20, maxDelayMs: 60, idleMs: 20 },
    );
    const running = sender.run();
    await new Promise((r) => setTimeout(r, 600));
    sender.stop();
    await running;
    expect(store.mustGet('ok-b').state).toBe('done');
    expect(store.mustGet('bad-c')).toMatchObject({
      state: 'failed',
      errorCode: 'COMMAND.MALFORMED',
    });
    expect(store.mustGet('reject-d')).toMatchObject({
      state: 'rejected',
      errorCode: 'DELIVERY.ALREADY_PICKED_UP',
      errorReason: 'Too late.',
    });
    expect(store.mustGet('slow-e').state).toBe('processing');
    const stuck = store.mustGet('always-500-a');
    expect(stuck.state).toBe('queued');
    expect(stuck.attempts).toBeGreaterThan(2); // retried with backoff…
    expect(seen.filter((k) => k === 'ok-b')).toHaveLength(1); // …while the others went through once
  });

  it('finishes processing entries and removes overlays when the command record arrives', () => {
    const store = new OutboxStore(openWritableReplica(join(dir, 'b.sqlite'), 'plaintext'));
    store.enqueue(
      command('slow-x'),
      { kind: 'delivery', id: 'del-slow-x', patch: { stage: 'cancelled' } },
      1,
    );
    store.setState('slow-x', 'processing', 2);
    const sender = new OutboxSender(store, new ServerClient(url, () => 't'));
    expect(store.overlaysFor('delivery', 'del-slow-x')).toHaveLength(1);
    sender.reconcile([
      {
        kind: 'command',
        id: 'slow-x',
        version: 2,
        seq: 9,
        body: { current: { status: 'failed', code: 'PAYMENT.DECLINED', reason: 'Declined.' } },
      },
    ]);
    expect(store.mustGet('slow-x')).toMatchObject({
      state: 'failed',
      errorCode: 'PAYMENT.DECLINED',
      overlay: null,
    });
    expect(store.overlaysFor('delivery', 'del-slow-x')).toHaveLength(0);
  });

  it('shows the server’s note while a command waits, and drops it when the command finishes', () => {
    const store = new OutboxStore(openWritableReplica(join(dir, 'n.sqlite'), 'plaintext'));
    store.enqueue(command('slow-n'), null, 1);
    store.setState('slow-n', 'processing', 2);
    const changed: string[] = [];
    const sender = new OutboxSender(store, new ServerClient(url, () => 't'), {
      changed: (e) => changed.push(e.state),
    });
    const record = (version: number, current: Record<string, string>) => ({
      kind: 'command',
      id: 'slow-n',
      version,
      seq: version,
      body: { current },
    });
    const note = 'The card company is not answering right now.';
    sender.reconcile([record(2, { status: 'processing', note })]);
    expect(toEntryView(store.mustGet('slow-n'))).toMatchObject({
      state: 'processing',
      note,
      error: null,
    });
    sender.reconcile([record(3, { status: 'done' })]);
    expect(toEntryView(store.mustGet('slow-n'))).toMatchObject({ state: 'done', note: null });
    expect(changed).toEqual(['processing', 'done']);
  });

  it('counts entries by state', () => {
    const store = new OutboxStore(openWritableReplica(join(dir, 'c.sqlite'), 'plaintext'));
    store.enqueue(command('ok-1'), null, 1);
    store.enqueue(command('ok-2'), null, 1);
    store.setState('ok-2', 'rejected', 2, { code: 'X', reason: 'y' });
    expect(store.counts()).toMatchObject({ queued: 1, rejected: 1, done: 0 });
    expect(() => store.enqueue(command('ok-1'), null, 3)).toThrow(/UNIQUE/);
  });
});
