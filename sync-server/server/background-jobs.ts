import type { IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { regionStatusDocName } from '../../domain/protocol';
import type { Clock, Location } from '../../domain/shared';
import { AuditPruner } from '../audit';
import { FeedPruner } from '../feed';
import type { createMetrics } from '../observability';
import { PaymentChangeProcessor, type SandboxGatewayAdapter } from '../payments';
import { CITY } from '../seed';
import { DroneSimulator } from '../simulation';
import {
  FleetSummary,
  GatewayProber,
  RegionStatusPublisher,
  type GatewayHealth,
} from '../region-status';
import type { TelemetryTuple } from '../telemetry';
import type { YjsHub } from '../yjs';
import type { BackgroundJob, JobContext } from './backend';
import type { ServerConfig } from './server-config';

/** How often the leased payment sweeper looks for changes other instances left unfinished. */
const RESCAN_MS = 5000;

export interface JobDeps {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly metrics: ReturnType<typeof createMetrics>;
  readonly clock: Clock;
  readonly depots: readonly Location[];
  readonly gatewayHealth: GatewayHealth;
  readonly gatewayAdapter: SandboxGatewayAdapter;
  readonly policy: IPolicy;
  readonly yjs: YjsHub;
  /** This instance's processor (embedded: it is the sweeper too). */
  readonly processor: PaymentChangeProcessor;
  readonly broadcastTelemetry: (at: number, fixes: TelemetryTuple[]) => void;
  /** Where breaker events reach the region-status publisher while this instance runs it. */
  readonly setGatewayChanged: (notify: () => void) => void;
}

/**
 * The server's background jobs, in start order. Embedded: all run here. Scale-out: each under
 * its own lease, on one instance at a time (the Yjs compaction job is the backend's own). The
 * gateway prober shares the region-status job: it feeds the publisher in memory.
 */
export function backgroundJobs(deps: JobDeps): BackgroundJob[] {
  const { config, log, metrics } = deps;
  const jobs: BackgroundJob[] = [
    {
      name: 'payment-sweep',
      async start({ store, leased }) {
        if (!leased) {
          await deps.processor.start(config.paymentSweepMs);
          return () => deps.processor.stop();
        }
        // Scale-out: every instance drives the changes it accepted; this one, fenced, also
        // those whose instance died. Both at once are safe: each gateway step has its own
        // idempotency key (one effect, shared ledger) and each commit checks the version.
        const sweeper = new PaymentChangeProcessor(
          store,
          deps.gatewayAdapter,
          deps.policy,
          deps.clock,
          log.child({ job: 'payment-sweep' }),
          (code) => metrics.commandOutcomes.inc({ command: 'payments.changeMethod', code }),
        );
        await sweeper.start(config.paymentSweepMs);
        const rescan = setInterval(() => {
          sweeper.rescan().catch((e: unknown) => {
            log.warn({ err: e }, 'payment rescan failed');
          });
        }, RESCAN_MS);
        rescan.unref();
        return () => {
          clearInterval(rescan);
          sweeper.stop();
        };
      },
    },
  ];
  if (config.simulate)
    jobs.push({
      name: 'drone-simulator',
      async start({ store }) {
        const simulator = new DroneSimulator(
          store,
          () => deps.depots,
          deps.clock,
          { hz: config.hz, recordEveryMs: 30_000, scheduleHorizonMs: 30 * 60_000 },
          deps.broadcastTelemetry,
          log.child({ part: 'simulator' }),
        );
        await simulator.start();
        return () => simulator.stop();
      },
    });
  const retention = config.feedRetention;
  if (retention)
    jobs.push({
      name: 'feed-pruner',
      start({ store }) {
        const pruneLog = log.child({ part: 'feed-retention' });
        const pruner = new FeedPruner(store, () => Date.now(), retention, {
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
        pruner.start();
        return Promise.resolve(() => pruner.stop());
      },
    });
  const auditRetention = config.auditRetention;
  if (auditRetention)
    // Scale-out: under its own lease, like the feed pruner; the fenced store checks the lease
    // before each batch, so a former holder deletes nothing once the lease moved.
    jobs.push({
      name: 'audit-pruner',
      start({ store }) {
        const pruneLog = log.child({ part: 'audit-retention' });
        const pruner = new AuditPruner(store, () => Date.now(), auditRetention, {
          pruned: (lines) => metrics.auditPrunedLines.inc(lines),
          passed: (pass) => {
            if (pass.pruned > 0) pruneLog.info(pass, 'pruned audit trail');
            else pruneLog.debug(pass, 'audit trail: nothing to prune');
          },
          failed: (error) => {
            metrics.auditPruneFailures.inc();
            pruneLog.error({ err: error }, 'audit-trail prune failed');
          },
        });
        pruner.start();
        return Promise.resolve(() => pruner.stop());
      },
    });
  jobs.push({ name: 'region-status', start: (ctx) => startRegionStatus(deps, ctx) });
  return jobs;
}

async function startRegionStatus(
  deps: JobDeps,
  { store, fenceYjsDoc }: JobContext,
): Promise<() => Promise<void>> {
  const { config, log, metrics } = deps;
  const statusDoc = regionStatusDocName(CITY.region);
  // Scale-out: a former holder (paused past its lease) cannot overwrite the new holder's status.
  const unfence = fenceYjsDoc(statusDoc);
  const fleetSummary = new FleetSummary(store);
  const regionStatus = new RegionStatusPublisher({
    region: CITY.region,
    transact: (fn) => deps.yjs.serverTransact(statusDoc, fn),
    paymentsLevel: (now) => deps.gatewayHealth.level(now),
    fleet: () => fleetSummary.current(),
    now: () => Date.now(),
    intervalMs: 5000,
    log: log.child({ part: 'region-status' }),
    written: (keys) => {
      for (const key of keys) metrics.regionStatusWrites.inc({ key });
    },
  });
  deps.setGatewayChanged(() => regionStatus.gatewayChanged());
  const prober =
    config.gatewayProbeIntervalMs === 0
      ? null
      : new GatewayProber({
          // The adapter itself, not `policy`: probes stay out of the breaker (see GatewayProber).
          probe: () => deps.gatewayAdapter.checkHealth(),
          health: deps.gatewayHealth,
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
  try {
    await regionStatus.start();
  } catch (error) {
    unfence(); // the next holder's (or this instance's next) start fences it again
    throw error;
  }
  prober?.start();
  return async () => {
    prober?.stop();
    deps.setGatewayChanged(() => undefined);
    await regionStatus.stop(); // its last write lands before the hub closes
    unfence();
  };
}
