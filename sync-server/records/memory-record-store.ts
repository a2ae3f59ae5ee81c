import type {
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

/**
 * In-memory RecordStorePort: the reference implementation the contract suite is
 * written against, and a fast store for unit tests. Not durable.
 */
export class MemoryRecordStore implements RecordStorePort {
  #records = new Map<string, StoredRecord>();
  #feed: StoredRecord[] = [];
  #seq = 0;
  #queue: Promise<unknown> = Promise.resolve();

  async transact<T>(fn: (tx: RecordTx) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      // Stage writes; publish them only if the callback succeeds (atomicity).
      const staged = new Map<string, StoredRecord>();
      const stagedFeed: StoredRecord[] = [];
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
          stagedFeed.push(record);
          return Promise.resolve(seq);
        },
      };
      const result = await fn(tx);
      for (const [k, r] of staged) this.#records.set(k, r);
      this.#feed.push(...stagedFeed);
      this.#seq = seq;
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
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
    return Promise.resolve(this.#feed[0]?.seq ?? 0);
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
      this.#feed.filter((r) => r.seq > since && visible(r, filter)).slice(0, limit),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
