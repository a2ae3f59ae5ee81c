import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import { encodeSyncUpdate, parseClientMessage } from './yjs-protocol';

describe('encodeSyncUpdate', () => {
  it.each([0, 1, 81, 127, 128, 16_383, 16_384, 2_100_000])(
    'writes the same bytes as y-protocols for a %i-byte update',
    (length) => {
      const update = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
      const frame = encodeSyncUpdate(update);
      // Buffer.equals: toEqual walks a 2 MB array element by element.
      expect(Buffer.from(frame).equals(encoding.toUint8Array(e))).toBe(true);
      const parsed = parseClientMessage(frame);
      expect(parsed.kind === 'sync-update' && Buffer.from(parsed.update).equals(update)).toBe(true);
    },
  );
});
