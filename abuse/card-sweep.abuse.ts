/** The sweep's own check: it finds what it is meant to find, and not what the seed holds. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { findCardLike } from './support/card-sweep';

describe('findCardLike', () => {
  it('finds the issue’s note inside a stored Yjs update, and a CVV field in JSON', () => {
    const doc = new Y.Doc();
    doc.getArray('notes/del-1').push([{ text: 'Customer read out card 4111 1111 1111 1111' }]);
    const blob = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(Y.encodeStateAsUpdate(doc))]);
    expect(findCardLike(blob).map((f) => f.kind)).toEqual(['card-number']);
    expect(findCardLike(Buffer.from('{"cvv":"123"}')).map((f) => f.kind)).toEqual([
      'security-code',
    ]);
    expect(findCardLike(Buffer.from('pan=5555-5555-5555-4444;')).length).toBe(1);
  });

  it('ignores coordinates, epoch milliseconds, phone numbers and non-Luhn runs', () => {
    const text =
      '{"lat":52.555623018694966,"lng":13.432123476234324,"at":1795341600000,' +
      '"phone":"+4915123456789","ref":"1234567812345678"}';
    expect(findCardLike(Buffer.from(text))).toEqual([]);
  });
});
