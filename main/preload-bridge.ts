import type {
  AnyOperatorResult,
  ApiResult,
  OperatorBridge,
  OperatorEventName,
  OperatorEvents,
  OperatorInput,
  OperatorMethod,
  OperatorOutput,
} from '../app/contract';

export type { OperatorBridge } from '../app/contract';

/** What the bridge needs of the (DOM) MessagePort the preload receives from main. */
export interface BridgePort {
  postMessage(text: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

type Pending = (result: AnyOperatorResult) => void;

const DISCONNECTED: ApiResult<never> = {
  ok: false,
  error: {
    code: 'API.DISCONNECTED',
    message:
      'The desktop core restarted before answering. Check the command queue before trying again.',
  },
};

/**
 * The preload's logic, free of `electron` so it is unit-tested in plain Node.
 * Calls made before the first port arrives are queued and sent on attach. When
 * main hands over a new port (the core restarted), calls still waiting on the
 * old one resolve API.DISCONNECTED — their outcome is unknown, and the command
 * queue (outbox) is where the operator sees whether they were taken.
 */
export function createOperatorBridge(): {
  readonly api: OperatorBridge;
  /** Switches to a (new) port to the core; the preload calls it for every port main sends. */
  readonly attach: (port: BridgePort) => void;
} {
  let port: BridgePort | null = null;
  let nextId = 1;
  let pending = new Map<number, Pending>();
  const queued: string[] = [];
  const listeners = new Map<string, Set<(payload: never) => void>>();

  const dispatch = (data: unknown): void => {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const frame = parsed as Record<string, unknown>;
    if (typeof frame.event === 'string') {
      for (const listener of listeners.get(frame.event) ?? []) {
        try {
          listener(frame.payload as never);
        } catch (error) {
          // One failing screen must not starve the others of the event.
          console.error(`fleetdesk: listener for ${frame.event} threw`, error);
        }
      }
      return;
    }
    if (typeof frame.id !== 'number') return;
    const resolve = pending.get(frame.id);
    pending.delete(frame.id);
    resolve?.(toResult(frame));
  };

  const api = {
    call: <M extends OperatorMethod>(
      method: M,
      payload: OperatorInput<M>,
    ): Promise<ApiResult<OperatorOutput<M>>> => {
      return new Promise((resolve) => {
        const id = nextId++;
        // The core answers this id with method M's output (OperatorHandlers is typed per
        // method); the wire loses that link, so it is restored here, once.
        pending.set(id, resolve as Pending);
        const text = JSON.stringify({ id, method, payload });
        if (port) port.postMessage(text);
        else queued.push(text);
      });
    },
    on: <E extends OperatorEventName>(
      event: E,
      listener: (payload: OperatorEvents[E]) => void,
    ): (() => void) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  } satisfies OperatorBridge;

  return {
    api,
    attach: (next: BridgePort): void => {
      if (port) {
        port.onmessage = null;
        port.close();
        const lost = pending;
        pending = new Map();
        for (const resolve of lost.values()) resolve(DISCONNECTED);
      }
      port = next;
      next.onmessage = (event) => {
        dispatch(event.data);
      };
      for (const text of queued.splice(0)) next.postMessage(text);
    },
  };
}

/** Rebuilds exactly an ApiResult from a response frame (dropping `id`, tolerating a malformed one). */
function toResult(frame: { ok?: unknown; value?: unknown; error?: unknown }): AnyOperatorResult {
  // JSON from our own core (the contract's answer for the method called); not re-validated.
  if (frame.ok === true) return { ok: true, value: frame.value as OperatorOutput<OperatorMethod> };
  const error = (frame.error ?? {}) as { code?: unknown; message?: unknown };
  return {
    ok: false,
    error: {
      code: typeof error.code === 'string' ? error.code : 'API.INTERNAL',
      message:
        typeof error.message === 'string' ? error.message : 'Malformed answer from the core.',
    },
  };
}
