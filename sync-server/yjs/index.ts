/** Yjs sync endpoint of the sync server (y-websocket protocol on y-protocols). */
export { createYjsHub } from './hub/yjs-hub';
export type { AuthResult, YjsHub, YjsHubOptions } from './hub/yjs-hub';
export {
  defaultDocAccess,
  isKnownDocName,
  parseDocName,
  type DocAccess,
  type DocKind,
  type ParsedDocName,
  type Principal,
} from './access/doc-access.policy';
export type { DocStore, DocUpdate } from './store/doc-store.port';
export type { CompactionResult, DocCompactor } from './compaction/doc-compactor.port';
export {
  SqliteCompactionWorker,
  type CompactionWorkerOptions,
} from './compaction/sqlite-compaction-worker';
export {
  singleInstanceFanout,
  type DocFanout,
  type DocFanoutSubscription,
  type RemoteUpdateHandlers,
} from './fanout/doc-fanout.port';
export { MemoryDocFanoutBus } from './fanout/memory-doc-fanout';
export { RedisDocFanout, type RedisDocFanoutOptions } from './fanout/redis-doc-fanout';
export { MemoryDocStore } from './store/memory-doc-store';
export { SqliteDocStore, YJS_UPDATES_DDL } from './store/sqlite-doc-store';
export { PostgresDocStore, type PostgresDocStoreOptions } from './store/postgres-doc-store';
export { CLOSE as YJS_CLOSE_CODES } from './hub/yjs-connection';
export { TokenBucket } from './hub/token-bucket';
export type { RejectReason } from './hub/yjs-metrics';
