import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { regionStatusDocName } from '../../domain/protocol';
import { instant, type Clock, type Location } from '../../domain/shared';
import { loadOrCreateSecret, verifyToken, type TokenCheck } from '../auth';
import { RevocationStore } from '../access';
import { CommandService } from '../commands';
import { FeedPruner, FeedService } from '../feed';
import { HttpError, originAllowed, sendJson } from '../http';
import { createLogger, createMetrics } from '../observability';
import {
  changeMethodHandler,
  requestPaymentRelease,
  createGatewayPolicy,
  DEFAULT_GATEWAY_RESILIENCE,
  PaymentChangeProcessor,
  SandboxGatewayAdapter,
  SandboxGatewayService,
} from '../payments';
import { InProcessChangeNotifier, SqliteRecordStore, withChangeNotifications } from '../records';
import { CITY, seedDemoDataset } from '../seed';
import { assignDroneHandler, cancelDeliveryHandler, rescheduleDeliveryHandler } from '../shipping';
import { DroneSimulator } from '../simulation';
import { FleetSummary, GatewayHealth, GatewayProber, RegionStatusPublisher } from '../status';
import { openServerDatabase, startCheckpointWorker } from '../storage';
import { refuse, TelemetryHub } from '../telemetry';
import { createYjsHub, SqliteCompactionWorker, SqliteDocStore } from '../yjs';
import { handleApi } from './api-routes';
import type { ServerConfig } from './server-config';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** Graceful stop: readiness 503, no new upgrades, flush, close sockets with `code`. */
  stop(code?: 1001 | 1012): Promise<void>;
  /** For tests: the sandbox gateway's fault switch and ledger. */
  readonly gateway: SandboxGatewayService;
  readonly paymentProcessor: PaymentChangeProcessor;
}

/** Composition root: wires storage, backend contexts, the three endpoints and operations. */
export async function startSyncServer(config: ServerConfig): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  let telemetrySockets = (): number => 0;
  let feedOldestRetainedSeq = (): Promise<number> => Promise.resolve(0);
  const metrics = createMetrics({
    telemetrySockets: () => telemetrySockets(),
    feedOldestRetainedSeq: () => feedOldestRetainedSeq(),
  });
  const clock: Clock = { now: () => instant(Date.now()) };
  mkdirSync(config.dataDir, { recursive: true });
  const secret = loadOrCreateSecret(config.dataDir);
  const verify = (token: string | null): TokenCheck => verifyToken(secret, token, Date.now());

  const dbPath = `${config.dataDir}/fleetdesk.sqlite`;
  const db = openServerDatabase(dbPath, { synchronous: config.fsync });
  // Every authentication (API, Yjs, telemetry) refuses revoked users and desks: one place.
  const revocations = new RevocationStore(db);
  const authenticate = (token: string | null): TokenCheck => revocations.check(verify(token));
  // Checkpoints run on a worker thread (see checkpoint-worker.ts), not inside a commit.
  db.pragma('wal_autocheckpoint = 0');
  const checkpoints = startCheckpointWorker(dbPath, config.checkpointIntervalMs);
  // Yjs log compaction, too: merge and row replacement would otherwise stall every socket.
  const compactor = new SqliteCompactionWorker(dbPath, { synchronous: config.fsync });
  const notifier = new InProcessChangeNotifier();
  const store = withChangeNotifications(new SqliteRecordStore(db), notifier);
  feedOldestRetainedSeq = () => store.oldestRetainedSeq();
  const gateway = new SandboxGatewayService(db, config.gatewayLatencyMs);

  if (config.seed && (await store.highWaterMark()) === 0) {
    const started = Date.now();
    const result = await seedDemoDataset(store, {
      customers: config.seedCustomers,
      deliveries: config.seedDeliveries,
      drones: config.drones,
      now: clock.now(),
    });
    for (const hold of result.holds)
      gateway.seedHold(hold.authorizationId, hold.token, hold.amountMinor, 'eur');
    log.info(
      {
        customers: result.customers,
        deliveries: result.deliveries,
        drones: result.drones,
        ms: Date.now() - started,
      },
      'seeded demo dataset',
    );
  }
  const depots = (await store.list<{ position: Location }>('depot')).map((r) => r.body.position);

  const gatewayHealth = new GatewayHealth();
  // Assigned once the Yjs hub exists; breaker events before that are seen by its first tick.
  let gatewayChanged = (): void => undefined;
  const { policy, breakerState } = createGatewayPolicy(
    { ...DEFAULT_GATEWAY_RESILIENCE, halfOpenAfterMs: config.gatewayHalfOpenAfterMs },
    (state) => {
      metrics.breakerState.set(state === 'closed' ? 0 : 1);
      log.warn({ breaker: state }, 'payment gateway circuit breaker');
      gatewayHealth.breakerChanged(state);
      gatewayChanged();
    },
    () => {
      gatewayHealth.callFailed(Date.now());
      gatewayChanged();
    },
  );
  const gatewayAdapter = new SandboxGatewayAdapter(gateway);
  const processor = new PaymentChangeProcessor(
    store,
    gatewayAdapter,
    policy,
    clock,
    log,
    (code) => {
      metrics.commandOutcomes.inc({ command: 'payments.changeMethod', code });
    },
  );
  const commands = new CommandService(
    store,
    {
      'payments.changeMethod': changeMethodHandler((id) => processor.kick(id)),
      'shipping.cancelDelivery': cancelDeliveryHandler(async (tx, cancelled) => {
        const paymentId = await requestPaymentRelease(tx, cancelled);
        return paymentId === null ? null : () => processor.kick(paymentId);
      }),
      'shipping.rescheduleDelivery': rescheduleDeliveryHandler,
      'shipping.assignDrone': assignDroneHandler(() => depots),
    },
    clock,
    log,
    (command, code) => metrics.commandOutcomes.inc({ command, code }),
  );
  const feed = new FeedService(store, notifier);
  notifier.subscribe((seq) => metrics.feedHighWaterMark.set(seq));
  const pruneLog = log.child({ part: 'feed-retention' });
  const pruner =
    config.feedRetention &&
    new FeedPruner(store, () => Date.now(), config.feedRetention, {
      pruned: (entries) => metrics.feedPrunedEntries.inc(entries),
      passed: (pass) => {
        // Counts only; a pass that found nothing is routine and logged at debug.
        if (pass.pruned > 0) pruneLog.info(pass, 'pruned change feed');
        else pruneLog.debug(pass, 'change feed: nothing to prune');
      },
      failed: (error) => {
        metrics.feedPruneFailures.inc();
        pruneLog.error({ err: error }, 'change-feed prune failed');
      },
    });

  const yjs = createYjsHub({
    store: new SqliteDocStore(db),
    compactor,
    authenticate,
    allowedOrigins: config.allowedOrigins,
    maxMessageBytes: config.maxMessageBytes,
    rateLimit: {
      messagesPerSecond: config.yjsMessagesPerSecond,
      burst: config.yjsMessagesPerSecond * 2,
    },
    now: () => Date.now(),
    log: log.child({ endpoint: 'yjs' }),
    metrics: metrics.registry,
  });
  const statusDoc = regionStatusDocName(CITY.region);
  const fleetSummary = new FleetSummary(store);
  const regionStatus = new RegionStatusPublisher({
    region: CITY.region,
    transact: (fn) => yjs.serverTransact(statusDoc, fn),
    paymentsLevel: (now) => gatewayHealth.level(now),
    fleet: () => fleetSummary.current(),
    now: () => Date.now(),
    intervalMs: 5000,
    log: log.child({ part: 'region-status' }),
    written: (keys) => {
      for (const key of keys) metrics.regionStatusWrites.inc({ key });
    },
  });
  gatewayChanged = () => regionStatus.gatewayChanged();
  const gatewayProber =
    config.gatewayProbeIntervalMs === 0
      ? null
      : new GatewayProber({
          // The adapter itself, not `policy`: probes stay out of the breaker (see GatewayProber).
          probe: () => gatewayAdapter.checkHealth(),
          health: gatewayHealth,
          // Writes at once, like breaker events, but only if the level changed.
          healthChanged: () => regionStatus.gatewayChanged(),
          intervalMs: config.gatewayProbeIntervalMs,
          timeoutMs: config.gatewayProbeTimeoutMs,
          now: () => performance.now(),
          log: log.child({ part: 'gateway-probe' }),
          settled: (result, ms) => {
            metrics.gatewayProbes.inc({ result });
            metrics.gatewayProbeSeconds.observe({ result }, ms / 1000);
          },
        });
  const telemetry = new TelemetryHub(
    authenticate,
    () => Date.now(),
    log.child({ endpoint: 'telemetry' }),
    (n) => metrics.telemetryFrames.inc(n),
  );
  telemetrySockets = () => telemetry.count();
  const simulator = new DroneSimulator(
    store,
    () => depots,
    clock,
    { hz: config.hz, recordEveryMs: 30_000, scheduleHorizonMs: 30 * 60_000 },
    (at, fixes) => telemetry.broadcast(at, fixes),
    log.child({ part: 'simulator' }),
  );

  let draining = false;
  const apiDeps = {
    authenticate,
    commands,
    feed,
    store,
    gatewayFaults: {
      get: () => gateway.faults(),
      set: (f: Parameters<SandboxGatewayService['setFaults']>[0]) => gateway.setFaults(f),
    },
    breakerState,
    access: {
      secret,
      verify,
      revocations,
      accessTtlMs: config.accessTokenTtlMs ?? 5 * 60_000,
      now: () => Date.now(),
    },
  };

  const server = createServer((req, res) => {
    void route(req, res);
  });
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let name = url.pathname;
    try {
      if (url.pathname === '/healthz') sendJson(res, 200, { status: 'ok' });
      else if (url.pathname === '/readyz')
        sendJson(res, draining ? 503 : 200, {
          status: draining ? 'draining' : 'ready',
          region: CITY.region,
        });
      else if (url.pathname === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      } else if (url.pathname.startsWith('/api/')) {
        if (!originAllowed(req, config.allowedOrigins))
          throw new HttpError(
            403,
            'HTTP.ORIGIN_REFUSED',
            'Requests from this origin are not allowed.',
          );
        if (draining)
          throw new HttpError(
            503,
            'HTTP.DRAINING',
            'The server is restarting; try again in a moment.',
          );
        name = await handleApi(req, res, url, apiDeps);
      } else throw new HttpError(404, 'HTTP.NOT_FOUND', 'No such endpoint.');
    } catch (error) {
      if (error instanceof HttpError) {
        metrics.rejectedRequests.inc({ reason: error.code });
        if (!res.headersSent)
          sendJson(res, error.status, { code: error.code, message: error.message });
      } else {
        log.error({ err: error, route: name }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            code: 'HTTP.INTERNAL',
            message: 'Something went wrong on the server; the request was not applied.',
          });
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.observe(
        { route: name.startsWith('/api/') ? name : url.pathname, status: String(res.statusCode) },
        seconds,
      );
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/yjs/')) yjs.handleUpgrade(req, socket, head);
    else if (url.pathname === '/telemetry') {
      if (draining) {
        refuse(socket, 503, 'Service Unavailable');
        return;
      }
      if (!originAllowed(req, config.allowedOrigins)) {
        refuse(socket, 403, 'Forbidden');
        return;
      }
      telemetry.handleUpgrade(req, socket, head, url);
    } else refuse(socket, 404, 'Not Found');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  await processor.start(config.paymentSweepMs);
  if (config.simulate) await simulator.start();
  pruner?.start();
  await regionStatus.start();
  gatewayProber?.start();
  log.info(
    {
      host: config.host,
      port,
      dataDir: config.dataDir,
      simulate: config.simulate,
      feedRetention: config.feedRetention ?? 'off',
      gatewayProbeIntervalMs: config.gatewayProbeIntervalMs,
    },
    'sync server listening',
  );

  let stopping: Promise<void> | null = null;
  const stop = (code: 1001 | 1012 = 1001): Promise<void> =>
    (stopping ??= (async () => {
      draining = true;
      log.info({ code }, 'draining');
      simulator.stop();
      processor.stop();
      const pruneStopped = pruner?.stop();
      telemetry.close(code);
      gatewayProber?.stop();
      await regionStatus.stop(); // its last write lands before the hub closes
      await yjs.close(code);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pruneStopped; // its batch in flight commits before the store closes
      await store.close();
      await compactor.stop(); // a job in flight commits before the database closes
      await checkpoints.stop();
      db.close();
      metrics.stop();
      log.info('stopped');
    })());

  return { url: `http://${config.host}:${port}`, port, stop, gateway, paymentProcessor: processor };
}
