/**
 * The sync servers a desk may use, in order (`--server http://a,http://b`), for deployments
 * without a load balancer. Every part of the desk (HTTP API, Yjs sockets, telemetry) connects
 * to `current()`; whichever notices first that it does not answer calls `failed(url)`, which
 * moves every part to the next server (round robin, so a server that comes back is used again
 * once the others fail). A failure reported for a server that is no longer current is ignored:
 * several parts noticing one outage move once, not once each.
 */
export interface ServerChoice {
  current(): string;
  failed(url: string): void;
}

export class ServerList implements ServerChoice {
  #index = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error('ServerList needs at least one server URL');
  }

  current(): string {
    return this.urls[this.#index] ?? this.urls[0] ?? '';
  }

  failed(url: string): void {
    if (url !== this.current() || this.urls.length < 2) return;
    this.#index = (this.#index + 1) % this.urls.length;
  }
}
