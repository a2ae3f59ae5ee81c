import * as decoding from 'lib0/decoding';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether `update` is a well-formed awareness update: a count, then per entry a client id,
 * a clock and a JSON state string, and nothing after. y-protocols' `applyAwarenessUpdate`
 * applies entries one by one and throws half-way on a bad one (leaving earlier entries
 * applied but never announced), so the hub checks the whole update first.
 */
export function isWellFormedAwarenessUpdate(update: Uint8Array): boolean {
  try {
    const decoder = decoding.createDecoder(update);
    const entries = decoding.readVarUint(decoder);
    for (let i = 0; i < entries; i++) {
      decoding.readVarUint(decoder); // client id
      decoding.readVarUint(decoder); // clock
      const length = decoding.readVarUint(decoder);
      if (length > update.length - decoder.pos) return false;
      JSON.parse(utf8.decode(decoding.readUint8Array(decoder, length)));
    }
    return !decoding.hasContent(decoder);
  } catch {
    return false;
  }
}
