import type { PathState, PathStatus, SyncStatus } from '../contract';

export type LoopPath = 'feed' | 'outbox' | 'telemetry';
export type Answer = 'online' | 'offline' | 'unauthorized';

/** What the outbox holds right now, read from the store at every look (never cached). */
export interface OutboxCounts {
  readonly pending: number;
  readonly needsAttention: number;
  /** When the oldest entry that may be sent became due; null when nothing waits to be sent. */
  readonly oldestDueAt: number | null;
}

export interface ConfirmedTimes {
  readonly feed: number | null;
  readonly outbox: number | null;
}

export interface SyncStatusOptions {
  readonly onChange?: (status: SyncStatus) => void;
  readonly now?: () => number;
  /**
   * Longest a healthy feed goes without an answer: its long poll's wait plus slack. Past it,
   * the feed is 'degraded' (stalled) even though no request has failed yet.
   */
  readonly feedStaleMs?: number;
  /** A command due this long without any answer to the sender since means the sender is stuck. */
  readonly outboxStallMs?: number;
  readonly outbox?: () => OutboxCounts;
  /** "Last confirmed" as kept from an earlier run (restart while offline). */
  readonly confirmed?: ConfirmedTimes;
  /** Keeps "last confirmed" across restarts; called at most every `saveEveryMs`, and on `flush`. */
  readonly saveConfirmed?: (times: ConfirmedTimes) => void;
  readonly saveEveryMs?: number;
}

interface Loop {
  running: boolean;
  /** Why it is not running (signed out, ended unexpectedly); shown as the path's detail. */
  stoppedDetail: string;
  startedAt: number | null;
  /** Answers seen by THIS run: an earlier run's success proves nothing about this one. */
  lastOkAt: number | null;
  lastFailAt: number | null;
  failDetail: Answer;
  lastConfirmedAt: number | null;
}

const newLoop = (lastConfirmedAt: number | null, stoppedDetail: string): Loop => ({
  running: false,
  stoppedDetail,
  startedAt: null,
  lastOkAt: null,
  lastFailAt: null,
  failDetail: 'offline',
  lastConfirmedAt,
});

const NO_OUTBOX: OutboxCounts = { pending: 0, needsAttention: 0, oldestDueAt: null };

/**
 * The desk's sync status, DERIVED from what the loops are doing rather than set by them: a
 * path is online only while its loop runs (this sign-in's run, not an earlier one), its last
 * answer in this run was a success, and — for the feed — that answer is recent enough for a
 * long poll. The outbox's pending count is read from the store at every look, so a command
 * queued a moment ago can never show as "all changes sent", and a due command that no sender
 * answers for is "stalled". A timer re-derives every second, so a loop that stops answering
 * leaves "online" without anyone having to report it. Overall is the worst path that matters:
 * offline if the feed and the outbox both are, degraded if any path is not online or anything
 * needs attention.
 */
export class SyncStatusTracker {
  readonly #now: () => number;
  readonly #feedStaleMs: number;
  readonly #stallMs: number;
  readonly #outboxCounts: () => OutboxCounts;
  readonly #feed: Loop;
  readonly #outbox: Loop;
  readonly #telemetry: Loop;
  #progress: { phase: 'snapshot' | 'live'; received: number } = {
    phase: 'snapshot',
    received: 0,
  };
  readonly #documents = new Map<string, PathStatus>();
  #lastEmitted = '';
  #timer: NodeJS.Timeout | null = null;
  #savedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SyncStatusOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#feedStaleMs = options.feedStaleMs ?? 25_000;
    this.#stallMs = options.outboxStallMs ?? 10_000;
    this.#outboxCounts = options.outbox ?? (() => NO_OUTBOX);
    this.#feed = newLoop(options.confirmed?.feed ?? null, 'signed out');
    this.#outbox = newLoop(options.confirmed?.outbox ?? null, 'signed out');
    this.#telemetry = newLoop(null, 'not used');
  }

  /** Re-derives every second (a stall shows without any event); stop with `close`. */
  start(): void {
    this.#timer ??= setInterval(() => this.refresh(), 1000);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.flush();
  }

  /** A new run of the loops began (sign-in, start): nothing is confirmed for it yet. */
  loopsStarted(telemetry: boolean): void {
    const at = this.#now();
    for (const loop of [this.#feed, this.#outbox, this.#telemetry]) {
      Object.assign(loop, { running: true, startedAt: at, lastOkAt: null, lastFailAt: null });
    }
    if (!telemetry) Object.assign(this.#telemetry, { running: false, stoppedDetail: 'not used' });
    this.refresh();
  }

  /** The loops were stopped on purpose (sign-out, close). */
  loopsStopped(detail: string): void {
    for (const loop of [this.#feed, this.#outbox, this.#telemetry])
      Object.assign(loop, { running: false, stoppedDetail: detail });
    this.refresh();
  }

  /** One loop ended while it should still run (a bug): it must not keep looking alive. */
  loopEnded(path: LoopPath): void {
    Object.assign(this.loop(path), { running: false, stoppedDetail: 'stopped unexpectedly' });
    this.refresh();
  }

  /** The loop of `path` got an answer (or none) from the server at `at`. */
  answered(path: LoopPath, answer: Answer, at: number): void {
    const loop = this.loop(path);
    if (answer === 'online') {
      loop.lastOkAt = at;
      loop.lastConfirmedAt = at;
      this.maybeSave(at);
    } else {
      loop.lastFailAt = at;
      loop.failDetail = answer;
    }
    this.refresh();
  }

  feedProgressed(p: { phase: 'snapshot' | 'live'; received: number }): void {
    this.#progress = p;
    this.refresh();
  }

  document(name: string, patch: Partial<PathStatus>): void {
    const current = this.#documents.get(name) ?? {
      state: 'offline',
      lastConfirmedAt: null,
      pending: 0,
    };
    this.#documents.set(name, { ...current, ...patch });
    this.refresh();
  }

  /** The documents were closed (sign-out): the next operator's documents are their own. */
  forgetDocuments(): void {
    this.#documents.clear();
    this.refresh();
  }

  /** Re-derive now and tell the listener if anything it shows changed. */
  refresh(): void {
    const next = this.snapshot();
    const text = JSON.stringify(next);
    if (text === this.#lastEmitted) return;
    this.#lastEmitted = text;
    this.options.onChange?.(next);
  }

  /** Saves "last confirmed" now (before a close). */
  flush(): void {
    this.options.saveConfirmed?.({
      feed: this.#feed.lastConfirmedAt,
      outbox: this.#outbox.lastConfirmedAt,
    });
    this.#savedAt = this.#now();
  }

  snapshot(): SyncStatus {
    const now = this.#now();
    const counts = this.#outboxCounts();
    const feed = this.derive(this.#feed, now, this.#feedStaleMs);
    const ownOutbox = this.deriveOutbox(counts, now, feed);
    const telemetry = this.derive(this.#telemetry, now, null);
    const docs: Record<string, PathStatus> = Object.fromEntries(
      [...this.#documents].map(([k, v]) => [k, { ...v }]),
    );
    const core: PathState[] = [feed.state, ownOutbox.state];
    const all: PathState[] = [...core, ...Object.values(docs).map((d) => d.state)];
    const overall: PathState = core.every((s) => s === 'offline')
      ? 'offline'
      : all.some((s) => s !== 'online') || counts.needsAttention > 0
        ? 'degraded'
        : 'online';
    return {
      overall,
      feed: { ...feed, pending: 0, ...this.#progress },
      outbox: { ...ownOutbox, pending: counts.pending, needsAttention: counts.needsAttention },
      documents: docs,
      telemetry: { ...telemetry, pending: 0 },
    };
  }

  private deriveOutbox(
    counts: OutboxCounts,
    now: number,
    feed: { state: PathState; detail?: string },
  ): { state: PathState; lastConfirmedAt: number | null; detail?: string } {
    const o = this.#outbox;
    const base = { lastConfirmedAt: o.lastConfirmedAt };
    if (!o.running) return { ...base, state: 'offline', detail: o.stoppedDetail };
    // An empty outbox has nothing to prove: it is as reachable as the server the feed talks to.
    if (counts.pending === 0) return { ...base, ...feed };
    const lastAnswer = Math.max(o.lastOkAt ?? 0, o.lastFailAt ?? 0, o.startedAt ?? 0);
    if (
      counts.oldestDueAt !== null &&
      now - counts.oldestDueAt > this.#stallMs &&
      now - lastAnswer > this.#stallMs
    )
      return { ...base, state: 'degraded', detail: 'stalled' };
    if (o.lastFailAt !== null && o.lastFailAt > (o.lastOkAt ?? 0))
      return { ...base, state: 'offline', detail: o.failDetail };
    // Nothing sent yet in this run (entries wait for their backoff): the feed's word stands.
    if (o.lastOkAt === null) return { ...base, ...feed };
    return { ...base, state: 'online' };
  }

  private derive(
    loop: Loop,
    now: number,
    staleMs: number | null,
  ): { state: PathState; lastConfirmedAt: number | null; detail?: string } {
    const base = { lastConfirmedAt: loop.lastConfirmedAt };
    if (!loop.running) return { ...base, state: 'offline', detail: loop.stoppedDetail };
    if (loop.lastFailAt !== null && loop.lastFailAt > (loop.lastOkAt ?? 0))
      return { ...base, state: 'offline', detail: loop.failDetail };
    if (loop.lastOkAt === null) return { ...base, state: 'offline', detail: 'connecting' };
    if (staleMs !== null && now - loop.lastOkAt > staleMs)
      return { ...base, state: 'degraded', detail: 'stalled' };
    return { ...base, state: 'online' };
  }

  private loop(path: LoopPath): Loop {
    return path === 'feed' ? this.#feed : path === 'outbox' ? this.#outbox : this.#telemetry;
  }

  private maybeSave(at: number): void {
    if (!this.options.saveConfirmed) return;
    if (at - this.#savedAt < (this.options.saveEveryMs ?? 5000)) return;
    this.flush();
  }
}
