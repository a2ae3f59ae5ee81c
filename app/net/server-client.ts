import type { ServerChoice } from './server-list';

/**
 * Thin HTTP client for the sync server's JSON API. It never throws for HTTP
 * statuses: callers get {status, body}; network failures and timeouts are
 * reported as status 0 so "offline" is just another answer.
 */
export interface ServerReply<B = unknown> {
  /** HTTP status, or 0 when the server could not be reached (offline, timeout). */
  readonly status: number;
  readonly body: B;
}

export class ServerClient {
  /**
   * `servers`: one sync server, or several (`ServerList`): a request the current one does not
   * answer (status 0) moves the list to the next server, and the caller's retry goes there.
   */
  constructor(
    private readonly servers: string | ServerChoice,
    private readonly getToken: () => string | null,
    private readonly timeoutMs = 15_000,
    /** Once aborted, requests end at once and answer status 0 (see `withSignal`). */
    private readonly signal?: AbortSignal,
  ) {}

  get url(): string {
    return typeof this.servers === 'string' ? this.servers : this.servers.current();
  }

  /** The same server(s) with a different credential (signing in with a new token). */
  withToken(token: string): ServerClient {
    return new ServerClient(this.servers, () => token, this.timeoutMs, this.signal);
  }

  /**
   * The same server for one run of the sync loops: aborting `signal` cuts a long poll short
   * and turns any answer still on its way into status 0, so a superseded loop never acts on
   * a reply that arrives after it was stopped.
   */
  withSignal(signal: AbortSignal): ServerClient {
    return new ServerClient(this.servers, this.getToken, this.timeoutMs, signal);
  }

  async request<B = unknown>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    extraTimeoutMs = 0,
  ): Promise<ServerReply<B>> {
    const token = this.getToken();
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const base = this.url;
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: this.signal
          ? AbortSignal.any([this.signal, AbortSignal.timeout(this.timeoutMs + extraTimeoutMs)])
          : AbortSignal.timeout(this.timeoutMs + extraTimeoutMs),
      });
      const text = await res.text();
      if (this.signal?.aborted) return { status: 0, body: null as B };
      let parsed: unknown = text;
      try {
        parsed = text ? (JSON.parse(text) as unknown) : null;
      } catch {
        // Non-JSON (a proxy's error page): keep the text for diagnostics.
      }
      return { status: res.status, body: parsed as B };
    } catch {
      if (typeof this.servers !== 'string') this.servers.failed(base);
      return { status: 0, body: null as B };
    }
  }
}
