import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instant, type Clock, type Location } from '../../domain/shared';
import type { Principal } from '../auth';
import { openScaleOutBackend } from '../cluster';
import { CommandService } from '../commands';
import { FeedService } from '../feed';
import { createLogger, createMetrics } from '../observability';
import {
  changeMethodHandler,
  requestPaymentRelease,
  createGatewayPolicy,
  DEFAULT_GATEWAY_RESILIENCE,
  PaymentChangeProcessor,
  resolveEscalationHandler,
  retryVoidHandler,
  SandboxGatewayAdapter,
  type SandboxGatewayService,
} from '../payments';
import { seedDemoDataset } from '../seed';
import { assignDroneHandler, cancelDeliveryHandler, rescheduleDeliveryHandler } from '../shipping';
import { GatewayHealth } from '../region-status';
import { TelemetryHub } from '../telemetry';
import { createYjsHub } from '../yjs';
import { Admission, DEFAULT_ADMISSION } from './admission';
import { createRequestRouter, createUpgradeRouter } from './http-router';
import { runShutdown, type ShutdownStep } from './lifecycle';
import { backgroundJobs } from './background-jobs';
import type { Backend, BackgroundJob } from './backend';
import { openEmbeddedBackend } from './embedded-backend';
import type { ServerConfig } from './server-config';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** Graceful stop: readiness 503, no new upgrades, flush, close sockets with `code`. */
  stop(code?: 1001 | 1012): Promise<void>;
  /** For tests: the sandbox gateway's fault switch and ledger. */
  readonly gateway: SandboxGatewayService;
  readonly paymentProcessor: PaymentChangeProcessor;
  /** 'embedded' (SQLite) or 'scale-out' (PostgreSQL + Redis). */
  readonly mode: Backend['mode'];
}

/** The scale-out backend if configured, else the embedded SQLite one. */
async function openBackend(
  config: ServerConfig,
  log: ReturnType<typeof createLogger>,
): Promise<Backend> {
  if (config.scaleOut === null) return openEmbeddedBackend(config);
  return openScaleOutBackend({
    ...config.scaleOut,
    gatewayLatencyMs: config.gatewayLatencyMs,
    log,
  });
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
  const backend = await openBackend(config, log);
  const { store, notifier, gateway } = backend;
  const authenticate = (token: string | null) => backend.authenticate(token);
  feedOldestRetainedSeq = () => store.oldestRetainedSeq();

  if (config.seed)
    await backend.seedIfEmpty(async (seedStore) => {
      const started = Date.now();
      const result = await seedDemoDataset(seedStore, {
        customers: config.seedCustomers,
        deliveries: config.seedDeliveries,
        drones: config.drones,
        now: clock.now(),
      });
      for (const hold of result.holds)
        await gateway.seedHold(hold.authorizationId, hold.token, hold.amountMinor, 'eur');
      log.info(
        {
          customers: result.customers,
          deliveries: result.deliveries,
          drones: result.drones,
          ms: Date.now() - started,
        },
        'seeded demo dataset',
      );
    });
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
      'payments.retryVoid': retryVoidHandler((id) => processor.kick(id)),
      'payments.resolveEscalation': resolveEscalationHandler,
    },
    clock,
    log,
    (command, code) => metrics.commandOutcomes.inc({ command, code }),
  );
  const feed = new FeedService(store, notifier);
  notifier.subscribe((seq) => metrics.feedHighWaterMark.set(seq));
  const yjs = createYjsHub({
    store: backend.docStore,
    ...(backend.compactor ? { compactor: backend.compactor } : {}),
    ...(backend.fanout ? { fanout: backend.fanout } : {}),
    ...(backend.hubCompactAfter === undefined ? {} : { compactAfter: backend.hubCompactAfter }),
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
  const telemetry = new TelemetryHub(
    authenticate,
    () => Date.now(),
    log.child({ endpoint: 'telemetry' }),
    (n) => metrics.telemetryFrames.inc(n),
    (reason) => metrics.rejectedRequests.inc({ reason }),
  );
  telemetrySockets = () => telemetry.count();
  // A revocation (here, another instance, or the CLI) closes the revoked sockets at once
  // instead of leaving them open until their token expires. The hubs keep the principal
  // `authenticate` returned, so it still carries its issue time, desk and token id.
  const revocations = backend.access.revocations;
  const stopWatchingRevocations = revocations.watch(() => {
    const refused = (principal: Principal): boolean =>
      !revocations.check({ ok: true, principal }).ok;
    const closed = yjs.closeRefused(refused) + telemetry.closeRefused(refused);
    if (closed > 0) log.info({ closed }, 'closed sockets of revoked users or desks');
  });
  backend.setTelemetrySink((at, fixes) => {
    telemetry.broadcast(at, fixes);
  });
  const jobs: BackgroundJob[] = backgroundJobs({
    config,
    log,
    metrics,
    clock,
    depots,
    gatewayHealth,
    gatewayAdapter,
    policy,
    yjs,
    processor,
    broadcastTelemetry: (at, fixes) => {
      backend.broadcastTelemetry(at, fixes);
    },
    setGatewayChanged: (notify) => {
      gatewayChanged = notify;
    },
  });

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
    admission: new Admission({ ...DEFAULT_ADMISSION, ...config.admission }, metrics.registry),
    log: log.child({ endpoint: 'api' }),
    access: {
      ...backend.access,
      accessTtlMs: config.accessTokenTtlMs ?? 5 * 60_000,
      now: () => Date.now(),
    },
  };

  const routerDeps = {
    config,
    log,
    metrics,
    backend,
    api: apiDeps,
    yjs,
    telemetry,
    draining: () => draining,
  };
  const route = createRequestRouter(routerDeps);
  const server = createServer((req, res) => {
    void route(req, res);
  });
  server.on('upgrade', createUpgradeRouter(routerDeps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  // Scale-out: this instance drives the changes it accepts; the leased sweep resumes the rest.
  if (backend.mode === 'scale-out')
    await processor.start(config.paymentSweepMs, { resumeStored: false });
  await backend.runJobs(jobs);
  log.info(
    {
      host: config.host,
      port,
      ...backend.describe(),
      simulate: config.simulate,
      feedRetention: config.feedRetention ?? 'off',
      auditRetentionMs: config.auditRetention?.maxAgeMs ?? 'off',
      gatewayProbeIntervalMs: config.gatewayProbeIntervalMs,
    },
    'sync server listening',
  );

  /** Stop order (readiness already answers 503 and upgrades are refused: `draining`). */
  const shutdown: readonly ShutdownStep[] = [
    { name: 'payment processor', run: () => processor.stop() },
    { name: 'revocation watch', run: () => stopWatchingRevocations() },
    { name: 'telemetry sockets', run: (code) => telemetry.close(code) },
    // Region status's last write lands before the hub closes; a prune batch in flight commits.
    { name: 'background jobs', run: () => backend.stopJobs() },
    { name: 'yjs hub', run: (code) => yjs.close(code) },
    {
      name: 'http server',
      run: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    },
    { name: 'storage', run: () => backend.close() },
    { name: 'metrics', run: () => metrics.stop() },
  ];
  let stopping: Promise<void> | null = null;
  const stop = (code: 1001 | 1012 = 1001): Promise<void> =>
    (stopping ??= (async () => {
      draining = true;
      log.info({ code }, 'draining');
      await runShutdown(shutdown, code, (step) => log.debug({ step }, 'stopping'));
      log.info('stopped');
    })());

  return {
    url: `http://${config.host}:${port}`,
    port,
    stop,
    gateway,
    paymentProcessor: processor,
    mode: backend.mode,
  };
}
