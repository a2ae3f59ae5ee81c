import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { signToken, verifyToken, type TokenCheck } from '../auth';
import { SandboxGatewayService } from '../payments';
import {
  PostgresRecordStore,
  RedisChangeNotifier,
  withChangeNotifications,
  type ChangeNotifierPort,
  type RecordStorePort,
} from '../records';
import { openPostgresPool } from '../storage';
import type { TelemetryTuple } from '../telemetry';
import { PostgresDocStore, RedisDocFanout, type DocFanout } from '../yjs';
import { PostgresAccessStore } from './access-store.postgres';
import { migrateCluster } from './cluster-migrations';
import { fencedRecordStore } from './fenced-record-store';
import { LeaseRunner, type LeasedJob } from './lease';
import { StorageHealth } from './storage-health';
import { PostgresSandboxLedger } from './sandbox-ledger.postgres';
import { TelemetryRelay } from './telemetry-relay';
import { TokenKeyRing } from './token-keys';
import { startYjsCompactionJob } from './yjs-compaction-job';

/** The parts of the server configuration the scale-out backend reads. */
export interface ScaleOutOptions {
  readonly storage: string;
  readonly schema: string;
  readonly redis: string;
  readonly redisPrefix: string;
  readonly leaseTtlMs: number;
  readonly gatewayLatencyMs: { readonly min: number; readonly max: number };
  readonly log: Logger;
}

/** A job as the composition root defines it (same shape as the server's BackgroundJob). */
export interface ScaleOutJob {
  readonly name: string;
  start(ctx: {
    store: RecordStorePort;
    leased: boolean;
    fenceYjsDoc: (docName: string) => () => void;
  }): Promise<() => Promise<void> | void>;
}

/** Hub compaction is off in scale-out (this large): the leased job below compacts instead. */
const HUB_COMPACTION_OFF = 1_000_000_000;
const COMPACT_AFTER_ROWS = 500;

/**
 * The scale-out backend: PostgreSQL for everything durable, Redis for what is ephemeral
 * between instances. Opening it migrates (under a lock), opens the stores, loads the token keys
 * and connects to Redis; any of them unreachable at start is an error (a misconfigured URL must
 * stop the instance, not leave it half-up). Afterwards outages are survived: see the README,
 * "Scale-out".
 */
export async function openScaleOutBackend(opts: ScaleOutOptions) {
  const log = opts.log.child({ part: 'scale-out' });
  const instanceId = randomUUID();
  const onPoolError = (e: Error): void => {
    log.warn({ err: e.message }, 'PostgreSQL connection error');
  };
  const { pool } = openPostgresPool(opts.storage, onPoolError);
  const closers: (() => Promise<void> | void)[] = [() => pool.end()];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const applied = await migrateCluster(pool, opts.schema, instanceId).catch((e: unknown) => {
      throw new Error(`PostgreSQL at ${redactUrl(opts.storage)}: ${String(e)}`, { cause: e });
    });
    if (applied.length > 0) log.info({ applied }, 'applied cluster schema migrations');
    const records = await PostgresRecordStore.open(pool, { schema: opts.schema });
    const docStore = await PostgresDocStore.open(pool, { schema: opts.schema });
    closers.push(
      () => docStore.close(),
      () => records.close(),
    );
    const keys = await TokenKeyRing.open(pool, opts.schema);
    keys.watch(10_000, (e) => log.warn({ err: e.message }, 'token key refresh failed'));
    closers.push(() => keys.close());
    const redisError = (what: string) => (e: Error) => {
      log.warn({ err: e.message }, `Redis ${what}`);
    };
    const notifier: ChangeNotifierPort & { close(): Promise<void> } =
      await RedisChangeNotifier.open({
        url: opts.redis,
        prefix: opts.redisPrefix,
        onError: redisError('change notifier'),
      });
    closers.push(() => notifier.close());
    const fanout: DocFanout & { close(): Promise<void> } = await RedisDocFanout.open({
      url: opts.redis,
      prefix: opts.redisPrefix,
      onError: redisError('Yjs fan-out'),
    });
    closers.push(() => fanout.close());
    let sink = (_at: number, _fixes: TelemetryTuple[]): void => undefined;
    const relay = await TelemetryRelay.open({
      url: opts.redis,
      prefix: opts.redisPrefix,
      deliver: (at, fixes) => {
        sink(at, fixes);
      },
      onError: redisError('telemetry relay'),
    });
    closers.push(() => relay.close());
    const revocations = await PostgresAccessStore.open({
      pool,
      schema: opts.schema,
      redis: { url: opts.redis, prefix: opts.redisPrefix },
      // A failed re-read (PostgreSQL away) or publish (Redis away); the copy stays as it was.
      onError: (e) => {
        log.warn({ err: e.message }, 'access revocations: re-read or publish failed');
      },
    });
    closers.push(() => revocations.close());
    const verify = (token: string | null): TokenCheck =>
      verifyToken(keys.lookup, token, Date.now());
    const health = new StorageHealth(pool, log);
    health.start();
    closers.push(() => health.stop());
    const store = withChangeNotifications(records, notifier);
    let leases: LeaseRunner | null = null;

    return {
      mode: 'scale-out' as const,
      instanceId,
      store,
      notifier,
      docStore,
      compactor: undefined,
      fanout,
      hubCompactAfter: HUB_COMPACTION_OFF,
      gateway: new SandboxGatewayService(
        new PostgresSandboxLedger(pool, opts.schema),
        opts.gatewayLatencyMs,
      ),
      // Every authentication (API, Yjs, telemetry) refuses revoked users and desks: one place.
      authenticate: (token: string | null): TokenCheck => revocations.check(verify(token)),
      access: {
        sign: (claims: Parameters<typeof signToken>[1]) => {
          const key = keys.signing();
          return signToken(key.secret, claims, key.kid);
        },
        verify,
        revocations,
      },
      ready: () => health.ready(),
      async seedIfEmpty(seed: (store: RecordStorePort) => Promise<void>): Promise<void> {
        // A session-level advisory lock on one client: whoever gets it first seeds; the others
        // wait and then find records.
        const client = await pool.connect();
        try {
          await client.query('SELECT pg_advisory_lock(hashtext($1))', [
            `fleetdesk.seed:${opts.schema}`,
          ]);
          try {
            if ((await store.highWaterMark()) === 0) await seed(store);
          } finally {
            await client.query('SELECT pg_advisory_unlock(hashtext($1))', [
              `fleetdesk.seed:${opts.schema}`,
            ]);
          }
        } finally {
          client.release();
        }
      },
      runJobs(jobs: readonly ScaleOutJob[]): Promise<void> {
        const leased: LeasedJob[] = jobs.map((job) => ({
          name: job.name,
          start: (lease) =>
            job.start({
              store: fencedRecordStore(records, lease, (seq) => notifier.publish(seq)),
              leased: true,
              fenceYjsDoc: (docName) => docStore.guardDoc(docName, (client) => lease.fence(client)),
            }),
        }));
        leased.push({
          name: 'yjs-compaction',
          start: (lease) =>
            Promise.resolve(
              startYjsCompactionJob(
                {
                  pool,
                  schema: opts.schema,
                  threshold: COMPACT_AFTER_ROWS,
                  intervalMs: 10_000,
                  log: log.child({ job: 'yjs-compaction' }),
                },
                lease,
              ),
            ),
        });
        leases = new LeaseRunner(
          {
            pool,
            schema: opts.schema,
            instanceId,
            ttlMs: opts.leaseTtlMs,
            renewMs: Math.max(100, Math.floor(opts.leaseTtlMs / 3)),
            log,
          },
          leased,
        );
        return leases.start();
      },
      async stopJobs(): Promise<void> {
        await leases?.stop();
      },
      heldLeases: (): Record<string, number> => leases?.held() ?? {},
      broadcastTelemetry: (at: number, fixes: TelemetryTuple[]): void => {
        relay.broadcast(at, fixes);
      },
      setTelemetrySink(deliver: (at: number, fixes: TelemetryTuple[]) => void): void {
        sink = deliver;
      },
      describe: () => ({
        storage: redactUrl(opts.storage),
        schema: opts.schema,
        redis: redactUrl(opts.redis),
        redisPrefix: opts.redisPrefix,
        instanceId,
      }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

/** A connection string without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable URL>';
  }
}
