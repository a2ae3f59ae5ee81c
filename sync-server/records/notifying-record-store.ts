import type { ChangeNotifierPort } from './change-notifier.port';
import type { RecordStorePort, RecordTx } from './record-store.port';

/** Decorates a store so every committed transaction that wrote something publishes the new feed position. */
export function withChangeNotifications(
  store: RecordStorePort,
  notifier: ChangeNotifierPort,
): RecordStorePort {
  return {
    async transact<T>(fn: (tx: RecordTx) => Promise<T>): Promise<T> {
      let lastSeq = 0;
      const result = await store.transact((tx) =>
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
      if (lastSeq > 0) notifier.publish(lastSeq);
      return result;
    },
    get: (kind, id) => store.get(kind, id),
    list: (kind) => store.list(kind),
    highWaterMark: () => store.highWaterMark(),
    snapshotPage: (filter, upTo, after, limit) => store.snapshotPage(filter, upTo, after, limit),
    changesSince: (filter, since, limit) => store.changesSince(filter, since, limit),
    oldestRetainedSeq: () => store.oldestRetainedSeq(),
    // Pruning adds nothing to the feed, so there is nothing to publish.
    pruneFeed: (retention) => store.pruneFeed(retention),
    searchAudit: (search) => store.searchAudit(search),
    // Deleting audit lines writes no feed entry either.
    pruneAudit: (retention) => store.pruneAudit(retention),
    close: () => store.close(),
  };
}
