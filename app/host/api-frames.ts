import type { AnyOperatorResult, OperatorEventName, OperatorEvents } from '../contract';
import type { OperatorCore } from './operator-core.port';

/**
 * The operator API on the wire, shared by both hosts: the browser host's
 * WebSocket and the Electron utility process's MessagePort carry the same JSON
 * text frames, answered by the same code. Pure: no `ws`, no `electron`.
 *
 *   client → host   {"id": 7, "method": "customers.get", "payload": {...}}
 *   host → client   {"id": 7, "ok": true, "value": ...}
 *                   {"id": 7, "ok": false, "error": {"code": "...", "message": "..."}}
 *                   {"event": "outbox.changed", "payload": {...}}
 *
 * Answers can arrive out of order (a slow query does not hold up a fast one);
 * clients correlate them by `id`. A frame that cannot be correlated (not JSON,
 * no integer id) is answered with `"id": null`.
 */

/** Largest client frame accepted, in UTF-8 bytes. */
export const MAX_FRAME_BYTES = 256 * 1024;

/** Calls one session may have outstanding before further calls are refused with API.BUSY. */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** Error codes produced by the frame layer itself (the core adds API.UNKNOWN_METHOD etc.). */
export const FRAME_ERROR = {
  badFrame: 'API.BAD_FRAME',
  tooLarge: 'API.FRAME_TOO_LARGE',
  busy: 'API.BUSY',
  internal: 'API.INTERNAL',
} as const;

export interface RequestFrame {
  readonly id: number;
  readonly method: string;
  readonly payload?: unknown;
}

export type ResponseFrame = { readonly id: number | null } & AnyOperatorResult;

export interface EventFrame<E extends OperatorEventName = OperatorEventName> {
  readonly event: E;
  readonly payload: OperatorEvents[E];
}

export type ServerFrame = ResponseFrame | EventFrame;

function refusal(id: number | null, code: string, message: string): ResponseFrame {
  return { id, ok: false, error: { code, message } };
}

/** UTF-8 length without allocating for the common case (UTF-8 bytes ≥ UTF-16 units ≥ bytes / 3). */
function exceedsFrameLimit(text: string): boolean {
  if (text.length > MAX_FRAME_BYTES) return true;
  if (text.length * 3 <= MAX_FRAME_BYTES) return false;
  return new TextEncoder().encode(text).byteLength > MAX_FRAME_BYTES;
}

/**
 * Parses one client frame. Never throws: anything that is not a JSON object
 * with a non-negative integer `id` and a string `method` becomes a refusal
 * carrying the id when one could be read. Unknown keys are ignored; the method
 * name and payload are checked by the core against the contract.
 */
export function decodeRequestFrame(
  raw: unknown,
): { ok: true; frame: RequestFrame } | { ok: false; response: ResponseFrame } {
  if (typeof raw !== 'string') {
    return {
      ok: false,
      response: refusal(null, FRAME_ERROR.badFrame, 'Frames must be JSON text.'),
    };
  }
  if (exceedsFrameLimit(raw)) {
    const limit = `${MAX_FRAME_BYTES / 1024} KiB`;
    return {
      ok: false,
      response: refusal(null, FRAME_ERROR.tooLarge, `Frame is larger than ${limit}.`),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, response: refusal(null, FRAME_ERROR.badFrame, 'Frame is not valid JSON.') };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {
      ok: false,
      response: refusal(null, FRAME_ERROR.badFrame, 'Frame must be a JSON object.'),
    };
  }
  const { id, method, payload } = parsed as Record<string, unknown>;
  const validId = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
  if (validId === null) {
    const message = 'Frame needs a non-negative integer "id".';
    return { ok: false, response: refusal(null, FRAME_ERROR.badFrame, message) };
  }
  if (typeof method !== 'string') {
    const message = 'Frame needs a string "method".';
    return { ok: false, response: refusal(validId, FRAME_ERROR.badFrame, message) };
  }
  return { ok: true, frame: { id: validId, method, payload } };
}

/**
 * Answers one raw client frame with the core. Never rejects: a malformed frame,
 * a refusal by the core and a core that throws despite its contract all come
 * back as `{ok: false}` frames, so one bad frame harms nothing else on the
 * connection. Always resolves to a frame (never `undefined`).
 */
export async function handleFrame(core: OperatorCore, raw: unknown): Promise<ResponseFrame> {
  const decoded = decodeRequestFrame(raw);
  if (!decoded.ok) return decoded.response;
  const { id, method, payload } = decoded.frame;
  try {
    const result = await core.call(method, payload);
    // `undefined` would vanish from the JSON; a client should always find `value`.
    return result.ok ? { id, ok: true, value: result.value ?? null } : { id, ...result };
  } catch {
    return refusal(id, FRAME_ERROR.internal, 'The desktop core failed to answer this call.');
  }
}

/**
 * Serializes a frame for the wire. A value that JSON cannot carry (a BigInt, a
 * cycle) becomes an API.INTERNAL refusal for the same id instead of an exception.
 */
export function encodeFrame(frame: ServerFrame): string {
  try {
    return JSON.stringify(frame);
  } catch {
    const id = 'id' in frame ? frame.id : null;
    const message = 'The answer could not be encoded.';
    return JSON.stringify(refusal(id, FRAME_ERROR.internal, message));
  }
}

/** One client connection (a socket or a port) as seen by the core. */
export interface ApiSession {
  /** Answers one raw frame through `send`. Never rejects. Answers after `close()` are dropped. */
  receive(raw: unknown): Promise<void>;
  /** Stops forwarding events and drops answers still in flight. Idempotent. */
  close(): void;
}

export interface ApiSessionOptions {
  /** Default {@link DEFAULT_MAX_IN_FLIGHT}: bounds the work one client can queue up. */
  readonly maxInFlight?: number;
}

/**
 * Binds one connection to the core: every core event is pushed as an event
 * frame in the order the core emits it, and every frame received is answered.
 * `send` may throw (a transport that just closed); that is swallowed, because
 * the transport's own close handler ends the session.
 */
export function openApiSession(
  core: OperatorCore,
  send: (text: string) => void,
  options: ApiSessionOptions = {},
): ApiSession {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  let open = true;
  let inFlight = 0;
  const deliver = (frame: ServerFrame): void => {
    if (!open) return;
    try {
      send(encodeFrame(frame));
    } catch {
      // The transport is going away; its close handler calls close().
    }
  };
  const unsubscribe = core.subscribe((event, payload) => {
    deliver({ event, payload });
  });
  return {
    async receive(raw: unknown): Promise<void> {
      if (!open) return;
      if (inFlight >= maxInFlight) {
        const decoded = decodeRequestFrame(raw);
        const id = decoded.ok ? decoded.frame.id : decoded.response.id;
        deliver(refusal(id, FRAME_ERROR.busy, 'Too many calls in progress; try again shortly.'));
        return;
      }
      inFlight += 1;
      try {
        deliver(await handleFrame(core, raw));
      } finally {
        inFlight -= 1;
      }
    },
    close(): void {
      if (!open) return;
      open = false;
      unsubscribe();
    },
  };
}
