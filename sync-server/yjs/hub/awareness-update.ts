import * as decoding from 'lib0/decoding';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The states of a well-formed awareness update, or null if it is not one: a count, then per
 * entry a client id, a clock and a JSON state string, and nothing after. y-protocols'
 * `applyAwarenessUpdate` applies entries one by one and throws half-way on a bad one (leaving
 * earlier entries applied but never announced), so the hub checks the whole update first.
 */
export function awarenessStates(update: Uint8Array): unknown[] | null {
  try {
    const decoder = decoding.createDecoder(update);
    const entries = decoding.readVarUint(decoder);
    const states: unknown[] = [];
    for (let i = 0; i < entries; i++) {
      decoding.readVarUint(decoder); // client id
      decoding.readVarUint(decoder); // clock
      const length = decoding.readVarUint(decoder);
      if (length > update.length - decoder.pos) return null;
      states.push(JSON.parse(utf8.decode(decoding.readUint8Array(decoder, length))) as unknown);
    }
    return decoding.hasContent(decoder) ? null : states;
  } catch {
    return null;
  }
}
