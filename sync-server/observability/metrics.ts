import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Every metric the server exports on GET /metrics, in one registry per server instance. */
/** `sources` are read at scrape time, so gauges cannot drift from the components they describe. */
export function createMetrics(sources: {
  telemetrySockets: () => number;
  feedOldestRetainedSeq: () => Promise<number>;
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fleetdesk_' });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const metrics = {
    registry,
    // Yjs sockets, documents, updates and rejected frames are registered by the Yjs hub itself (fleetdesk_yjs_*).
    telemetrySockets: new Gauge({
      name: 'fleetdesk_telemetry_open_sockets',
      help: 'Open telemetry WebSockets',
      registers: [registry],
      collect() {
        this.set(sources.telemetrySockets());
      },
    }),
    rejectedRequests: new Counter({
      name: 'fleetdesk_rejected_requests_total',
      help: 'HTTP requests and telemetry upgrades refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    clientAborts: new Counter({
      name: 'fleetdesk_http_client_aborts_total',
      help: 'HTTP requests whose client went away before its body was complete (not a server error)',
      registers: [registry],
    }),
    commandOutcomes: new Counter({
      name: 'fleetdesk_command_outcomes_total',
      help: 'Command outcomes by command and code',
      labelNames: ['command', 'code'] as const,
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'fleetdesk_payment_gateway_breaker_open',
      help: '1 while the payment gateway circuit breaker is open or half-open',
      registers: [registry],
    }),
    gatewayProbes: new Counter({
      name: 'fleetdesk_payment_gateway_probes_total',
      help: 'Payment gateway health probes by result: healthy, unavailable, timeout, error',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    gatewayProbeSeconds: new Histogram({
      name: 'fleetdesk_payment_gateway_probe_seconds',
      help: 'Payment gateway health probe duration by result (a timeout waited its whole timeout)',
      labelNames: ['result'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers: [registry],
    }),
    regionStatusWrites: new Counter({
      name: 'fleetdesk_region_status_writes_total',
      help: 'Writes to the server-written status/<region> documents, by changed key',
      labelNames: ['key'] as const,
      registers: [registry],
    }),
    feedHighWaterMark: new Gauge({
      name: 'fleetdesk_feed_high_water_mark',
      help: 'Highest committed change-feed sequence',
      registers: [registry],
    }),
    feedOldestRetainedSeq: new Gauge({
      name: 'fleetdesk_feed_oldest_retained_seq',
      help: 'Lowest change-feed sequence still retained; desks behind it must re-snapshot',
      registers: [registry],
      async collect() {
        this.set(await sources.feedOldestRetainedSeq());
      },
    }),
    feedPrunedEntries: new Counter({
      name: 'fleetdesk_feed_pruned_entries_total',
      help: 'Change-feed entries removed by retention',
      registers: [registry],
    }),
    feedPruneFailures: new Counter({
      name: 'fleetdesk_feed_prune_failures_total',
      help: 'Change-feed prune passes that failed',
      registers: [registry],
    }),
    auditPrunedLines: new Counter({
      name: 'fleetdesk_audit_pruned_lines_total',
      help: 'Audit-trail lines removed by retention',
      registers: [registry],
    }),
    auditPruneFailures: new Counter({
      name: 'fleetdesk_audit_prune_failures_total',
      help: 'Audit-trail prune passes that failed',
      registers: [registry],
    }),
    telemetryFrames: new Counter({
      name: 'fleetdesk_telemetry_frames_sent_total',
      help: 'Telemetry frames sent to fleet managers',
      registers: [registry],
    }),
    httpRequests: new Histogram({
      name: 'fleetdesk_http_request_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    eventLoopLagP99: new Gauge({
      name: 'fleetdesk_event_loop_lag_p99_seconds',
      help: 'Event-loop delay p99 since the last scrape',
      registers: [registry],
      collect() {
        this.set(loop.percentile(99) / 1e9);
        loop.reset();
      },
    }),
    stop: () => {
      loop.disable();
    },
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
