import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a client frame was not applied. Labels of `fleetdesk_yjs_rejected_frames_total`. */
export type RejectReason =
  'read-only' | 'malformed' | 'text-frame' | 'invalid-update' | 'too-big' | 'rate-limited';

export type UpdateOrigin = 'client' | 'server';

/** Hooks the hub calls; every hook is synchronous and must not throw. */
export interface YjsMetrics {
  updateAccepted(origin: UpdateOrigin): void;
  frameRejected(reason: RejectReason): void;
  upgradeRefused(status: number): void;
  compacted(): void;
  persistFailed(): void;
}

export const noopYjsMetrics: YjsMetrics = {
  updateAccepted: () => undefined,
  frameRejected: () => undefined,
  upgradeRefused: () => undefined,
  compacted: () => undefined,
  persistFailed: () => undefined,
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
    help: 'Update-log compactions',
    registers,
  });
  const persistFailures = new Counter({
    name: 'fleetdesk_yjs_persist_failures_total',
    help: 'Updates the store failed to persist (the document was dropped and its clients closed)',
    registers,
  });
  return {
    updateAccepted: (origin) => {
      updates.inc({ origin });
    },
    frameRejected: (reason) => {
      rejected.inc({ reason });
    },
    upgradeRefused: (status) => {
      refused.inc({ status: String(status) });
    },
    compacted: () => {
      compactions.inc();
    },
    persistFailed: () => {
      persistFailures.inc();
    },
  };
}
