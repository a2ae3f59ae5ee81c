import WebSocket from 'ws';
import { fullJitterDelay } from '../net';

type Handler = ((event: unknown) => void) | null;

export interface ReconnectJitter {
  readonly baseMs: number;
  readonly capMs: number;
  readonly random?: () => number;
}

/**
 * A WebSocket class for y-websocket's `WebSocketPolyfill` that opens each
 * reconnect after a capped exponential delay with full jitter. The stock
 * provider retries on a fixed schedule (100·2ⁿ ms), so after a server restart
 * every desk would come back in the same few milliseconds; this spreads them.
 * The first connection opens at once; every reconnect waits, counting from the
 * smallest window again once the server had answered (a restart drops every
 * desk at once: that reconnect must be spread too). One class per document.
 */
export function jitteredWebSocket(jitter: ReconnectJitter): typeof globalThis.WebSocket {
  let failures = 0;
  class JitteredWebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    binaryType: 'arraybuffer' | 'nodebuffer' = 'arraybuffer';
    onopen: Handler = null;
    onmessage: Handler = null;
    onerror: Handler = null;
    onclose: Handler = null;
    #real: WebSocket | null = null;
    #closed = false;
    readonly #timer: NodeJS.Timeout;

    constructor(url: string, protocols?: string | string[]) {
      const delay =
        failures === 0 ? 0 : fullJitterDelay(failures, jitter.baseMs, jitter.capMs, jitter.random);
      this.#timer = setTimeout(() => this.open(url, protocols), delay);
    }

    get readyState(): number {
      return this.#real?.readyState ?? (this.#closed ? 3 : 0);
    }

    send(data: Uint8Array): void {
      this.#real?.send(data);
    }

    close(code?: number, reason?: string): void {
      if (this.#real) {
        this.#real.close(code, reason);
        return;
      }
      // Closed before it opened (the provider disconnected while we waited).
      if (this.#closed) return;
      this.#closed = true;
      clearTimeout(this.#timer);
      queueMicrotask(() => this.onclose?.({ code: code ?? 1000, reason: reason ?? '' }));
    }

    private open(url: string, protocols?: string | string[]): void {
      if (this.#closed) return;
      const real = new WebSocket(url, protocols);
      this.#real = real;
      real.binaryType = this.binaryType;
      real.onopen = (e) => this.onopen?.(e);
      real.onmessage = (e) => {
        failures = 0; // the server answered: the next drop starts from a short delay again
        this.onmessage?.(e);
      };
      real.onerror = (e) => this.onerror?.(e);
      real.onclose = (e) => {
        failures += 1;
        this.onclose?.(e);
      };
    }
  }
  return JitteredWebSocket as unknown as typeof globalThis.WebSocket;
}
