import type { ServerClient } from '../net';
import type { FeedConsumer } from '../feed';
import type { OutboxSender } from '../outbox';
import type { SyncStatusTracker, Answer, LoopPath } from '../status';
import type { TelemetryClient } from '../telemetry';

/** Connection callbacks of one run; they fall silent once the run is superseded. */
export interface RunEvents {
  readonly connection: (path: LoopPath) => (state: Answer, at: number) => void;
  /** False once a newer run started or the loops were stopped. */
  readonly current: () => boolean;
}

/** Builds the loops of one run over a server client bound to that run's AbortSignal. */
export interface LoopFactory {
  feed(server: ServerClient, run: RunEvents): FeedConsumer;
  sender(server: ServerClient, run: RunEvents): OutboxSender;
  /** Null for roles without a telemetry stream (agents). */
  telemetry(run: RunEvents): TelemetryClient | null;
}

interface Run {
  readonly generation: number;
  readonly abort: AbortController;
  readonly feed: FeedConsumer;
  readonly sender: OutboxSender;
  readonly telemetry: TelemetryClient | null;
}

/**
 * Owns the lifecycle of the core's sync loops (feed, outbox sender, telemetry), one run per
 * sign-in. Why a generation per run: the feed's long poll can stay out for 20 s, and a stop
 * that waited for it let a quick sign-out → sign-in find the old loops "still there", start
 * nothing, and then run nothing at all. Here `stop` aborts the run's requests (its
 * AbortSignal) and forgets it at once; `start` never waits on an old run; and a superseded
 * run can no longer report status (its callbacks check the generation) or act on an answer
 * (its server client turns late replies into "no answer", the feed stops writing mid-page,
 * the sender leaves its entry for the next run). Only `close` waits for the old loops to
 * finish, so the replica is never closed under them.
 */
export class SyncLoops {
  #generation = 0;
  #run: Run | null = null;
  readonly #ending = new Set<Promise<void>>();

  constructor(
    private readonly server: ServerClient,
    private readonly status: SyncStatusTracker,
    private readonly make: LoopFactory,
    /** A loop was refused (401/403, a socket closed for a revocation): the desk re-checks its access. */
    private readonly unauthorized: () => void = () => undefined,
  ) {}

  /** Starts a fresh run, stopping the current one first (a sign-in over a sign-in). */
  start(): void {
    this.stop('restarting');
    const generation = ++this.#generation;
    const abort = new AbortController();
    const events: RunEvents = {
      current: () => this.#generation === generation && !abort.signal.aborted,
      connection: (path) => (state, at) => {
        if (!events.current()) return;
        this.status.answered(path, state, at);
        if (state === 'unauthorized') this.unauthorized();
      },
    };
    const server = this.server.withSignal(abort.signal);
    const run: Run = {
      generation,
      abort,
      feed: this.make.feed(server, events),
      sender: this.make.sender(server, events),
      telemetry: this.make.telemetry(events),
    };
    this.#run = run;
    this.status.loopsStarted(run.telemetry !== null);
    this.watch('feed', run.feed.run(), events);
    this.watch('outbox', run.sender.run(), events);
    run.telemetry?.start();
  }

  /** Stops the current run at once (no waiting): requests are aborted, callbacks fall silent. */
  stop(detail = 'signed out'): void {
    const run = this.#run;
    if (!run) return;
    this.#run = null;
    this.#generation += 1;
    run.abort.abort();
    run.feed.stop();
    run.sender.stop();
    run.telemetry?.stop();
    this.status.loopsStopped(detail);
  }

  /** Stops and waits for every loop of every run to end (before the replica closes). */
  async close(): Promise<void> {
    this.stop('closed');
    await Promise.allSettled([...this.#ending]);
  }

  /** A command was queued: send it now rather than at the sender's next look. */
  nudge(): void {
    this.#run?.sender.nudge();
  }

  telemetry(): TelemetryClient | null {
    return this.#run?.telemetry ?? null;
  }

  running(): boolean {
    return this.#run !== null;
  }

  private watch(path: LoopPath, loop: Promise<void>, events: RunEvents): void {
    const ended = loop
      .catch((error: unknown) => {
        console.error(`${path} loop failed`, error);
      })
      .finally(() => {
        this.#ending.delete(ended);
        // Ended although nobody stopped it: say so rather than keep its last "online".
        if (events.current()) this.status.loopEnded(path);
      });
    this.#ending.add(ended);
  }
}
