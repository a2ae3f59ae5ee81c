import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a client frame was not applied. Labels of `fleetdesk_yjs_rejected_frames_total`. */
export type RejectReason =
  | 'read-only'
  | 'malformed'
  | 'text-frame'
  | 'invalid-update'
  | 'too-big'
  | 'rate-limited'
  /** A content or awareness update holding a card number or CVV (`card-data.guard.ts`). */
  | 'card-data';

export type UpdateOrigin = 'client' | 'server';

/** Where a log compaction ran: on the event loop from the loaded doc, or on the worker thread. */
export type CompactionMode = 'inline' | 'background';

/** What became of updates another instance published (cross-instance fan-out). */
export type RemoteUpdateResult = 'applied' | 'invalid';

/** Hooks the hub calls; every hook is synchronous and must not throw. */
export interface YjsMetrics {
  updateAccepted(origin: UpdateOrigin): void;
  frameRejected(reason: RejectReason): void;
  upgradeRefused(status: number): void;
  /** `pauseMs`: how long an inline compaction held the event loop (background: none). */
  compacted(mode: CompactionMode, pauseMs?: number): void;
  persistFailed(): void;
  /** The group commit stored a batch of `updates` updates in `ms` (one `appendBatch` call). */
  batchStored(updates: number, ms: number): void;
  /** Updates from other instances (or rows read to catch up), applied in one go or rejected. */
  remoteUpdates(result: RemoteUpdateResult, count: number): void;
  /** A stored update could not be published to the other instances. */
  fanoutPublishFailed(): void;
  /** A loaded doc read the store again because fan-out messages may have been lost. */
  fanoutCatchUp(): void;
}

export const noopYjsMetrics: YjsMetrics = {
  updateAccepted: () => undefined,
  frameRejected: () => undefined,
  upgradeRefused: () => undefined,
  compacted: () => undefined,
  persistFailed: () => undefined,
  batchStored: () => undefined,
  remoteUpdates: () => undefined,
  fanoutPublishFailed: () => undefined,
  fanoutCatchUp: () => undefined,
};

/**
 * Registers the hub's metrics on `registry`. Gauges read `stats()` at scrape time, so they
 * cannot drift from the hub's own bookkeeping. One hub per registry: names are fixed.
 */
export function promYjsMetrics(
  registry: Registry,
  stats: () => { sockets: number; docs: number },
): YjsMetrics {
  const registers = [registry];
  new Gauge({
    name: 'fleetdesk_yjs_open_sockets',
    help: 'Open Yjs WebSocket connections',
    registers,
    collect() {
      this.set(stats().sockets);
    },
  });
  new Gauge({
    name: 'fleetdesk_yjs_docs_loaded',
    help: 'Yjs documents held in memory',
    registers,
    collect() {
      this.set(stats().docs);
    },
  });
  const updates = new Counter({
    name: 'fleetdesk_yjs_updates_total',
    help: 'Yjs updates persisted and broadcast, by origin',
    labelNames: ['origin'] as const,
    registers,
  });
  // Bound once: counted per update, and a labelled inc() hashes its label object every call.
  const updatesByOrigin = {
    client: updates.labels({ origin: 'client' }),
    server: updates.labels({ origin: 'server' }),
  };
  const rejected = new Counter({
    name: 'fleetdesk_yjs_rejected_frames_total',
    help: 'Client frames not applied, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const refused = new Counter({
    name: 'fleetdesk_yjs_refused_upgrades_total',
    help: 'WebSocket upgrades answered with an HTTP error, by status',
    labelNames: ['status'] as const,
    registers,
  });
  const compactions = new Counter({
    name: 'fleetdesk_yjs_compactions_total',
    help: 'Update-log compactions, by where they ran (inline on the event loop, or background)',
    labelNames: ['mode'] as const,
    registers,
  });
  const inlinePause = new Histogram({
    name: 'fleetdesk_yjs_inline_compaction_seconds',
    help: 'Event-loop time of each inline compaction (encode the loaded doc, swap the rows)',
    buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064],
    registers,
  });
  const persistFailures = new Counter({
    name: 'fleetdesk_yjs_persist_failures_total',
    help: 'Updates the store failed to persist (the document was dropped and its clients closed)',
    registers,
  });
  // What an operator looks at when sockets feel slow: the store's share of every update's
  // latency (SQLite: ~60 µs here; a slow disk or a remote store shows here first).
  const commitSeconds = new Histogram({
    name: 'fleetdesk_yjs_commit_seconds',
    help: 'Time the store took to make one group-commit batch durable (every update in it waited for this before broadcast)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers,
  });
  const batchUpdates = new Histogram({
    name: 'fleetdesk_yjs_commit_batch_updates',
    help: 'Updates per group-commit batch (everything accepted in one event-loop turn)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  const remote = new Counter({
    name: 'fleetdesk_yjs_remote_updates_total',
    help: 'Updates from other instances (fan-out), applied to the loaded doc or rejected',
    labelNames: ['result'] as const,
    registers,
  });
  const publishFailures = new Counter({
    name: 'fleetdesk_yjs_fanout_publish_failures_total',
    help: 'Stored updates that could not be published to the other instances (fan-out bus down)',
    registers,
  });
  const catchUps = new Counter({
    name: 'fleetdesk_yjs_fanout_catch_ups_total',
    help: 'Store reads of a loaded doc because fan-out messages may have been lost',
    registers,
  });
  return {
    updateAccepted: (origin) => {
      updatesByOrigin[origin].inc();
    },
    frameRejected: (reason) => {
      rejected.inc({ reason });
    },
    upgradeRefused: (status) => {
      refused.inc({ status: String(status) });
    },
    compacted: (mode, pauseMs) => {
      compactions.inc({ mode });
      if (pauseMs !== undefined) inlinePause.observe(pauseMs / 1000);
    },
    persistFailed: () => {
      persistFailures.inc();
    },
    batchStored: (updates, ms) => {
      commitSeconds.observe(ms / 1000);
      batchUpdates.observe(updates);
    },
    remoteUpdates: (result, count) => {
      remote.inc({ result }, count);
    },
    fanoutPublishFailed: () => {
      publishFailures.inc();
    },
    fanoutCatchUp: () => {
      catchUps.inc();
    },
  };
}
