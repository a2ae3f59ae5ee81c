/**
 * The card-data sweep: the real sync server and a real desk core (its SQLite replica and Yjs
 * store) run while hostile clients push card numbers and CVVs through every way in — Yjs
 * updates and awareness, typed text, the desk's own operator API, the command API. Then both
 * stop, and every file either wrote (SQLite files with WAL and shared memory, the server log,
 * the desk profile) is scanned for Luhn-valid card numbers and CVV-like fields. None may be
 * there, while the honest notes written meanwhile are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore } from '../app/core';
import type { OperatorCore } from '../app/host';
import { snapshotAll } from '../sync-server/test-support/feed-helpers';
import { filesUnder, sweep } from './support/card-sweep';
import { expectCleanLog, startAbuseServer } from './support/abuse-server';
import { frame, openSocket, stockClient, synced, updateFrame } from './support/socket-clients';

const PAN = '4111 1111 1111 1111';
const NOTE = `Customer read out card ${PAN}, cvv 123`;
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function call<T>(core: OperatorCore, method: string, payload: unknown = {}): Promise<T> {
  const r = await core.call(method, payload);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}`);
  return r.value as T;
}

describe('card-data sweep over everything the server and a desk wrote', () => {
  it('finds no card number or CVV after a run full of them', async () => {
    const server = await startAbuseServer();
    cleanups.push(() => server.cleanup());
    const profile = mkdtempSync(join(tmpdir(), 'fleetdesk-abuse-desk-'));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    const desk = await startCore({
      syncServerUrl: server.url,
      profileDir: profile,
      feedWaitMs: 300,
    });
    cleanups.push(() => desk.close().catch(() => undefined));
    const agent = server.token('agent-1', 'agent');
    await call(desk, 'session.login', { token: agent });

    const { records } = await snapshotAll(server, agent);
    const delivery = records.find((r) => r.kind === 'delivery');
    if (delivery === undefined) throw new Error('no delivery in the seed');
    const start = (delivery.body as { window: { start: number } }).window.start;
    const board = `board/berlin/${new Date(start).toISOString().slice(0, 10)}`;

    // The desk must have the delivery first: until its replica does, a note is refused as
    // DELIVERY.NOT_FOUND, which would prove nothing about card data.
    const until = Date.now() + 60_000;
    while (!(await desk.call('deliveries.get', { deliveryId: delivery.id })).ok) {
      if (Date.now() > until) throw new Error('the desk never replicated the delivery');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The desk refuses card data at its own boundary and writes an honest note.
    for (const text of [NOTE, `card ${PAN}`, 'the CVV is 123']) {
      const r = await desk.call('notes.add', { deliveryId: delivery.id, text });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toMatch(/^NOTE\.CONTAINS_/);
    }
    await call(desk, 'notes.add', { deliveryId: delivery.id, text: 'Honest note: ring twice.' });

    // A stock client on the desk's board: a card note, a CVV in text, a number typed in pieces.
    for (const bad of [
      updateFrame((d) => d.getArray(`notes/${delivery.id}`).push([{ text: NOTE }])),
      updateFrame((d) => d.getMap(`flags/${delivery.id}`).set('cvv', '123')),
    ]) {
      const raw = await openSocket(
        `ws://127.0.0.1:${String(server.port)}/yjs/${board}?token=${agent}`,
      );
      raw.ws.send(bad);
      expect((await raw.closed).code).toBe(1008);
    }
    const typist = stockClient(server.port, board, server.token('agent-9', 'agent'));
    cleanups.push(typist.destroy);
    await synced(typist.provider);
    for (const piece of ['4111', ' 1111', ' 1111', ' 1111']) {
      typist.doc.getText('scratch').insert(typist.doc.getText('scratch').length, piece);
      await new Promise((r) => setTimeout(r, 30));
    }
    typist.doc.getText('scratch').insert(0, 'ok ');
    // Presence with card data.
    const raw = await openSocket(
      `ws://127.0.0.1:${String(server.port)}/yjs/${board}?token=${agent}`,
    );
    const presence = new awarenessProtocol.Awareness(new Y.Doc());
    presence.setLocalState({ user: { name: 'x', status: NOTE } });
    raw.ws.send(frame(1, awarenessProtocol.encodeAwarenessUpdate(presence, [presence.clientID])));
    expect((await raw.closed).code).toBe(1008);
    // Card data through the command API.
    const command = {
      name: 'payments.changeMethod',
      schemaVersion: 1,
      idempotencyKey: 'abuse-sweep-1',
      issuedAt: Date.now(),
      issuedBy: { userId: 'agent-1', role: 'agent', desktopId: 'desk-1' },
      payload: { paymentId: 'pay-000001', expectedVersion: 1, newMethodToken: PAN },
    };
    const refused = await server.api('/api/commands', { token: agent, body: command });
    expect(refused.body).toMatchObject({ status: 'rejected' });

    // The honest note reached the server and back; then everything stops and flushes.
    await expect
      .poll(
        async () =>
          (
            await call<{ notes: { text: string }[] }>(desk, 'collab.get', {
              deliveryId: delivery.id,
            })
          ).notes.length,
        { timeout: 10_000 },
      )
      .toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    typist.destroy();
    await desk.close();
    await server.stop();

    const written = [...filesUnder(server.dataDir), ...filesUnder(profile)];
    expect(written.some((f) => f.endsWith('.sqlite'))).toBe(true);
    expect(written.some((f) => f.endsWith('server.log'))).toBe(true);
    expect(sweep([server.dataDir, profile])).toEqual([]);
    expectCleanLog(server);
  });
});
