import type { Logger } from 'pino';
import type { DocCompactor } from './doc-compactor.port';
import type { YjsMetrics } from '../hub/yjs-metrics';

/** How a background job ended, as a document sees it. */
export type BackgroundOutcome = 'compacted' | 'nothing-done' | 'failed' | 'unavailable';

/**
 * The hub's side of background compaction: at most one job per document name in flight,
 * across unloads and reloads of the document (a reloaded doc is a new HubDoc, the rows are
 * the same). Documents decide when; this only posts the job and reports how it ended.
 */
export class CompactionScheduler {
  private readonly inFlight = new Set<string>();
  private reportedGone = false;

  constructor(
    private readonly compactor: DocCompactor | undefined,
    private readonly log: Logger,
    private readonly metrics: YjsMetrics,
  ) {}

  /** Whether a job for `docName` is still running (then there is nothing to start). */
  busy(docName: string): boolean {
    return this.inFlight.has(docName);
  }

  /**
   * Posts a job; `false` if there is no running compactor, and the caller compacts inline.
   * `done` runs once, from a later turn, and must not throw; `mergedBytes` is the size of the
   * row that replaced the compacted ones (only for 'compacted').
   */
  start(
    docName: string,
    uptoSeq: number,
    done: (outcome: BackgroundOutcome, mergedBytes?: number) => void,
  ): boolean {
    if (this.compactor === undefined) return false;
    if (!this.compactor.running) {
      this.reportGone();
      return false;
    }
    this.inFlight.add(docName);
    this.compactor.compact(docName, uptoSeq).then(
      (result) => {
        this.inFlight.delete(docName);
        if (result.compacted) {
          this.metrics.compacted('background');
          done('compacted', result.mergedBytes);
        } else done('nothing-done');
      },
      (err: unknown) => {
        this.inFlight.delete(docName);
        // Compaction is an optimisation; the log is intact either way.
        if (this.compactor?.running === false) {
          this.reportGone();
          done('unavailable');
        } else {
          this.log.warn({ err, doc: docName }, 'yjs background compaction failed');
          done('failed');
        }
      },
    );
    return true;
  }

  private reportGone(): void {
    if (this.reportedGone) return;
    this.reportedGone = true;
    this.log.error('yjs compaction worker gone; compacting on the event loop from now on');
  }
}
