import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

// Message framing of the y-websocket protocol, as the stock WebsocketProvider speaks it:
// [messageType: varUint, payload...]; sync payloads are [syncType: varUint, varUint8Array].
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/** One decoded client frame. Payloads are views into the frame passed to `parseClientMessage`. */
export type ClientMessage =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-step2'; readonly update: Uint8Array }
  | { readonly kind: 'sync-update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'query-awareness' };

/** A frame that is not exactly one well-formed y-websocket message. Close code 1002. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

const readVarUint = (decoder: decoding.Decoder): number => {
  try {
    return decoding.readVarUint(decoder);
  } catch {
    throw new ProtocolError('truncated varint');
  }
};

// lib0 builds the payload view on the frame's underlying ArrayBuffer, so a length prefix
// larger than the frame would silently read past it when that buffer is shared: check first.
const readBytes = (decoder: decoding.Decoder): Uint8Array => {
  const length = readVarUint(decoder);
  if (length > decoder.arr.length - decoder.pos)
    throw new ProtocolError('length past end of frame');
  return decoding.readUint8Array(decoder, length);
};

/**
 * Decodes one client frame strictly: unknown message or sync types, truncated varints,
 * lengths past the end and trailing bytes all throw `ProtocolError`. It does not look inside
 * Yjs updates or awareness payloads; the hub validates those before using them.
 */
export function parseClientMessage(frame: Uint8Array): ClientMessage {
  const decoder = decoding.createDecoder(frame);
  const message = parseBody(decoder);
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after message');
  return message;
}

function parseBody(decoder: decoding.Decoder): ClientMessage {
  const type = readVarUint(decoder);
  switch (type) {
    case MESSAGE_SYNC: {
      const syncType = readVarUint(decoder);
      const payload = readBytes(decoder);
      if (syncType === SYNC_STEP1) return { kind: 'sync-step1', stateVector: payload };
      if (syncType === SYNC_STEP2) return { kind: 'sync-step2', update: payload };
      if (syncType === SYNC_UPDATE) return { kind: 'sync-update', update: payload };
      throw new ProtocolError(`unknown sync message type ${syncType}`);
    }
    case MESSAGE_AWARENESS:
      return { kind: 'awareness', update: readBytes(decoder) };
    case MESSAGE_QUERY_AWARENESS:
      return { kind: 'query-awareness' };
    default:
      // Includes 2 (auth): only the server may send it.
      throw new ProtocolError(`unknown message type ${type}`);
  }
}

const frame = (write: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
};

/** Sync step 1: the server's state vector, asking the client for what the server lacks. */
export const encodeSyncStep1 = (doc: Y.Doc): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, SYNC_STEP1);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  });

/** Sync step 2: everything in `doc` the holder of `stateVector` lacks. Throws on a bad vector. */
export const encodeSyncStep2 = (doc: Y.Doc, stateVector: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, SYNC_STEP2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, stateVector));
  });

/**
 * A sync update frame. Built in one allocation as a Buffer, since one frame goes to every
 * receiver of a broadcast and ws sends a Buffer as is (other views it wraps once per send).
 */
export const encodeSyncUpdate = (update: Uint8Array): Uint8Array => {
  let lengthBytes = 1;
  for (let rest = update.length >>> 7; rest > 0; rest >>>= 7) lengthBytes += 1;
  const out = Buffer.allocUnsafe(2 + lengthBytes + update.length);
  out[0] = MESSAGE_SYNC;
  out[1] = SYNC_UPDATE;
  let at = 2;
  // varUint, as lib0 writes it: 7 bits per byte, low first, high bit = more follows.
  for (let rest = update.length; ; rest >>>= 7) {
    if (rest < 0x80) {
      out[at] = rest;
      break;
    }
    out[at] = (rest & 0x7f) | 0x80;
    at += 1;
  }
  out.set(update, 2 + lengthBytes);
  return out;
};

export const encodeAwareness = (awarenessUpdate: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, awarenessUpdate);
  });
