import type { CommandOutcome } from '../../domain/protocol';
import { fullJitterDelay, WakeableSleep, type ServerClient } from '../net';
import type { ReplicaRecord } from '../replica';
import type { OutboxEntry, OutboxStore } from './outbox-store';

export interface OutboxEvents {
  /** An entry changed state (for the UI and sync status). */
  changed?(entry: OutboxEntry): void;
  connection?(state: 'online' | 'offline' | 'unauthorized', at: number): void;
}

export interface SenderOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest idle sleep between looks at the queue. */
  readonly idleMs: number;
  /** Requests in flight at once (commands on the same record are never concurrent). */
  readonly concurrency?: number;
}

type Reply = CommandOutcome & { repeat?: boolean };
interface CommandRecordBody {
  current: {
    status: 'accepted' | 'done' | 'processing' | 'rejected' | 'failed';
    code?: string;
    reason?: string;
    /** Processing only: why it is still waiting. */
    note?: string;
  };
}

/** What the operator reads under a command that waits to be sent again. */
function waitingNote(status: number): string {
  if (status === 0)
    return 'The server cannot be reached; this will be sent automatically when the connection is back.';
  if (status === 401)
    return 'Your session has to be renewed; this will be sent once you are signed in again.';
  return `The server is having trouble (HTTP ${status}); this will be retried automatically.`;
}

/**
 * Sends queued commands with their idempotency keys, oldest first. Each entry
 * has its own backoff (capped exponential, full jitter), so one that keeps
 * failing never holds up the others; an entry found "sending" after a crash is
 * simply sent again — the key makes the repeat harmless.
 */
export class OutboxSender {
  #running = false;
  readonly #idle = new WakeableSleep();

  constructor(
    private readonly store: OutboxStore,
    private readonly server: ServerClient,
    private readonly events: OutboxEvents = {},
    private readonly options: SenderOptions = {
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      idleMs: 5_000,
    },
    private readonly now: () => number = Date.now,
  ) {}

  async run(): Promise<void> {
    this.#running = true;
    while (this.isRunning()) {
      await this.flush();
      const next = this.store.nextDueAt();
      const wait =
        next === null
          ? this.options.idleMs
          : Math.min(this.options.idleMs, Math.max(0, next - this.now()));
      if (wait > 0) await this.#idle.sleep(wait);
    }
  }

  isRunning(): boolean {
    return this.#running;
  }

  stop(): void {
    this.#running = false;
    this.#idle.wake();
  }

  /** Look at the queue now (a command was just enqueued, or the network came back). */
  nudge(): void {
    this.#idle.wake();
  }

  /** Sends every entry that is due right now, one at a time, in issue order. */
  async flush(): Promise<void> {
    for (;;) {
      const batch = independent(this.store.due(this.now(), 64), this.options.concurrency ?? 8);
      if (batch.length === 0 || !this.isRunning()) return;
      await Promise.all(batch.map((entry) => this.send(entry)));
    }
  }

  private async send(entry: OutboxEntry): Promise<void> {
    const key = entry.idempotencyKey;
    this.store.setState(key, 'sending', this.now());
    this.emit(key);
    const reply = await this.server.request<Reply | { code?: string; message?: string }>(
      'POST',
      '/api/commands',
      entry.command,
    );
    // No answer because this sender was stopped (sign-out, a newer run aborted the request):
    // not an outage, so no backoff; the entry stays due and the next sender sends it again
    // (the key makes the repeat harmless). A real answer is recorded whoever gets it.
    if (reply.status === 0 && !this.isRunning()) return;
    const now = this.now();
    if (reply.status === 200 || reply.status === 202) {
      this.events.connection?.('online', now);
      const outcome = reply.body as Reply;
      if (outcome.status === 'rejected')
        this.store.setState(key, 'rejected', now, { code: outcome.code, reason: outcome.reason });
      else
        this.store.setState(key, outcome.status === 'processing' ? 'processing' : 'done', now, {
          resultingVersion: outcome.resultingVersion,
        });
    } else if (
      reply.status === 0 ||
      reply.status >= 500 ||
      reply.status === 429 ||
      reply.status === 401
    ) {
      // Transient (offline, server trouble, expired session): keep it queued and try again later.
      this.events.connection?.(reply.status === 401 ? 'unauthorized' : 'offline', now);
      const at =
        now + fullJitterDelay(entry.attempts, this.options.baseDelayMs, this.options.maxDelayMs);
      this.store.backOff(key, at, now, waitingNote(reply.status));
    } else {
      // The server refused the request itself (malformed, forbidden, key reused): needs a person.
      this.events.connection?.('online', now);
      // The body may be null (empty reply) despite the declared type.
      const body = (reply.body as { code?: string; message?: string } | null) ?? {};
      this.store.setState(key, 'failed', now, {
        code: body.code ?? `HTTP.${reply.status}`,
        reason: body.message ?? 'The server refused this request.',
      });
    }
    this.emit(key);
  }

  /**
   * Called with every batch the feed applied. A command's own record carries the
   * server's final word; its effects were committed in the same server
   * transaction, so they are in the replica by now and the overlay can go.
   */
  reconcile(records: readonly ReplicaRecord[]): void {
    const now = this.now();
    for (const record of records) {
      if (record.kind !== 'command') continue;
      const entry = this.store.get(record.id);
      if (!entry || entry.state === 'discarded') continue;
      const current = (record.body as CommandRecordBody).current;
      if (current.status === 'processing') {
        // The server may say why it is still waiting (a note, e.g. the gateway is down).
        const note = current.note ?? null;
        if (entry.state !== 'processing' || entry.errorReason !== note)
          this.store.setState(record.id, 'processing', now, note ? { reason: note } : {});
      } else {
        const state = current.status === 'accepted' ? 'done' : current.status;
        this.store.transaction(() => {
          this.store.setState(
            record.id,
            state,
            now,
            current.code && current.reason ? { code: current.code, reason: current.reason } : {},
          );
          this.store.clearOverlay(record.id, now);
        });
      }
      this.emit(record.id);
    }
  }

  private emit(key: string): void {
    const entry = this.store.get(key);
    if (entry) this.events.changed?.(entry);
  }
}

/**
 * Up to `max` due entries, oldest first, at most one per target record: commands
 * on the same record keep their issue order (a cancel must not overtake the
 * reschedule before it), unrelated ones travel in parallel.
 */
function independent(due: readonly OutboxEntry[], max: number): OutboxEntry[] {
  const targets = new Set<string>();
  const batch: OutboxEntry[] = [];
  for (const entry of due) {
    const p = entry.command.payload as unknown as Record<string, string | undefined>;
    const target = p['paymentId'] ?? p['deliveryId'] ?? entry.idempotencyKey;
    if (targets.has(target)) break; // keep order: nothing after an entry that must wait
    targets.add(target);
    batch.push(entry);
    if (batch.length >= max) break;
  }
  return batch;
}
