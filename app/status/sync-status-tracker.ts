import type { PathState, PathStatus, SyncStatus } from '../contract';

type MutablePath = {
  state: PathState;
  lastConfirmedAt: number | null;
  pending: number;
  detail?: string;
};
type FeedPath = MutablePath & { phase: 'snapshot' | 'live'; received: number };
type OutboxPath = MutablePath & { needsAttention: number };

/**
 * One place that knows, per data path, whether it is online, when the server
 * last confirmed it, and how much is waiting — so the status bar never has to
 * guess whether a change is saved. Overall is the worst path that matters:
 * offline if the feed and the outbox cannot reach the server, degraded if any
 * path is down or anything needs attention.
 */
export class SyncStatusTracker {
  readonly #feed: FeedPath = {
    state: 'offline',
    lastConfirmedAt: null,
    pending: 0,
    phase: 'snapshot',
    received: 0,
  };
  readonly #outbox: OutboxPath = {
    state: 'offline',
    lastConfirmedAt: null,
    pending: 0,
    needsAttention: 0,
  };
  readonly #telemetry: MutablePath = { state: 'offline', lastConfirmedAt: null, pending: 0 };
  readonly #documents = new Map<string, MutablePath>();

  constructor(private readonly onChange: (status: SyncStatus) => void = () => undefined) {}

  feed(patch: Partial<FeedPath>): void {
    Object.assign(this.#feed, patch);
    this.changed();
  }

  outbox(patch: Partial<OutboxPath>): void {
    Object.assign(this.#outbox, patch);
    this.changed();
  }

  telemetry(patch: Partial<MutablePath>): void {
    Object.assign(this.#telemetry, patch);
    this.changed();
  }

  document(name: string, patch: Partial<MutablePath>): void {
    const current = this.#documents.get(name) ?? {
      state: 'offline',
      lastConfirmedAt: null,
      pending: 0,
    };
    this.#documents.set(name, { ...current, ...patch });
    this.changed();
  }

  snapshot(): SyncStatus {
    const docs: Record<string, PathStatus> = Object.fromEntries(
      [...this.#documents].map(([k, v]) => [k, { ...v }]),
    );
    // An empty outbox has nothing to prove: it is as reachable as the server the feed
    // talks to. Only with commands waiting does its own last send decide its state.
    const outbox = {
      ...this.#outbox,
      state: this.#outbox.pending === 0 ? this.#feed.state : this.#outbox.state,
    };
    const core: PathState[] = [this.#feed.state, outbox.state];
    const all: PathState[] = [...core, ...Object.values(docs).map((d) => d.state)];
    const overall: PathState = core.every((s) => s === 'offline')
      ? 'offline'
      : all.some((s) => s !== 'online') || this.#outbox.needsAttention > 0
        ? 'degraded'
        : 'online';
    return {
      overall,
      feed: { ...this.#feed },
      outbox,
      documents: docs,
      telemetry: { ...this.#telemetry },
    };
  }

  private changed(): void {
    this.onChange(this.snapshot());
  }
}
