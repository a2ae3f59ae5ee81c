/** Yjs sync endpoint of the sync server (y-websocket protocol on y-protocols). */
export { createYjsHub } from './yjs-hub';
export type { AuthResult, YjsHub, YjsHubOptions } from './yjs-hub';
export {
  defaultDocAccess,
  isKnownDocName,
  parseDocName,
  type DocAccess,
  type DocKind,
  type ParsedDocName,
  type Principal,
} from './doc-access.policy';
export type { DocStore, DocUpdate } from './doc-store.port';
export type { CompactionResult, DocCompactor } from './doc-compactor.port';
export { SqliteCompactionWorker, type CompactionWorkerOptions } from './sqlite-compaction-worker';
export {
  singleInstanceFanout,
  type DocFanout,
  type DocFanoutSubscription,
  type RemoteUpdateHandlers,
} from './doc-fanout.port';
export { MemoryDocFanoutBus } from './memory-doc-fanout';
export { RedisDocFanout, type RedisDocFanoutOptions } from './redis-doc-fanout';
export { MemoryDocStore } from './memory-doc-store';
export { SqliteDocStore, YJS_UPDATES_DDL } from './sqlite-doc-store';
export { PostgresDocStore, type PostgresDocStoreOptions } from './postgres-doc-store';
export { CLOSE as YJS_CLOSE_CODES } from './yjs-connection';
export { TokenBucket } from './token-bucket';
export type { RejectReason } from './yjs-metrics';
