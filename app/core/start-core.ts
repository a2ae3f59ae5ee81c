import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { CommandBuilder, EffectiveView } from '../commands';
import {
  validateCall,
  type ApiResult,
  type OperatorEventName,
  type OperatorEvents,
} from '../contract';
import { DEFAULT_FEED_OPTIONS, FeedConsumer } from '../feed';
import type { OperatorCore, OperatorEventListener } from '../host';
import { ServerClient } from '../net';
import { OutboxSender, OutboxStore, toEntryView } from '../outbox';
import {
  openReadableReplica,
  openWritableReplica,
  RecordReader,
  ReplicaWorker,
  SearchBuilder,
  sqliteFileFormat,
} from '../replica';
import { ReplicaSearch } from '../search';
import {
  KeyFileStore,
  profileReplicaPath,
  resolveProfileKey,
  type ProfileKeyStore,
} from '../keystore';
import { AccessTokens, SessionStore, type RevocationNotice } from '../session';
import { SyncStatusTracker } from '../status';
import { TelemetryClient } from '../telemetry';
import { createCollabFacade } from './collab-facade';
import { reportLossThenWipe, unsentWork, type DeskRevokedNotice } from './desk-revocation';
import { lockProfile } from './profile-lock';
import {
  createOperatorHandlers,
  type CollabFacade,
  type OperatorHandlers,
} from './operator-handlers';

export interface CoreConfig {
  readonly syncServerUrl: string;
  readonly profileDir: string;
  /** The area this desktop watches on the fleet map: west, south, east, north. */
  readonly area?: readonly [number, number, number, number];
  /** Region of this desk's shared boards (board/<region>/<day>) and status/<region>. Default 'berlin'. */
  readonly region?: string;
  /** Run the collaborative documents (default true; benchmarks of other paths turn it off). */
  readonly collab?: boolean;
  readonly feedWaitMs?: number;
  readonly sender?: { baseDelayMs: number; maxDelayMs: number; idleMs: number };
  /** Keeps the replica's key: the browser host's 0600 key file by default; Electron passes its own. */
  readonly keyStore?: ProfileKeyStore;
  /**
   * The server revoked this desk and recorded what it still had: remove its data
   * (startDesk closes this core and deletes the profile's files). Without it the
   * core only stops syncing.
   */
  readonly onDeskRevoked?: (notice: DeskRevokedNotice) => Promise<void>;
}

/** The core of one profile's replica, as startDesk and the tests use it. */
export type ReplicaCore = OperatorCore & {
  readonly dbPath: string;
  readonly dataProtection: string;
  /** Why the operator was signed out by the server (user revoked), if so. */
  signedOutReason(): string | null;
  unsentWork(): ReturnType<typeof unsentWork>;
};

const BERLIN: readonly [number, number, number, number] = [13.0, 52.3, 13.8, 52.7];

/**
 * Starts the desktop core for one operator profile: opens the replica, restores
 * the session, and (when signed in) runs the feed consumer, the outbox sender,
 * the telemetry client and the collaborative documents. Everything the UI does
 * goes through `call`, validated against the operator-API contract.
 */
export async function startCore(config: CoreConfig): Promise<ReplicaCore> {
  mkdirSync(config.profileDir, { recursive: true });
  // One core per profile (ProfileInUseError otherwise), before anything touches the replica.
  const profileLock = lockProfile(config.profileDir);
  const dbPath = profileReplicaPath(config.profileDir);
  let db: ReturnType<typeof openWritableReplica>;
  let readDb: ReturnType<typeof openReadableReplica>;
  const keyStore = config.keyStore ?? new KeyFileStore(config.profileDir);
  try {
    // The replica is encrypted with the profile's key (a plain one is encrypted once, here);
    // a missing or wrong key stops the desk with a clear error and touches no data.
    const key = await resolveProfileKey(keyStore, sqliteFileFormat(dbPath));
    db = openWritableReplica(dbPath, key);
    readDb = openReadableReplica(dbPath, key);
  } catch (error) {
    profileLock.release();
    throw error;
  }
  const protection = `replica encrypted (SQLCipher 4); ${keyStore.protection().description}`;
  // Checkpoints and the post-snapshot index build run on this thread, off the core's event loop.
  const replicaWorker = ReplicaWorker.start(db);
  // Builds the full-text index on a third thread, following the first snapshot as it commits.
  const searchBuilder = SearchBuilder.start(db);
  const listeners = new Set<OperatorEventListener>();
  const emit = <E extends OperatorEventName>(event: E, payload: OperatorEvents[E]): void => {
    for (const l of listeners) l(event, payload);
  };

  const session = new SessionStore(db);
  const desktopId = session.desktopId(() => `desk-${randomUUID().slice(0, 8)}`);
  // Short-lived, desk-bound access tokens (refreshed with the sign-in token); revocation ends here.
  let closing = false;
  const access: AccessTokens = new AccessTokens({
    server: new ServerClient(config.syncServerUrl, () => null),
    signInToken: () => session.token(),
    deskId: desktopId,
    now: Date.now,
    onRevoked: (notice) => void revoked(notice),
  });
  const server = new ServerClient(config.syncServerUrl, () => access.token());
  const outbox = new OutboxStore(db);
  const reader = new RecordReader(readDb);
  const view = new EffectiveView(new RecordReader(db), outbox);
  const status = new SyncStatusTracker((s) => emit('sync.statusChanged', s));
  const refreshOutboxStatus = (): void => {
    const c = outbox.counts();
    status.outbox({
      pending: c.queued + c.sending + c.processing,
      needsAttention: c.rejected + c.failed,
    });
  };

  const sender = new OutboxSender(
    outbox,
    server,
    {
      changed: (entry) => {
        refreshOutboxStatus();
        emit('outbox.changed', toEntryView(entry));
      },
      connection: (state, at) =>
        status.outbox(
          state === 'online' ? { state, lastConfirmedAt: at } : { state: 'offline', detail: state },
        ),
    },
    config.sender,
  );
  const feed = new FeedConsumer(
    db,
    server,
    {
      applied: (records) => {
        sender.reconcile(records);
        emit('records.changed', {
          kinds: [...new Set(records.map((r) => r.kind))],
          ids: records.slice(0, 200).map((r) => r.id),
        });
      },
      progress: (p) => {
        status.feed({ phase: p.phase, received: p.received });
        emit('feed.progress', { phase: p.phase, received: p.received });
      },
      connection: (state, at) =>
        status.feed(
          state === 'online' ? { state, lastConfirmedAt: at } : { state: 'offline', detail: state },
        ),
    },
    {
      ...DEFAULT_FEED_OPTIONS,
      waitMs: config.feedWaitMs ?? DEFAULT_FEED_OPTIONS.waitMs,
      ...(replicaWorker ? { bulkSql: replicaWorker.runBulk } : {}),
      ...(searchBuilder ? { searchBuilder } : {}),
    },
  );
  status.feed({ phase: feed.state().phase, received: feed.state().received });
  refreshOutboxStatus();

  let telemetry: TelemetryClient | null = null;
  const collab =
    config.collab === false
      ? undefined
      : createCollabFacade(
          {
            db,
            serverUrl: config.syncServerUrl,
            token: () => access.token(),
            onStatus: (name, patch) => status.document(name, patch),
            onChanged: (deliveryId) => emit('collab.changed', { deliveryId }),
            onRegionStatus: (s) => emit('region.statusChanged', s),
          },
          new RecordReader(db),
          config.region ?? 'berlin',
        );
  const noCollab: CollabFacade = {
    addNote: () => ({
      ok: false,
      error: {
        code: 'COLLAB.UNAVAILABLE',
        message: 'Shared notes are not available on this desktop.',
      },
    }),
    get: () => null,
    regionStatus: () => null,
  };

  let loops: Promise<void>[] = [];
  const startLoops = (): void => {
    if (loops.length > 0) return;
    loops = [feed.run(), sender.run()];
    void access.refresh();
    collab?.resume();
    const s = session.current(Date.now());
    if (s && s.role !== 'agent') {
      telemetry = new TelemetryClient(
        db,
        {
          serverUrl: config.syncServerUrl,
          token: () => access.token(),
          bbox: config.area ?? BERLIN,
          persistEveryMs: 5000,
        },
        {
          fixes: (at, fixes) => emit('fleet.fixes', { at, fixes }),
          connection: (state, at) =>
            status.telemetry(state === 'online' ? { state, lastConfirmedAt: at } : { state }),
        },
      );
      telemetry.start();
    }
  };
  const stopLoops = async (): Promise<void> => {
    feed.stop();
    sender.stop();
    telemetry?.stop();
    telemetry = null;
    await Promise.all(loops);
    loops = [];
  };

  let signedOutReason: string | null = null;
  const handlers: OperatorHandlers = createOperatorHandlers({
    deskStatus: () => ({ dataProtection: protection, revoked: null, signedOutReason }),
    now: Date.now,
    desktopId,
    newKey: () => `${desktopId}:${randomUUID()}`,
    server,
    session,
    reader,
    view,
    search: new ReplicaSearch(readDb),
    builder: new CommandBuilder(view),
    outbox,
    sender,
    status,
    telemetry: () => telemetry,
    collab: collab ?? noCollab,
    onLogin: () => {
      signedOutReason = null;
      startLoops();
    },
    onLogout: () => {
      access.clear();
      void stopLoops();
    },
  });
  /** A revoked user is signed out (data kept); a revoked desk reports its losses, then is wiped. */
  const revoked = async (notice: RevocationNotice): Promise<void> => {
    const signIn = session.token();
    await stopLoops();
    if (notice.kind === 'user' || !signIn) {
      session.clear();
      signedOutReason = 'Your access was revoked by an administrator; ask your supervisor.';
      emit('desk.changed', { dataProtection: protection, revoked: null, signedOutReason });
      return;
    }
    const work = unsentWork(outbox, db);
    await reportLossThenWipe({
      notice,
      server,
      signInToken: signIn,
      deskId: desktopId,
      work,
      stillRunning: () => !closing,
      now: Date.now,
      wipe: config.onDeskRevoked ?? (() => Promise.resolve()),
    });
  };
  if (session.current(Date.now())) startLoops();

  return {
    dbPath,
    dataProtection: protection,
    signedOutReason: () => signedOutReason,
    unsentWork: () => unsentWork(outbox, db),
    async call(name: unknown, payload: unknown): Promise<ApiResult<unknown>> {
      const valid = validateCall(name, payload);
      if (!valid.ok) return valid;
      const handler = handlers[valid.value.method] as (
        input: unknown,
      ) => Promise<ApiResult<unknown>> | ApiResult<unknown>;
      try {
        return await handler(valid.value.input);
      } catch (error) {
        // A bug must not take the core down: report it, keep serving.
        console.error(`operator API ${valid.value.method} failed`, error);
        return {
          ok: false,
          error: {
            code: 'CORE.INTERNAL',
            message: 'Something went wrong on this desktop; the action was not taken.',
          },
        };
      }
    },
    subscribe(listener: OperatorEventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(): Promise<void> {
      closing = true;
      await stopLoops();
      collab?.close();
      await searchBuilder?.stop();
      await replicaWorker?.stop();
      readDb.close();
      db.close();
      profileLock.release();
    },
  };
}
