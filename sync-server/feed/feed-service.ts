import type { Role } from '../../domain/protocol';
import type { Principal } from '../auth';
import type {
  ChangeNotifierPort,
  RecordFilter,
  RecordKind,
  RecordStorePort,
  StoredRecord,
} from '../records';

/**
 * What each role's desktop replicates. Accounts (names, phones, addresses) are
 * not sent to fleet managers; drones are not sent to agents. Command records
 * are always private to their issuer.
 */
export const FEED_KINDS: Readonly<Record<Role, readonly RecordKind[]>> = {
  agent: ['account', 'delivery', 'payment', 'depot', 'zone', 'command'],
  'fleet-manager': ['delivery', 'drone', 'depot', 'zone', 'command'],
  // The audit trail (who did what, from which desk) goes to supervisors and no one else.
  supervisor: ['account', 'delivery', 'payment', 'drone', 'depot', 'zone', 'command', 'audit'],
};

export const MAX_PAGE = 5000;
export const MAX_WAIT_MS = 25_000;

export interface SnapshotReply {
  /** Feed position the snapshot is consistent with; resume `changes` from here. */
  readonly upTo: number;
  readonly records: readonly StoredRecord[];
  readonly nextCursor: string | null;
}

export type ChangesReply =
  | {
      readonly ok: true;
      readonly changes: readonly StoredRecord[];
      /**
       * Where to resume. Past the last returned change when the page was not full:
       * changes this viewer may not see do not make it poll for them forever.
       */
      readonly nextSince: number;
    }
  | { readonly ok: false; readonly code: 'FEED.RESNAPSHOT'; readonly message: string };

const RESNAPSHOT: ChangesReply = {
  ok: false,
  code: 'FEED.RESNAPSHOT',
  message: 'Your copy is too old to catch up incrementally; take a new snapshot.',
};

/**
 * The resumable change feed: a paged snapshot (consistent with one feed
 * position) and then every change after a sequence number, filtered per role.
 */
export class FeedService {
  constructor(
    private readonly store: RecordStorePort,
    private readonly notifier: ChangeNotifierPort,
  ) {}

  filterFor(principal: Principal): RecordFilter {
    return { kinds: FEED_KINDS[principal.role], viewer: principal.userId };
  }

  async snapshot(
    principal: Principal,
    upTo: number | null,
    after: string | null,
    limit: number,
  ): Promise<SnapshotReply> {
    const position = upTo ?? (await this.store.highWaterMark());
    const page = await this.store.snapshotPage(
      this.filterFor(principal),
      position,
      after,
      clampLimit(limit),
    );
    return { upTo: position, records: page.records, nextCursor: page.nextCursor };
  }

  /** Changes after `since`; waits up to `waitMs` for the first one when there is none yet (long poll). */
  async changes(
    principal: Principal,
    since: number,
    limit: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<ChangesReply> {
    // Checked first so a reader that must re-snapshot anyway does not long-poll first.
    if (await this.prunedPast(since)) return RESNAPSHOT;
    const filter = this.filterFor(principal);
    const max = clampLimit(limit);
    // Read the high-water mark *before* the changes: everything at or below it is
    // committed, so skipping to it after a non-full page cannot skip a visible change.
    let hwm = await this.store.highWaterMark();
    let changes = await this.store.changesSince(filter, since, max);
    if (changes.length === 0 && waitMs > 0) {
      await this.waitForChange(Math.max(since, hwm), Math.min(waitMs, MAX_WAIT_MS), signal);
      hwm = await this.store.highWaterMark();
      changes = await this.store.changesSince(filter, since, max);
    }
    // …and again after reading: a prune may have run since the first check (during the
    // long poll, or between two awaits). Prunes only remove a prefix and never undo, so
    // if nothing after `since` is gone now, nothing was gone when the changes were read.
    if (await this.prunedPast(since)) return RESNAPSHOT;
    const last = changes.at(-1)?.seq ?? since;
    return {
      ok: true,
      changes,
      nextSince: changes.length < max ? Math.max(last, hwm, since) : last,
    };
  }

  /** True when entries right after `since` were pruned, so the reader cannot catch up from there. */
  private async prunedPast(since: number): Promise<boolean> {
    const oldest = await this.store.oldestRetainedSeq();
    return oldest > 0 && since < oldest - 1;
  }

  private waitForChange(since: number, waitMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      const unsubscribe = this.notifier.subscribe((seq) => {
        if (seq > since) done();
      });
      signal?.addEventListener('abort', done);
    });
  }
}

const clampLimit = (limit: number): number =>
  Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, MAX_PAGE) : 1000;
