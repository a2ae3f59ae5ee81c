import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { CommandBuilder, EffectiveView } from '../commands';
import {
  validateCall,
  type AnyOperatorResult,
  type OperatorEventName,
  type OperatorEvents,
} from '../contract';
import { DEFAULT_FEED_OPTIONS, FeedConsumer } from '../feed';
import { asCoreCall, type OperatorCore, type OperatorEventListener } from '../host';
import { ServerClient, ServerList } from '../net';
import {
  OutboxSender,
  OutboxStore,
  toEntryView,
  type OutboxEntry,
  type SenderOptions,
} from '../outbox';
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
import { readTrail, TelemetryClient } from '../telemetry';
import { createCollabFacade } from './collab-facade';
import { ConfirmedTimesStore } from './confirmed-times';
import { ensureFeedScope } from './feed-scope';
import { SyncLoops } from './sync-loops';
import { reportLossThenWipe, unsentWork, type DeskRevokedNotice } from './desk-revocation';
import { lockProfile } from './profile-lock';
import {
  createOperatorHandlers,
  type CollabFacade,
  type OperatorHandlers,
} from './operator-handlers';

/** Ids named per `records.changed` event; a bigger batch says `truncated` (listeners reload). */
const MAX_CHANGED_IDS = 200;

export interface CoreConfig {
  /** One sync server origin, or several comma-separated (HostConfig.syncServerUrl). */
  readonly syncServerUrl: string;
  readonly profileDir: string;
  /** The area this desktop watches on the fleet map: west, south, east, north. */
  readonly area?: readonly [number, number, number, number];
  /** Region of this desk's shared boards (board/<region>/<day>) and status/<region>. Default 'berlin'. */
  readonly region?: string;
  /** Run the collaborative documents (default true; benchmarks of other paths turn it off). */
  readonly collab?: boolean;
  readonly feedWaitMs?: number;
  readonly sender?: SenderOptions;
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
  // Every part of the desk follows one list, so a server found dead is left by all of them.
  const servers = new ServerList(config.syncServerUrl.split(','));
  // Short-lived, desk-bound access tokens (refreshed with the sign-in token); revocation ends here.
  let closing = false;
  const access: AccessTokens = new AccessTokens({
    server: new ServerClient(servers, () => null),
    signInToken: () => session.token(),
    deskId: desktopId,
    now: Date.now,
    onRevoked: (notice) => void revoked(notice),
  });
  const server = new ServerClient(servers, () => access.token());
  const outbox = new OutboxStore(db);
  const reader = new RecordReader(readDb);
  const view = new EffectiveView(new RecordReader(db), outbox);
  const feedWaitMs = config.feedWaitMs ?? DEFAULT_FEED_OPTIONS.waitMs;
  const confirmedTimes = new ConfirmedTimesStore(db);
  const status = new SyncStatusTracker({
    onChange: (s) => emit('sync.statusChanged', s),
    // A long poll answers within its wait; 5 s more without an answer is a stall, not "online".
    feedStaleMs: feedWaitMs + 5000,
    outbox: () => {
      const c = outbox.counts();
      const now = Date.now();
      return {
        pending: c.queued + c.sending + c.processing,
        needsAttention: c.rejected + c.failed,
        oldestDueAt: outbox.due(now, 1)[0]?.nextAttemptAt ?? null,
      };
    },
    confirmed: confirmedTimes.load(),
    saveConfirmed: (t) => confirmedTimes.save(t),
  });
  status.start();

  const outboxChanged = (entry: OutboxEntry): void => {
    emit('outbox.changed', toEntryView(entry));
  };
  // The status re-counts the outbox once per answered batch or reconciled page, not per entry:
  // counting 10k entries for each of 10k entries was quadratic (issue 12).
  const outboxSettled = (): void => {
    status.refresh();
  };
  // Settles outbox entries from the command records the feed brings; it never sends, so it
  // works whichever run (or none) the records came from.
  const settler = new OutboxSender(outbox, server, {
    changed: outboxChanged,
    settled: outboxSettled,
  });
  const progress = new FeedConsumer(db, server).state();
  status.feedProgressed({ phase: progress.phase, received: progress.received });

  const collab =
    config.collab === false
      ? undefined
      : createCollabFacade(
          {
            db,
            serverUrl: servers.current(),
            servers,
            token: () => access.token(),
            tokenRefused: () => {
              access.refused();
            },
            onStatus: (name, patch) => status.document(name, patch),
            onChanged: (deliveryId) => emit('collab.changed', { deliveryId }),
            onRegionStatus: (s) => emit('region.statusChanged', s),
            onAlertAcks: () => emit('alerts.acksChanged', {}),
            onDocumentsClosed: () => status.forgetDocuments(),
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
    board: () => null,
    dispatchDoc: () => null,
    regionStatus: () => null,
  };

  const loops = new SyncLoops(
    server,
    status,
    {
      feed: (client, run) => {
        const role = session.current(Date.now())?.role;
        if (role) ensureFeedScope(db, role);
        return new FeedConsumer(
          db,
          client,
          {
            applied: (records) => {
              settler.reconcile(records);
              emit('records.changed', {
                kinds: [...new Set(records.map((r) => r.kind))],
                ids: records.slice(0, MAX_CHANGED_IDS).map((r) => r.id),
                truncated: records.length > MAX_CHANGED_IDS,
              });
            },
            progress: (p) => {
              if (!run.current()) return;
              status.feedProgressed({ phase: p.phase, received: p.received });
              emit('feed.progress', { phase: p.phase, received: p.received });
            },
            connection: run.connection('feed'),
          },
          {
            ...DEFAULT_FEED_OPTIONS,
            waitMs: feedWaitMs,
            ...(replicaWorker ? { bulkSql: replicaWorker.runBulk } : {}),
            ...(searchBuilder ? { searchBuilder } : {}),
          },
        );
      },
      sender: (client, run) =>
        new OutboxSender(
          outbox,
          client,
          { changed: outboxChanged, settled: outboxSettled, connection: run.connection('outbox') },
          config.sender,
        ),
      telemetry: (run) => {
        const s = session.current(Date.now());
        if (!s || s.role === 'agent') return null;
        return new TelemetryClient(
          db,
          {
            serverUrl: servers.current(),
            servers,
            token: () => access.token(),
            bbox: config.area ?? BERLIN,
            persistEveryMs: 5000,
          },
          {
            fixes: (at, fixes) => {
              if (run.current()) emit('fleet.fixes', { at, fixes });
            },
            connection: run.connection('telemetry'),
          },
        );
      },
    },
    // Refused (a revocation closed a socket, or a request got 401): re-check at once.
    () => {
      access.refused();
    },
  );
  const startLoops = (): void => {
    loops.start();
    void access.refresh();
    const role = session.current(Date.now())?.role;
    if (role) collab?.resume(role);
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
    commandQueued: () => {
      status.refresh();
      loops.nudge();
    },
    status,
    telemetry: () => loops.telemetry(),
    collab: collab ?? noCollab,
    trail: (droneId, since) => readTrail(db, droneId, since),
    onLogin: () => {
      signedOutReason = null;
      // A sign-in over a sign-in: the previous operator's access token must not serve this one.
      access.clear();
      startLoops();
      emit('session.changed', session.current(Date.now()));
    },
    onLogout: () => {
      access.clear();
      loops.stop('signed out');
      collab?.suspend();
      emit('session.changed', null);
    },
  });
  /** A revoked user is signed out (data kept); a revoked desk reports its losses, then is wiped. */
  const revoked = async (notice: RevocationNotice): Promise<void> => {
    const signIn = session.token();
    loops.stop('revoked');
    if (notice.kind === 'user' || !signIn) {
      session.clear();
      collab?.suspend();
      signedOutReason = 'Your access was revoked by an administrator; ask your supervisor.';
      emit('desk.changed', { dataProtection: protection, revoked: null, signedOutReason });
      emit('session.changed', null);
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
    call: asCoreCall(async (name, payload) => {
      const valid = validateCall(name, payload);
      if (!valid.ok) return valid;
      // validateCall parsed `input` with this method's schema, so it is this handler's input.
      const handler = handlers[valid.value.method] as (
        input: unknown,
      ) => Promise<AnyOperatorResult> | AnyOperatorResult;
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
    }),
    subscribe(listener: OperatorEventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(): Promise<void> {
      closing = true;
      await loops.close();
      status.close();
      collab?.close();
      await searchBuilder?.stop();
      await replicaWorker?.stop();
      readDb.close();
      db.close();
      profileLock.release();
    },
  };
}
