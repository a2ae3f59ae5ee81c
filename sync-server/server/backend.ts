import type { AccessDeps, AccessStore } from '../access';
import type { TokenCheck } from '../auth';
import type { SandboxGatewayService } from '../payments';
import type { ChangeNotifierPort, RecordStorePort } from '../records';
import type { TelemetryTuple } from '../telemetry';
import type { DocCompactor, DocFanout, DocStore } from '../yjs';

/**
 * What the sync server runs on: the embedded SQLite file (`embedded-backend.ts`, the default)
 * or PostgreSQL + Redis shared by several instances (`../cluster`, scale-out mode). The
 * composition root (`sync-server.ts`) wires the same backend contexts onto either.
 */
export interface Backend {
  readonly mode: 'embedded' | 'scale-out';
  /** Scale-out: this process's id (lease holder, /readyz), so operators can tell who answered. */
  readonly instanceId: string | null;
  /** Records and feed; every committed write publishes through `notifier`. */
  readonly store: RecordStorePort;
  readonly notifier: ChangeNotifierPort;
  readonly docStore: DocStore;
  readonly compactor: DocCompactor | undefined;
  readonly fanout: DocFanout | undefined;
  /** The hub's own compaction threshold; scale-out turns it off (a leased job compacts). */
  readonly hubCompactAfter: number | undefined;
  readonly gateway: SandboxGatewayService;
  authenticate(token: string | null): TokenCheck;
  /**
   * Revocation and short-lived access tokens (`../access`): the SQLite file in embedded mode,
   * PostgreSQL (plus a Redis channel, so a revocation reaches every instance at once) in scale-out.
   */
  readonly access: {
    /** Signs a desk's access token. */
    sign: AccessDeps['sign'];
    /** Signature and expiry only (a revoked desk must still be able to report its losses). */
    verify(token: string | null): TokenCheck;
    readonly revocations: AccessStore;
  };
  /** False while the store is unreachable: /readyz answers 503 and /api refuses with 503. */
  ready(): boolean;
  /**
   * Runs `seed` if the store holds no records yet. Scale-out: under a cluster-wide lock, so of
   * instances starting together exactly one seeds.
   */
  seedIfEmpty(seed: (store: RecordStorePort) => Promise<void>): Promise<void>;
  /**
   * Starts the background jobs: embedded, each at once; scale-out, each under its own lease
   * (one instance at a time), with a store whose writes are fenced by that lease. Resolves once
   * every job this instance got has started.
   */
  runJobs(jobs: readonly BackgroundJob[]): Promise<void>;
  /** Stops every job this instance runs (scale-out: and frees their leases). */
  stopJobs(): Promise<void>;
  /** Telemetry frames to the watchers of every instance (scale-out: through Redis). */
  broadcastTelemetry(at: number, fixes: TelemetryTuple[]): void;
  /** Where `broadcastTelemetry` delivers on this instance (the TelemetryHub). */
  setTelemetrySink(deliver: (at: number, fixes: TelemetryTuple[]) => void): void;
  /** For the startup log line; no secrets, no passwords. */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

/** A background job; `start` resolves to its stop function. */
export interface BackgroundJob {
  readonly name: string;
  start(ctx: JobContext): Promise<() => Promise<void> | void>;
}

export interface JobContext {
  /** The store to write through: scale-out fences each write with the job's lease. */
  readonly store: RecordStorePort;
  /** Whether this runs under a lease (then it may run on another instance next). */
  readonly leased: boolean;
  /**
   * Fences the job's server writes to the Yjs document `docName` until the returned function is
   * called. Scale-out: each store append to it checks the job's lease token in its own
   * transaction, so a former holder's late write is refused (never stored, never broadcast).
   * Embedded: one process, nothing to fence.
   */
  readonly fenceYjsDoc: (docName: string) => () => void;
}
