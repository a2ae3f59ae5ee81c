import type { AuditRetentionOptions } from '../audit';
import type { FeedRetentionOptions } from '../feed';
import type { AdmissionLimits } from './admission';

/** Everything the sync server can be told, with the embedded defaults. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Seed the demo dataset on first start with an empty data dir. */
  readonly seed: boolean;
  readonly seedCustomers: number;
  readonly seedDeliveries: number;
  readonly drones: number;
  /** Run the drone simulator (lifecycle + telemetry). */
  readonly simulate: boolean;
  /** Telemetry frames per second. */
  readonly hz: number;
  readonly allowedOrigins: readonly string[] | 'any';
  readonly logLevel: string;
  /** SQLite synchronous mode: NORMAL survives a process kill, FULL also a power loss. */
  readonly fsync: 'NORMAL' | 'FULL';
  readonly maxMessageBytes: number;
  readonly yjsMessagesPerSecond: number;
  readonly gatewayLatencyMs: { readonly min: number; readonly max: number };
  /** How often unfinished payment changes are retried (e.g. after a gateway outage). */
  readonly paymentSweepMs: number;
  readonly gatewayHalfOpenAfterMs: number;
  /** Between gateway health probes (region status, README: "Region status document"); 0 = none. */
  readonly gatewayProbeIntervalMs: number;
  /** A probe not answered within this has failed (capped at the interval). */
  readonly gatewayProbeTimeoutMs: number;
  /**
   * Between WAL checkpoints (checkpoint-worker.ts). Each one fsyncs the database file, and on
   * ext4 that stalls the event loop's own WAL writes for a few ms: fewer checkpoints, shorter
   * fan-out tail, a bigger WAL between them (~3 MB/s at 800 Yjs appends/s).
   */
  readonly checkpointIntervalMs: number;
  /** Lifetime of a desk's access token (POST /api/access/refresh); default 5 min. */
  readonly accessTokenTtlMs?: number;
  /** Change-feed pruning (README: "Change feed retention"); null keeps every entry forever. */
  readonly feedRetention: FeedRetentionOptions | null;
  /** Audit-trail pruning (README: "Audit trail retention"); null keeps every line forever. */
  readonly auditRetention: AuditRetentionOptions | null;
  /** Admission control overrides (admission.ts has the defaults and what each bounds). */
  readonly admission?: Partial<AdmissionLimits>;
  /** Scale-out mode (PostgreSQL + Redis, README: "Scale-out"); null = embedded SQLite in `dataDir`. */
  readonly scaleOut: ScaleOutConfig | null;
}

/** Where the instances of a scale-out deployment keep and share their state. */
export interface ScaleOutConfig {
  /** postgres://… : records, feed, Yjs logs, idempotency records, gateway ledger, leases, token keys. */
  readonly storage: string;
  /** PostgreSQL schema holding the tables (several deployments or test runs may share a database). */
  readonly schema: string;
  /** redis://… : feed wake-ups, Yjs updates between instances, telemetry frames. */
  readonly redis: string;
  /** Prefix of every Redis channel; instances talk to each other only when they share it. */
  readonly redisPrefix: string;
  /** A background job's lease lapses this long after its holder stopped renewing it. */
  readonly leaseTtlMs: number;
}

/**
 * A week covers a desk left off over a long weekend or a holiday; at the demo's
 * rate (40 drones, one record per flying drone every 30 s) that is up to ~800,000 entries. The newest 100,000 stay
 * even when the server writes little. 1000 entries per batch hold the SQLite
 * writer ~3 ms (measured here with ~700-byte bodies).
 */
export const DEFAULT_FEED_RETENTION: FeedRetentionOptions = {
  minAgeMs: 7 * 86_400_000,
  keepNewest: 100_000,
  batchSize: 1000,
  intervalMs: 5 * 60_000,
};

/**
 * 400 days: a year of lines plus a month's margin for a yearly audit or a dispute raised late.
 * Hourly passes are plenty for a limit counted in days; 1000 lines per batch, as for the feed.
 */
export const DEFAULT_AUDIT_RETENTION: AuditRetentionOptions = {
  maxAgeMs: 400 * 86_400_000,
  batchSize: 1000,
  intervalMs: 3_600_000,
};

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 4100,
  dataDir: './data',
  seed: true,
  seedCustomers: 3000,
  seedDeliveries: 2000,
  drones: 40,
  simulate: true,
  hz: 1,
  allowedOrigins: 'any',
  logLevel: 'info',
  fsync: 'NORMAL',
  maxMessageBytes: 1 << 20,
  yjsMessagesPerSecond: 200,
  gatewayLatencyMs: { min: 40, max: 160 },
  paymentSweepMs: 1000,
  gatewayHalfOpenAfterMs: 5000,
  // 15 s: an outage shows within two probes (~30 s), at 4 cheap calls a minute.
  gatewayProbeIntervalMs: 15_000,
  // Real calls take 40-160 ms; a company that needs 2 s for "are you there" is no use to an
  // agent with a customer on the phone.
  gatewayProbeTimeoutMs: 2000,
  // 10 s rather than 2 s: rarer fsync stalls in the fan-out tail (README, Benchmarks: the
  // fleetdesk-ckpt2s ablation); the WAL then peaks around 30 MB at 800 Yjs appends/s.
  checkpointIntervalMs: 10_000,
  feedRetention: DEFAULT_FEED_RETENTION,
  auditRetention: DEFAULT_AUDIT_RETENTION,
  scaleOut: null,
};

/**
 * 6 s lease, renewed every 2 s: a job moves within 8 s of its holder dying (the issue asks for
 * 10 s), while a renewal may fail twice in a row (a slow database) without the job flapping.
 */
export const DEFAULT_LEASE_TTL_MS = 6000;
