import { pino } from 'pino';
import type { DocStore } from '../store/doc-store.port';
import { GroupCommit } from '../hub/group-commit';
import type { HubDocDeps } from '../hub/hub-doc';
import { noopYjsMetrics } from '../hub/yjs-metrics';

/**
 * What a `HubDoc` needs in a test without a hub: silent log, no metrics, the production
 * threshold and always-inline compaction (no worker), and a commit queue on `store`.
 * `overrides` replaces any of it (a fan-out, an `onBroken` that records, ...).
 */
export function testHubDocDeps(store: DocStore, overrides: Partial<HubDocDeps> = {}): HubDocDeps {
  return {
    store,
    commits: new GroupCommit(store),
    log: pino({ level: 'silent' }),
    metrics: noopYjsMetrics,
    compactAfter: 500,
    inlineCompactMaxBytes: Number.POSITIVE_INFINITY,
    onBroken: () => undefined,
    ...overrides,
  };
}
