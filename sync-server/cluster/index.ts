/** Scale-out mode: PostgreSQL + Redis backend, leases for background jobs, token key ring. */
export {
  openScaleOutBackend,
  redactUrl,
  type ScaleOutJob,
  type ScaleOutOptions,
} from './scale-out-backend';
export { migrateCluster, LATEST_CLUSTER_MIGRATION } from './cluster-migrations';
export { TokenKeyRing } from './token-keys';
export { LeaseRunner, LeaseLostError, type HeldLease, type LeasedJob } from './lease';
export { PostgresSandboxLedger } from './sandbox-ledger.postgres';
export { haproxyConfig, type HaproxyOptions } from './haproxy-config';
export { PostgresAccessStore } from './access-store.postgres';
