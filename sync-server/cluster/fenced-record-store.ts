import type { PostgresRecordStore, RecordStorePort } from '../records';
import type { HeldLease } from './lease';

/**
 * The record store as a leased job sees it: every write transaction first checks the job's
 * lease token under the writer lock (`PostgresRecordStore.transactGuarded`), so a former holder
 * writes nothing once its lease moved. Reads are unfenced. Feed and audit pruning take no
 * transaction; each checks the lease just before (a prune that runs twice only deletes less the second time).
 */
export function fencedRecordStore(
  store: PostgresRecordStore,
  lease: HeldLease,
  publish: (seq: number) => void,
): RecordStorePort {
  return {
    async transact(fn) {
      let lastSeq = 0;
      const result = await store.transactGuarded(
        (client) => lease.fence(client),
        (tx) =>
          fn({
            get: (kind, id) => tx.get(kind, id),
            prefetch: (keys) => tx.prefetch?.(keys) ?? Promise.resolve(),
            put: async (kind, id, version, body, owner) => {
              const seq = await tx.put(kind, id, version, body, owner);
              if (seq !== null) lastSeq = seq;
              return seq;
            },
          }),
      );
      // As withChangeNotifications does: long-polls on every instance wake up.
      if (lastSeq > 0) publish(lastSeq);
      return result;
    },
    get: (kind, id) => store.get(kind, id),
    list: (kind) => store.list(kind),
    highWaterMark: () => store.highWaterMark(),
    snapshotPage: (filter, upTo, after, limit) => store.snapshotPage(filter, upTo, after, limit),
    changesSince: (filter, since, limit) => store.changesSince(filter, since, limit),
    oldestRetainedSeq: () => store.oldestRetainedSeq(),
    async pruneFeed(retention) {
      await store.transactGuarded(
        (client) => lease.fence(client),
        () => Promise.resolve(),
      );
      return store.pruneFeed(retention);
    },
    searchAudit: (search) => store.searchAudit(search),
    // Like pruneFeed: the lease is checked just before; a second prune deletes nothing new.
    async pruneAudit(retention) {
      await store.transactGuarded(
        (client) => lease.fence(client),
        () => Promise.resolve(),
      );
      return store.pruneAudit(retention);
    },
    // The shared store is closed by its owner, never by a job.
    close: () => Promise.resolve(),
  };
}
