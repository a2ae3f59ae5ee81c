import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { findCardData } from '../../../domain/shared';
import { applyCheckedUpdate, cardDataInJson } from './card-data.guard';

const PAN = '4111 1111 1111 1111';
const NOTE_WITH_PAN = `card ${PAN}`;
const CLIENT = { peer: 'client' };

/** The update a writer's edit produces on a copy of `server`. */
function edit(server: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const writer = new Y.Doc();
  Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(writer);
  change(writer);
  return Y.encodeStateAsUpdate(writer, before);
}

describe('applyCheckedUpdate', () => {
  it.each<[string, (doc: Y.Doc) => void, string]>([
    [
      'a note object in an array',
      (d) => d.getArray('notes/del-1').push([{ text: `card ${PAN}` }]),
      'card-number',
    ],
    ['a map value', (d) => d.getMap('flags').set('x', PAN), 'card-number'],
    ['a labelled CVV value', (d) => d.getMap('pay').set('cvv', '123'), 'security-code'],
    ['a CVV as a number under its label', (d) => d.getMap('pay').set('cvc', 123), 'security-code'],
    ['a PAN as a JSON number', (d) => d.getArray('a').push([4111111111111111]), 'card-number'],
    ['a map key', (d) => d.getMap('claims').set('4111111111111111', true), 'card-number'],
    ['a root type name', (d) => d.getArray('notes/4111111111111111').push(['x']), 'card-number'],
    ['text with CVV', (d) => d.getText('t').insert(0, 'the cvv is 123'), 'security-code'],
    ['a binary value', (d) => d.getArray('b').push([new TextEncoder().encode(PAN)]), 'card-number'],
    ['a text format attribute', (d) => d.getText('t').insert(0, 'x', { note: PAN }), 'card-number'],
  ])('finds card data in %s', (_label, change, kind) => {
    const server = new Y.Doc();
    expect(applyCheckedUpdate(server, edit(server, change), CLIENT)).toBe(kind);
  });

  it('leaves what the desk writes alone: UUIDs, epoch milliseconds, short numbers', () => {
    const server = new Y.Doc();
    const desk = new Y.Doc();
    let update: Uint8Array = new Uint8Array();
    desk.on('update', (u: Uint8Array) => {
      update = u;
    });
    for (let i = 0; i < 500; i += 1) {
      desk.transact(() => {
        desk.getArray('notes/del-000042').push([
          {
            id: randomUUID(),
            author: 'agent-7',
            text: 'Call back at 17:30, flat 123',
            at: 1795341600000 + i,
          },
        ]);
        desk
          .getMap('checklist/del-000042')
          .set(randomUUID(), { createdAt: 1795341600000 + i, done: false });
      });
      expect(applyCheckedUpdate(server, update, CLIENT)).toBeNull();
    }
  });

  it('accepts every alert acknowledgement a desk writes, whatever time its cause names (property)', () => {
    // Causes once held raw epoch milliseconds: one in ten passed the Luhn check and the whole
    // acknowledgement was refused. Desks now spell the time in ISO 8601.
    expect(findCardData('down@1764777600008')).toBe('card-number');
    fc.assert(
      fc.property(fc.integer({ min: 1_500_000_000_000, max: 4_000_000_000_000 }), (since) => {
        const server = new Y.Doc();
        const ack = {
          alertKey: 'region:payments',
          // As the desk spells it (renderer/src/features/fleet/alert-cause.ts).
          cause: `down@${new Date(since).toISOString()}`,
          userId: 'fm-1',
          at: since,
          reason: 'Card company outage; agents told',
        };
        const update = edit(server, (d) => d.getMap('alert-acks').set(ack.alertKey, ack));
        expect(applyCheckedUpdate(server, update, CLIENT)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('finds a PAN typed into a text over many updates, in any split (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: PAN.length - 1 }), { maxLength: 6 }),
        fc.string({ maxLength: 20 }).filter((s) => !/\d/.test(s)),
        (cuts, prefix) => {
          const server = new Y.Doc();
          server.getText('notes').insert(0, `${prefix}Customer read out `);
          const points = [...new Set(cuts)].sort((a, b) => a - b);
          const pieces = [0, ...points].map((at, i) => PAN.slice(at, points[i] ?? PAN.length));
          const results = pieces.map((piece) =>
            applyCheckedUpdate(
              server,
              edit(server, (d) => d.getText('notes').insert(d.getText('notes').length, piece)),
              CLIENT,
            ),
          );
          // Only the update that completes the number is refused; the pieces before are not.
          expect(results.at(-1)).toBe('card-number');
          expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
        },
      ),
    );
  });

  it('finds a PAN whose halves differ only in formatting (marks are invisible)', () => {
    const server = new Y.Doc();
    const half = edit(server, (d) => d.getText('n').insert(0, 'pan 4111 1111 '));
    expect(applyCheckedUpdate(server, half, CLIENT)).toBeNull();
    const rest = edit(server, (d) => d.getText('n').insert(14, '1111 1111', { bold: true }));
    expect(applyCheckedUpdate(server, rest, CLIENT)).toBe('card-number');
  });

  it('finds a PAN joined by deleting what separated its halves', () => {
    const server = new Y.Doc();
    Y.applyUpdate(
      server,
      edit(server, (d) => d.getText('n').insert(0, 'x 4111 1111 and 1111 1111 y')),
    );
    const update = edit(server, (d) => d.getText('n').delete(11, 5)); // removes "and "
    expect(applyCheckedUpdate(server, update, CLIENT)).toBe('card-number');
  });

  it('never finds in a change what the whole text does not hold (property)', () => {
    const token = fc.oneof(
      fc.integer({ min: 0, max: 999_999 }).map(String),
      fc.constantFrom('ref', 'cvv', 'order', 'x', '-', 'flat'),
    );
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom(' ', '.', '5', 'x', '-'),
        (tokens, at, char) => {
          const server = new Y.Doc();
          const whole = tokens.join(' ');
          Y.applyUpdate(
            server,
            edit(server, (d) => d.getText('n').insert(0, whole)),
          );
          const pos = at % (whole.length + 1);
          const found = applyCheckedUpdate(
            server,
            edit(server, (d) => d.getText('n').insert(pos, char)),
            CLIENT,
          );
          if (found !== null) expect(findCardData(server.getText('n').toJSON())).not.toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses card data left waiting for a missing dependency with the update that brought it', () => {
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on('update', (u: Uint8Array) => updates.push(u));
    writer.getText('n').insert(0, 'note: ');
    writer.getText('n').insert(6, NOTE_WITH_PAN);
    const [first, second] = updates;
    if (first === undefined || second === undefined) throw new Error('two updates');
    const server = new Y.Doc();
    // The second arrives first: it cannot integrate yet, but is refused now...
    expect(applyCheckedUpdate(server, second, CLIENT)).toBe('card-number');
    // ...and an honest writer's update is not blamed for it (a fresh doc: the caller rebuilds).
    expect(applyCheckedUpdate(new Y.Doc(), first, CLIENT)).toBeNull();
  });

  it('throws on a broken update as Y.applyUpdate does', () => {
    expect(() =>
      applyCheckedUpdate(new Y.Doc(), new Uint8Array([5, 200, 7, 1, 99, 3]), CLIENT),
    ).toThrow();
  });
});

describe('cardDataInJson (awareness states)', () => {
  it('finds card data anywhere in a presence state, and nothing in an ordinary one', () => {
    expect(cardDataInJson([{ user: { name: 'Ann', note: `pan ${PAN}` } }])).toBe('card-number');
    expect(cardDataInJson([{ cursor: { cvv: '987' } }])).toBe('security-code');
    expect(
      cardDataInJson([{ user: { name: 'Ann', color: '#ff0000' }, at: Date.now() }]),
    ).toBeNull();
  });
});
