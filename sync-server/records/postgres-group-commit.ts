import type { PoolClient } from 'pg';
import type { RecordTx } from './record-store.port';

/*
 * Group commit for PostgresRecordStore (issue 11). Transactions of one instance queue here
 * (never more than one of them holds a pooled client: see the store's comment on the queue).
 * When the writer is free it takes every plain transaction waiting, up to MAX_GROUP_MEMBERS,
 * and runs them one after the other in ONE PostgreSQL transaction: one BEGIN, one writer
 * lock, one flush of their writes and one COMMIT (one WAL flush) for all of them. Each member
 * still sees exactly what it would alone (the ones before it already applied, nobody
 * else), and each commits all or nothing: a member that throws has its buffered writes
 * dropped and gets its error, the others commit. A guarded (lease-fenced) transaction
 * always runs alone, so its guard fences exactly its own writes.
 */

/** Upper bound on members of one group: bounds how long one writer-lock hold lasts. */
export const MAX_GROUP_MEMBERS = 8;

export type Guard = (client: PoolClient) => Promise<void>;

/** One queued `transact` call; the group runner settles it exactly once. */
export interface GroupMember {
  readonly guard: Guard | null;
  readonly fn: (tx: RecordTx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class GroupQueue {
  #waiting: GroupMember[] = [];
  #tail: Promise<void> = Promise.resolve();

  /** `run` settles every member of the group it is given, and never rejects. */
  constructor(private readonly run: (group: GroupMember[]) => Promise<void>) {}

  add<T>(guard: Guard | null, fn: (tx: RecordTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ guard, fn, resolve, reject });
      // One link per call; a link whose member an earlier group took finds less (or nothing).
      this.#tail = this.#tail.then(() => this.#next());
    });
  }

  /** Resolves once every transaction added so far has settled. */
  drained(): Promise<void> {
    return this.#tail;
  }

  #next(): Promise<void> {
    const group = this.#take();
    return group.length === 0 ? Promise.resolve() : this.run(group).catch(() => undefined);
  }

  #take(): GroupMember[] {
    const first = this.#waiting[0];
    if (!first) return [];
    if (first.guard) return this.#waiting.splice(0, 1);
    let n = 1;
    while (n < this.#waiting.length && n < MAX_GROUP_MEMBERS && this.#waiting[n]?.guard === null)
      n += 1;
    return this.#waiting.splice(0, n);
  }
}
