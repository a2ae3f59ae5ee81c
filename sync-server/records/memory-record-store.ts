import { newestFirst, searchAudit, type AuditEntry } from '../../domain/protocol';
import {
  auditArgumentError,
  type AuditPruneResult,
  type AuditRetention,
  type AuditSearch,
} from './audit-trail.port';
import { planPrune, pruneCeiling, retentionError } from './feed-prune';
import type {
  FeedPruneResult,
  FeedRetention,
  RecordFilter,
  RecordKind,
  RecordStorePort,
  RecordTx,
  SnapshotPage,
  StoredRecord,
} from './record-store.port';

const key = (kind: RecordKind, id: string): string => `${kind}\u0000${id}`;
const visible = (r: StoredRecord, f: RecordFilter): boolean =>
  f.kinds.includes(r.kind) && (r.owner === null || f.viewer === null || r.owner === f.viewer);

interface FeedEntry {
  readonly record: StoredRecord;
  readonly writtenAt: number;
}

export interface MemoryRecordStoreOptions {
  /** Clock that stamps feed entries for retention (ms since the epoch); default Date.now. */
  readonly now?: () => number;
}

/**
 * In-memory RecordStorePort: the reference implementation the contract suite is
 * written against, and a fast store for unit tests. Not durable.
 */
export class MemoryRecordStore implements RecordStorePort {
  #records = new Map<string, StoredRecord>();
  #feed: FeedEntry[] = [];
  #seq = 0;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #now: () => number;

  constructor(options: MemoryRecordStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Runs `fn` after every queued transaction, and before any queued later. */
  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async transact<T>(fn: (tx: RecordTx) => Promise<T>): Promise<T> {
    return this.#serialized(async () => {
      // Stage writes; publish them only if the callback succeeds (atomicity).
      const staged = new Map<string, StoredRecord>();
      const stagedFeed: FeedEntry[] = [];
      let seq = this.#seq;
      const tx: RecordTx = {
        get: <Body>(kind: RecordKind, id: string) =>
          Promise.resolve(
            (staged.get(key(kind, id)) ?? this.#records.get(key(kind, id))) as
              StoredRecord<Body> | undefined,
          ),
        put: (kind, id, version, body, owner = null) => {
          const existing = staged.get(key(kind, id)) ?? this.#records.get(key(kind, id));
          if (existing && existing.version >= version) return Promise.resolve(null);
          seq += 1;
          // Round-trip through JSON, as the SQLite store does, so callers cannot alias stored state.
          const record: StoredRecord = {
            kind,
            id,
            version,
            body: JSON.parse(JSON.stringify(body)) as unknown,
            owner,
            seq,
          };
          staged.set(key(kind, id), record);
          stagedFeed.push({ record, writtenAt: this.#now() });
          return Promise.resolve(seq);
        },
      };
      const result = await fn(tx);
      for (const [k, r] of staged) this.#records.set(k, r);
      this.#feed.push(...stagedFeed);
      this.#seq = seq;
      return result;
    });
  }

  pruneFeed(retention: FeedRetention): Promise<FeedPruneResult> {
    const invalid = retentionError(retention);
    if (invalid) return Promise.reject(invalid);
    return this.#serialized(() => {
      const ceiling = pruneCeiling(this.#seq, retention);
      const window = this.#feed
        .slice(0, retention.maxEntries + 1)
        .filter((e) => e.record.seq <= ceiling)
        .map((e) => ({ seq: e.record.seq, writtenAt: e.writtenAt }));
      const plan = planPrune(window, retention);
      this.#feed.splice(0, plan.count);
      return Promise.resolve({
        pruned: plan.count,
        oldestRetainedSeq: this.#oldest(),
        more: plan.more,
      });
    });
  }

  searchAudit(search: AuditSearch): Promise<AuditEntry[]> {
    const invalid = auditArgumentError(search);
    if (invalid) return Promise.reject(invalid);
    return Promise.resolve(
      searchAudit(this.#auditLines(), search.query, {
        before: search.before,
        limit: search.limit,
      }),
    );
  }

  pruneAudit(retention: AuditRetention): Promise<AuditPruneResult> {
    const invalid = auditArgumentError(retention);
    if (invalid) return Promise.reject(invalid);
    return this.#serialized(() => {
      const old = this.#auditLines()
        .filter((e) => e.at < retention.before)
        .sort((a, b) => newestFirst(b, a));
      for (const e of old.slice(0, retention.maxEntries)) this.#records.delete(key('audit', e.id));
      return Promise.resolve({
        pruned: Math.min(old.length, retention.maxEntries),
        more: old.length > retention.maxEntries,
      });
    });
  }

  #auditLines(): AuditEntry[] {
    const lines: AuditEntry[] = [];
    for (const r of this.#records.values())
      if (r.kind === 'audit') lines.push(r.body as AuditEntry);
    return lines;
  }

  #oldest(): number {
    return this.#feed[0]?.record.seq ?? 0;
  }

  get<Body>(kind: RecordKind, id: string): Promise<StoredRecord<Body> | undefined> {
    return Promise.resolve(this.#records.get(key(kind, id)) as StoredRecord<Body> | undefined);
  }

  list<Body>(kind: RecordKind): Promise<StoredRecord<Body>[]> {
    const all = [...this.#records.values()].filter((r) => r.kind === kind);
    return Promise.resolve(all.sort((a, b) => (a.id < b.id ? -1 : 1)) as StoredRecord<Body>[]);
  }

  highWaterMark(): Promise<number> {
    return Promise.resolve(this.#seq);
  }

  oldestRetainedSeq(): Promise<number> {
    return Promise.resolve(this.#oldest());
  }

  snapshotPage(
    filter: RecordFilter,
    upTo: number,
    after: string | null,
    limit: number,
  ): Promise<SnapshotPage> {
    const sorted = [...this.#records.entries()]
      .filter(([, r]) => r.seq <= upTo && visible(r, filter))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .filter(([k]) => after === null || k > after);
    const page = sorted.slice(0, limit);
    const last = page.at(-1);
    return Promise.resolve({
      records: page.map(([, r]) => r),
      nextCursor: sorted.length > limit && last ? last[0] : null,
    });
  }

  changesSince(filter: RecordFilter, since: number, limit: number): Promise<StoredRecord[]> {
    return Promise.resolve(
      this.#feed
        .map((e) => e.record)
        .filter((r) => r.seq > since && visible(r, filter))
        .slice(0, limit),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
