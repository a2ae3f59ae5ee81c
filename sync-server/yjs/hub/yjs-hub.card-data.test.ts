import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { containsCardNumber } from '../../../domain/shared';
import { BOARD, frame, harnessPerTest, synced, waitFor } from '../test-support/hub-harness';

const NOTE = 'Customer read out card 4111 1111 1111 1111, cvv 123';

const updateFrame = (change: (doc: Y.Doc) => void): Uint8Array => {
  const doc = new Y.Doc();
  change(doc);
  return frame(0, 2, Y.encodeStateAsUpdate(doc));
};

describe('yjs hub: card data is refused before it is stored or sent', () => {
  const start = harnessPerTest();

  it.each<[string, Uint8Array, string]>([
    [
      'a note object with a card number',
      updateFrame((d) => d.getArray('notes/del-1').push([{ text: NOTE }])),
      'card numbers',
    ],
    [
      'text with a CVV only',
      updateFrame((d) => d.getText('notes').insert(0, ' cvv 123 ')),
      'card security codes',
    ],
  ])(
    '%s: the writer is closed with 1008 and a reason; others keep syncing',
    async (_l, bad, why) => {
      const h = await start();
      const a = h.provider(BOARD, 'agent-token');
      const b = h.provider(BOARD, 'fm-token');
      await Promise.all([synced(a.provider), synced(b.provider)]);
      a.doc.getText('notes').insert(0, 'before');
      await waitFor('before', () => b.doc.getText('notes').toJSON() === 'before');

      const raw = await h.raw(BOARD, 'sup-token');
      raw.ws.send(bad);
      const closed = await raw.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toContain(why);
      expect(closed.reason).not.toMatch(/\d{3}/);

      b.doc.getText('notes').insert(6, ' and after');
      await waitFor('after', () => a.doc.getText('notes').toJSON() === 'before and after');
      const stored = await h.stored(BOARD);
      const content = JSON.stringify([
        stored.getText('notes').toJSON(),
        stored.getArray('notes/del-1').toJSON(),
      ]);
      expect(content).not.toMatch(/1111|cvv/);
      expect(await h.metric('fleetdesk_yjs_rejected_frames_total', { reason: 'card-data' })).toBe(
        1,
      );
    },
  );

  it('a stock client typing a card number across updates is refused when the number is whole', async () => {
    const h = await start();
    const writer = h.provider(BOARD, 'agent-token');
    const reader = h.provider(BOARD, 'fm-token');
    await Promise.all([synced(writer.provider), synced(reader.provider)]);
    const codes: number[] = [];
    writer.provider.on('connection-close', (event: { code: number } | null) => {
      codes.push(event?.code ?? 0);
    });
    const text = writer.doc.getText('notes');
    text.insert(0, 'card 4111 1111');
    await waitFor('half stored', async () => (await h.stored(BOARD)).getText('notes').length > 0);
    writer.doc.getText('notes').insert(text.length, ' 1111 1111');
    await waitFor('writer closed', () => codes.includes(1008));
    writer.provider.destroy();
    const stored = (await h.stored(BOARD)).getText('notes').toJSON();
    expect(stored).toBe('card 4111 1111');
    expect(containsCardNumber(reader.doc.getText('notes').toJSON())).toBe(false);
  });

  it('an awareness state with card data is refused and relayed to nobody', async () => {
    const h = await start();
    const bystander = await h.raw(BOARD, 'fm-token');
    const raw = await h.raw(BOARD, 'agent-token');
    const presence = new awarenessProtocol.Awareness(new Y.Doc());
    presence.setLocalState({ user: { name: 'x', note: NOTE } });
    const update = awarenessProtocol.encodeAwarenessUpdate(presence, [presence.clientID]);
    raw.ws.send(frame(1, update));
    const closed = await raw.closed;
    expect(closed.code).toBe(1008);
    expect(await h.metric('fleetdesk_yjs_rejected_frames_total', { reason: 'card-data' })).toBe(1);
    const relayed = bystander.received.map((m) => Buffer.from(m).toString('latin1')).join('');
    expect(relayed).not.toContain('4111');
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
  });
});
