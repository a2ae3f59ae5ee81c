import { mkdirSync } from 'node:fs';
import { RevocationStore } from '../access';
import { loadOrCreateSecret, signToken, verifyToken, type TokenCheck } from '../auth';
import { SandboxGatewayService } from '../payments';
import { InProcessChangeNotifier, SqliteRecordStore, withChangeNotifications } from '../records';
import { openServerDatabase, startCheckpointWorker } from '../storage';
import type { TelemetryTuple } from '../telemetry';
import { SqliteCompactionWorker, SqliteDocStore } from '../yjs';
import type { Backend, BackgroundJob } from './backend';
import type { ServerConfig } from './server-config';

/** The default: one process, one SQLite file and the token secret in `dataDir`. */
export function openEmbeddedBackend(config: ServerConfig): Backend {
  mkdirSync(config.dataDir, { recursive: true });
  const secret = loadOrCreateSecret(config.dataDir);
  const dbPath = `${config.dataDir}/fleetdesk.sqlite`;
  const db = openServerDatabase(dbPath, { synchronous: config.fsync });
  // Checkpoints run on a worker thread (see checkpoint-worker.ts), not inside a commit.
  db.pragma('wal_autocheckpoint = 0');
  const checkpoints = startCheckpointWorker(dbPath, config.checkpointIntervalMs);
  // Yjs log compaction, too: merge and row replacement would otherwise stall every socket.
  const compactor = new SqliteCompactionWorker(dbPath, { synchronous: config.fsync });
  const notifier = new InProcessChangeNotifier();
  const store = withChangeNotifications(new SqliteRecordStore(db), notifier);
  const verify = (token: string | null): TokenCheck => verifyToken(secret, token, Date.now());
  const revocations = new RevocationStore(db);
  const stops: (() => Promise<void> | void)[] = [];
  let sink = (_at: number, _fixes: TelemetryTuple[]): void => undefined;
  return {
    mode: 'embedded',
    instanceId: null,
    store,
    notifier,
    docStore: new SqliteDocStore(db),
    compactor,
    fanout: undefined,
    hubCompactAfter: undefined,
    gateway: new SandboxGatewayService(db, config.gatewayLatencyMs),
    // Every authentication (API, Yjs, telemetry) refuses revoked users and desks: one place.
    authenticate: (token) => revocations.check(verify(token)),
    access: { sign: (claims) => signToken(secret, claims), verify, revocations },
    ready: () => true,
    async seedIfEmpty(seed) {
      if ((await store.highWaterMark()) === 0) await seed(store);
    },
    async runJobs(jobs: readonly BackgroundJob[]) {
      // In order, each awaited: the same start order as before there were leases.
      for (const job of jobs)
        stops.push(await job.start({ store, leased: false, fenceYjsDoc: () => () => undefined }));
    },
    async stopJobs() {
      // Together, as before: each stop() only ends timers and awaits what is in flight.
      await Promise.all(stops.splice(0).map(async (stop) => stop()));
    },
    broadcastTelemetry: (at, fixes) => {
      sink(at, fixes);
    },
    setTelemetrySink(deliver) {
      sink = deliver;
    },
    describe: () => ({ storage: 'sqlite', dataDir: config.dataDir }),
    async close() {
      await store.close();
      await compactor.stop(); // a job in flight commits before the database closes
      await checkpoints.stop();
      db.close();
    },
  };
}
