import { fullJitterDelay, WakeableSleep, type ServerClient } from '../net';
import type { ReplicaRecord } from '../replica';
import { connectionOf, recordVerdict, verdictOf, type Verdict } from './outbox-reply';
import type { OutboxEntry, OutboxStore } from './outbox-store';

export interface OutboxEvents {
  /** An entry changed state (for the UI). */
  changed?(entry: OutboxEntry): void;
  /**
   * After a group of changes (a batch answered, a feed page reconciled): one call
   * per group, so that counts are recomputed once per group, not per entry.
   */
  settled?(): void;
  connection?(state: 'online' | 'offline' | 'unauthorized', at: number): void;
}

export interface SenderOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest idle sleep between looks at the queue. */
  readonly idleMs: number;
  /** Batch requests in flight at once (pipelining; the server admits 3 bulk requests per user). */
  readonly concurrency?: number;
  /** Commands per batch request (the server takes at most 500). */
  readonly batchSize?: number;
}

const DEFAULTS = { concurrency: 2, batchSize: 250 } as const;
/** After a round that could send nothing although something looked due, wait at least this. */
const MIN_RECHECK_MS = 100;

interface CommandRecordBody {
  current: {
    status: 'accepted' | 'done' | 'processing' | 'rejected' | 'failed';
    code?: string;
    reason?: string;
    /** Processing only: why it is still waiting. */
    note?: string;
  };
}

/** The record a command acts on: commands on the same one must keep their issue order. */
function targetOf(entry: OutboxEntry): string {
  const p = entry.command.payload as unknown as Record<string, string | undefined>;
  return p['paymentId'] ?? p['deliveryId'] ?? entry.idempotencyKey;
}

/**
 * Sends queued commands with their idempotency keys, oldest first, in batches
 * (`POST /api/commands/batch`), several batches in flight. Commands on one
 * record keep their order: a record with a command in flight, or with an
 * earlier command still backing off, holds its later commands back; other
 * records go on. Every entry keeps its own outcome, and a failure backs off
 * only the batch that met it (capped exponential, full jitter; a 429/503 from
 * admission control pauses the sender for Retry-After plus jitter). An entry
 * found "sending" after a crash is simply sent again — the key makes the
 * repeat harmless. Against a server without the batch route (404) it sends
 * one command per request.
 */
export class OutboxSender {
  #running = false;
  readonly #idle = new WakeableSleep();
  readonly #busyKeys = new Set<string>();
  readonly #busyTargets = new Map<string, number>();
  #pausedUntil = 0;
  #batchRoute = true;
  #sentLastRound = false;

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
    private readonly random: () => number = Math.random,
  ) {}

  async run(): Promise<void> {
    this.#running = true;
    while (this.isRunning()) {
      await this.flush();
      const next = Math.max(this.store.nextDueAt() ?? Infinity, this.#pausedUntil);
      let wait = Math.min(this.options.idleMs, Math.max(0, next - this.now()));
      // Something is due but held back (behind a backing-off command on its record): no busy loop.
      if (!this.#sentLastRound)
        wait = Math.max(wait, Math.min(MIN_RECHECK_MS, this.options.idleMs));
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

  /** Sends everything due now, keeping up to `concurrency` batches in flight; returns when none is left. */
  async flush(): Promise<void> {
    const depth = this.options.concurrency ?? DEFAULTS.concurrency;
    const inFlight = new Set<Promise<void>>();
    this.#sentLastRound = false;
    for (;;) {
      while (this.isRunning() && inFlight.size < depth && this.now() >= this.#pausedUntil) {
        const batch = this.pick();
        if (batch.length === 0) break;
        this.#sentLastRound = true;
        const sending: Promise<void> = this.sendBatch(batch).finally(() => {
          inFlight.delete(sending);
          this.release(batch);
        });
        inFlight.add(sending);
      }
      if (inFlight.size === 0) return;
      await Promise.race(inFlight);
    }
  }

  /** The next batch: due entries, oldest first, none on a record that must wait. */
  private pick(): OutboxEntry[] {
    const size = this.options.batchSize ?? DEFAULTS.batchSize;
    const now = this.now();
    const held = new Set(this.#busyTargets.keys());
    const batch: OutboxEntry[] = [];
    for (const entry of this.store.unsent(this.#busyKeys.size + size * 4)) {
      if (this.#busyKeys.has(entry.idempotencyKey)) continue;
      const target = targetOf(entry);
      if (held.has(target)) continue;
      if (entry.nextAttemptAt > now) {
        held.add(target); // keep order: nothing on this record overtakes it
        continue;
      }
      // Several commands on one record may share a batch: the server applies a batch in order.
      batch.push(entry);
      if (batch.length >= size) break;
    }
    for (const entry of batch) {
      this.#busyKeys.add(entry.idempotencyKey);
      const t = targetOf(entry);
      this.#busyTargets.set(t, (this.#busyTargets.get(t) ?? 0) + 1);
    }
    return batch;
  }

  private release(batch: readonly OutboxEntry[]): void {
    for (const entry of batch) {
      this.#busyKeys.delete(entry.idempotencyKey);
      const t = targetOf(entry);
      const left = (this.#busyTargets.get(t) ?? 1) - 1;
      if (left <= 0) this.#busyTargets.delete(t);
      else this.#busyTargets.set(t, left);
    }
  }

  private async sendBatch(batch: readonly OutboxEntry[]): Promise<void> {
    const sentAt = this.now();
    this.store.transactionWithoutFsync(() => {
      for (const e of batch) this.store.setState(e.idempotencyKey, 'sending', sentAt);
    });
    this.emitAll(batch);
    const verdicts = this.#batchRoute ? await this.sendAsBatch(batch) : null;
    // No batch route (an older server), or the server refused the envelope: one request each.
    const final = verdicts ?? (await this.sendOneByOne(batch));
    // No answer because this sender was stopped (sign-out, a newer run aborted the request):
    // not an outage, so no backoff; those entries stay due and the next sender sends them again
    // (the key makes the repeat harmless). A real answer is recorded whoever gets it.
    const unanswered = (v: Verdict | undefined): boolean =>
      !this.isRunning() && v?.kind === 'transient' && v.status === 0;
    const now = this.now();
    const shed = final.find(
      (v): v is Verdict & { kind: 'transient' } =>
        v.kind === 'transient' && v.retryAfterMs !== null,
    );
    // Honour Retry-After, plus full jitter so the desks it shed do not return together.
    if (shed?.retryAfterMs) this.#pausedUntil = now + shed.retryAfterMs * (1 + this.random());
    // One delay for the whole batch keeps its commands on one record in order.
    const attempts = Math.max(...batch.map((e) => e.attempts));
    const retryAt = shed
      ? this.#pausedUntil
      : now +
        fullJitterDelay(attempts, this.options.baseDelayMs, this.options.maxDelayMs, this.random);
    this.store.transactionWithoutFsync(() => {
      batch.forEach((entry, i) => {
        const v = final[i];
        if (v && !unanswered(v)) recordVerdict(this.store, entry, v, now, retryAt);
      });
    });
    const first = final[0];
    if (first && !unanswered(first)) this.events.connection?.(connectionOf(first), now);
    this.emitAll(batch);
  }

  /** One request for the whole batch; null when it should be sent one by one instead. */
  private async sendAsBatch(batch: readonly OutboxEntry[]): Promise<Verdict[] | null> {
    const reply = await this.server.request<{ results?: unknown }>('POST', '/api/commands/batch', {
      commands: batch.map((e) => e.command),
    });
    if (reply.status === 200) {
      const results = (reply.body as { results?: unknown } | null)?.results;
      if (Array.isArray(results) && results.length === batch.length)
        return results.map((r: unknown) => {
          const http = (r as { http?: unknown } | null)?.http;
          return verdictOf(typeof http === 'number' ? http : 500, r);
        });
      return batch.map(() => verdictOf(500, null));
    }
    if (reply.status === 404) {
      this.#batchRoute = false;
      return null;
    }
    if (reply.status === 400 || reply.status === 413) return null;
    const verdict = verdictOf(reply.status, reply.body);
    return batch.map(() => verdict);
  }

  private async sendOneByOne(batch: readonly OutboxEntry[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    for (const entry of batch) {
      const reply = await this.server.request('POST', '/api/commands', entry.command);
      const verdict = verdictOf(reply.status, reply.body);
      verdicts.push(verdict);
      // Offline or shed: the rest of the batch would meet the same answer.
      if (verdict.kind === 'transient') {
        while (verdicts.length < batch.length) verdicts.push(verdict);
        break;
      }
    }
    return verdicts;
  }

  /**
   * Called with every batch the feed applied. A command's own record carries the
   * server's final word; its effects were committed in the same server
   * transaction, so they are in the replica by now and the overlay can go.
   * One transaction (without fsync) per page, not one per command.
   */
  reconcile(records: readonly ReplicaRecord[]): void {
    const now = this.now();
    const touched: string[] = [];
    this.store.transactionWithoutFsync(() => {
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
          this.store.setState(
            record.id,
            state,
            now,
            current.code && current.reason ? { code: current.code, reason: current.reason } : {},
          );
          this.store.clearOverlay(record.id, now);
        }
        touched.push(record.id);
      }
    });
    if (touched.length === 0) return;
    for (const key of touched) this.emit(key);
    this.events.settled?.();
  }

  private emitAll(entries: readonly OutboxEntry[]): void {
    for (const e of entries) this.emit(e.idempotencyKey);
    this.events.settled?.();
  }

  private emit(key: string): void {
    if (!this.events.changed) return;
    const entry = this.store.get(key);
    if (entry) this.events.changed(entry);
  }
}
