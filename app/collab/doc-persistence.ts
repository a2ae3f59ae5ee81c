import * as Y from 'yjs';
import type { LocalDocStore } from './local-doc-store';
import { RESTORE_ORIGIN } from './transaction-origins';

export interface DocPersistenceOptions {
  /** Rows per document after which the log is compacted into one row. */
  readonly compactAfter: number;
  /** True for updates that came from the server (they are stored, but are not "pending"). */
  readonly isRemote: (origin: unknown) => boolean;
  /** Called after each local edit was handled (stored, or its failure reported). */
  readonly onLocalChange: () => void;
  readonly onError: (error: unknown, during: 'restore' | 'persist' | 'compact') => void;
}

/**
 * Keeps one Y.Doc and its rows in `yjs_local` in step: restores the document from SQLite
 * (construction), then appends every update of any origin but the replay itself,
 * synchronously inside the Y.Doc 'update' handler, so an edit is on disk before the
 * function that made it returns.
 */
export class DocPersistence {
  private rows = 0;
  // After a failed write (disk full, …) the log misses an update: the next write stores the
  // whole document instead, which heals the gap without knowing what was lost.
  private needsFullWrite = false;
  private lostLocal = false;

  /**
   * Replays the stored log into `ydoc` (origin RESTORE_ORIGIN) and starts persisting. A row
   * that cannot be applied is reported through `onError('restore')` and skipped; the rest
   * of the document still loads. Throws only if the database itself fails.
   */
  constructor(
    private readonly store: LocalDocStore,
    private readonly docName: string,
    private readonly ydoc: Y.Doc,
    private readonly options: DocPersistenceOptions,
  ) {
    const stored = store.load(docName);
    ydoc.transact(() => {
      for (const row of stored) {
        try {
          Y.applyUpdate(ydoc, row.data, RESTORE_ORIGIN);
        } catch (cause) {
          options.onError(
            new Error(`Stored row ${row.seq} of ${docName} is unreadable`, { cause }),
            'restore',
          );
        }
      }
    }, RESTORE_ORIGIN);
    this.rows = stored.length;
    ydoc.on('update', this.onUpdate);
    if (this.rows > options.compactAfter) this.compact();
  }

  /** Compacts the log into one row if it has more (e.g. at close, for a fast next start). */
  flush(): void {
    if (this.rows > 1 || this.needsFullWrite) this.compact();
  }

  /** Stops persisting; later updates of the Y.Doc are not stored. */
  detach(): void {
    this.ydoc.off('update', this.onUpdate);
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === RESTORE_ORIGIN) return;
    const local = !this.options.isRemote(origin);
    if (this.needsFullWrite) {
      this.lostLocal ||= local;
      this.compact();
    } else {
      try {
        this.store.append(this.docName, update, local);
        this.rows += 1;
      } catch (error) {
        this.needsFullWrite = true;
        this.lostLocal ||= local;
        this.options.onError(error, 'persist');
      }
      if (this.rows > this.options.compactAfter) this.compact();
    }
    if (local) this.options.onLocalChange();
  };

  private compact(): void {
    try {
      this.store.compact(this.docName, Y.encodeStateAsUpdate(this.ydoc), this.lostLocal);
      this.rows = 1;
      this.needsFullWrite = false;
      this.lostLocal = false;
    } catch (error) {
      // The appended rows are still there (compaction is one transaction); only a failed
      // full write leaves a gap, and needsFullWrite stays set to retry on the next update.
      this.options.onError(error, this.needsFullWrite ? 'persist' : 'compact');
    }
  }
}
