import type {
  ApiResult,
  OperatorEventName,
  OperatorEvents,
  OperatorInput,
  OperatorMethod,
  OperatorOutput,
} from '../../../app/contract';

/**
 * The renderer's only door to the desktop core: the operator API. Two
 * transports implement it — the Electron preload (`window.fleetdesk`) and the
 * browser host's WebSocket — and nothing else in the UI knows which is in use.
 */
export interface OperatorClient {
  /** The answer is typed by the contract (OperatorOutputs); untyped methods answer `unknown`. */
  call<M extends OperatorMethod>(
    method: M,
    payload: OperatorInput<M>,
  ): Promise<ApiResult<OperatorOutput<M>>>;
  on<E extends OperatorEventName>(
    event: E,
    listener: (payload: OperatorEvents[E]) => void,
  ): () => void;
  /** 'open' while the core is reachable; the UI shows a banner otherwise. */
  onConnection(listener: (state: 'open' | 'closed') => void): () => void;
}

interface Pending {
  resolve(result: ApiResult<unknown>): void;
}

/**
 * Browser-host transport: one WebSocket to /api on the page's own origin, with
 * the per-run token from the page URL. Calls made while reconnecting wait; a
 * lost socket answers in-flight calls with a clear error instead of hanging.
 */
export class WebSocketOperatorClient implements OperatorClient {
  #socket: WebSocket | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  readonly #connection = new Set<(state: 'open' | 'closed') => void>();
  #opened: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {
    this.connect();
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.#socket = socket;
    this.#opened = new Promise((resolve) => {
      socket.addEventListener('open', () => {
        resolve();
        for (const l of this.#connection) l('open');
      });
    });
    socket.addEventListener('message', (event: MessageEvent<string>) => this.onFrame(event.data));
    socket.addEventListener('close', () => {
      for (const [id, p] of this.#pending) {
        p.resolve({
          ok: false,
          error: {
            code: 'UI.CORE_UNREACHABLE',
            message: 'Lost contact with the desktop core; try again.',
          },
        });
        this.#pending.delete(id);
      }
      for (const l of this.#connection) l('closed');
      setTimeout(() => this.connect(), 1000);
    });
  }

  private onFrame(text: string): void {
    let frame: {
      id?: number;
      ok?: boolean;
      value?: unknown;
      error?: { code: string; message: string };
      event?: string;
      payload?: unknown;
    };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    if (typeof frame.event === 'string') {
      for (const l of this.#listeners.get(frame.event) ?? []) l(frame.payload);
      return;
    }
    if (typeof frame.id !== 'number') return;
    const pending = this.#pending.get(frame.id);
    if (!pending) return;
    this.#pending.delete(frame.id);
    pending.resolve(
      frame.ok === true
        ? { ok: true, value: frame.value }
        : {
            ok: false,
            error: frame.error ?? {
              code: 'UI.BAD_FRAME',
              message: 'Unexpected answer from the core.',
            },
          },
    );
  }

  async call<M extends OperatorMethod>(
    method: M,
    payload: OperatorInput<M>,
  ): Promise<ApiResult<OperatorOutput<M>>> {
    await this.#opened;
    const id = this.#nextId++;
    const answer = await new Promise<ApiResult<unknown>>((resolve) => {
      this.#pending.set(id, { resolve });
      this.#socket?.send(JSON.stringify({ id, method, payload }));
    });
    // The one place a result is narrowed: the core's handlers are typed by the same contract.
    return answer as ApiResult<OperatorOutput<M>>;
  }

  on<E extends OperatorEventName>(
    event: E,
    listener: (payload: OperatorEvents[E]) => void,
  ): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    this.#listeners.set(event, set);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  onConnection(listener: (state: 'open' | 'closed') => void): () => void {
    this.#connection.add(listener);
    return () => this.#connection.delete(listener);
  }
}

/** Electron preload transport (window.fleetdesk), when present. */
interface PreloadBridge {
  call(method: string, payload: unknown): Promise<ApiResult<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

export function connectOperatorClient(): OperatorClient {
  const bridge = (window as unknown as { fleetdesk?: PreloadBridge }).fleetdesk;
  if (bridge) {
    return {
      call: async <M extends OperatorMethod>(method: M, payload: OperatorInput<M>) =>
        (await bridge.call(method, payload)) as ApiResult<OperatorOutput<M>>,
      on: (event, listener) => bridge.on(event, listener as (payload: unknown) => void),
      onConnection: () => () => undefined,
    };
  }
  // The browser host authenticates the page with an HttpOnly cookie (set on first
  // visit), which the same-origin WebSocket handshake carries automatically.
  const token = new URLSearchParams(window.location.search).get('token');
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return new WebSocketOperatorClient(`${scheme}://${window.location.host}/api${query}`);
}
