import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { instant, type Clock, type Location } from '../../domain/shared';
import { openScaleOutBackend } from '../cluster';
import { CommandService } from '../commands';
import { FeedService } from '../feed';
import { ClientAbortError, HttpError, originAllowed, refuseUpgrade, sendJson } from '../http';
import { createLogger, createMetrics } from '../observability';
import {
  changeMethodHandler,
  requestPaymentRelease,
  createGatewayPolicy,
  DEFAULT_GATEWAY_RESILIENCE,
  PaymentChangeProcessor,
  SandboxGatewayAdapter,
  type SandboxGatewayService,
} from '../payments';
import { CITY, seedDemoDataset } from '../seed';
import { assignDroneHandler, cancelDeliveryHandler, rescheduleDeliveryHandler } from '../shipping';
import { GatewayHealth } from '../status';
import { TelemetryHub } from '../telemetry';
import { createYjsHub } from '../yjs';
import { Admission, DEFAULT_ADMISSION } from './admission';
import { handleApi } from './api-routes';
import { backgroundJobs } from './background-jobs';
import type { Backend, BackgroundJob } from './backend';
import { openEmbeddedBackend } from './embedded-backend';
import type { ServerConfig } from './server-config';

const STORAGE_UNAVAILABLE = new HttpError(
  503,
  'STORAGE.UNAVAILABLE',
  'The server cannot reach its database right now; nothing was stored. Your desk keeps the change and sends it again.',
);

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
    access: backend.access && {
      ...backend.access,
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
      else if (url.pathname === '/readyz') {
        // Scale-out: an instance whose database does not answer leaves the load balancer's rotation.
        const status = draining ? 'draining' : backend.ready() ? 'ready' : 'storage-unavailable';
        sendJson(res, status === 'ready' ? 200 : 503, {
          status,
          region: CITY.region,
          ...(backend.instanceId === null ? {} : { instance: backend.instanceId }),
        });
      } else if (url.pathname === '/metrics') {
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
        if (!backend.ready()) throw STORAGE_UNAVAILABLE;
        name = await handleApi(req, res, url, apiDeps);
      } else throw new HttpError(404, 'HTTP.NOT_FOUND', 'No such endpoint.');
    } catch (error) {
      if (error instanceof HttpError) {
        metrics.rejectedRequests.inc({ reason: error.code });
        if (!res.headersSent)
          sendJson(res, error.status, { code: error.code, message: error.message });
      } else if (error instanceof ClientAbortError) {
        // The client's doing, not the server's: counted, no stack, nobody left to answer.
        metrics.clientAborts.inc();
        log.debug({ route: name }, 'client aborted the request');
      } else if (!backend.ready()) {
        // The database went away during the request: say so, rather than "something went wrong".
        metrics.rejectedRequests.inc({ reason: STORAGE_UNAVAILABLE.code });
        if (!res.headersSent)
          sendJson(res, 503, {
            code: STORAGE_UNAVAILABLE.code,
            message: STORAGE_UNAVAILABLE.message,
          });
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
        refuseUpgrade(socket, 503, 'server shutting down');
        return;
      }
      if (!originAllowed(req, config.allowedOrigins)) {
        refuseUpgrade(socket, 403, 'origin not allowed');
        return;
      }
      telemetry.handleUpgrade(req, socket, head, url);
    } else refuseUpgrade(socket, 404, 'no such endpoint');
  });

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
      gatewayProbeIntervalMs: config.gatewayProbeIntervalMs,
    },
    'sync server listening',
  );

  let stopping: Promise<void> | null = null;
  const stop = (code: 1001 | 1012 = 1001): Promise<void> =>
    (stopping ??= (async () => {
      draining = true;
      log.info({ code }, 'draining');
      processor.stop();
      telemetry.close(code);
      // Region status's last write lands before the hub closes; a prune batch in flight commits.
      await backend.stopJobs();
      await yjs.close(code);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await backend.close();
      metrics.stop();
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
