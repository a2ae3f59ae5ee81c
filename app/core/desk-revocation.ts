import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_FILE, profileReplicaPath } from '../keystore';
import type { ServerClient } from '../net';
import type { OutboxStore } from '../outbox';
import { removeSqliteFiles, searchIndexPathFor, type ReadableDb } from '../replica';
import type { RevocationNotice } from '../session';

/** Left in the profile of a revoked desk (no personal data): why it is empty, for the sign-in page. */
export interface DeskRevokedNotice {
  readonly reason: string | null;
  readonly revokedAt: number | null;
  /** Commands the desk still had, now recorded on the server as lost. */
  readonly reportedCommands: number;
  readonly unsentDocumentEdits: number;
  readonly removedAt: number;
}

const NOTICE_FILE = 'revoked.json';

export function readRevokedNotice(profileDir: string): DeskRevokedNotice | null {
  try {
    return JSON.parse(readFileSync(join(profileDir, NOTICE_FILE), 'utf8')) as DeskRevokedNotice;
  } catch {
    return null;
  }
}

export function writeRevokedNotice(profileDir: string, notice: DeskRevokedNotice): void {
  writeFileSync(join(profileDir, NOTICE_FILE), JSON.stringify(notice), { mode: 0o600 });
}

/**
 * Removes everything this desk kept in the profile: the replica (records,
 * outbox, collaborative documents, session), its search file, WALs, and the
 * key — without the key, any copy of the encrypted files (backups, freed disk
 * blocks) is unreadable too. Only for a closed core.
 */
export function removeProfileData(profileDir: string): void {
  const replica = profileReplicaPath(profileDir);
  removeSqliteFiles(replica);
  removeSqliteFiles(searchIndexPathFor(replica));
  removeSqliteFiles(`${replica}.encrypting`);
  rmSync(join(profileDir, KEY_FILE), { force: true });
  rmSync(join(profileDir, 'replica.key.safestorage'), { force: true });
}

/** What would be lost if this desk's data went now: commands not yet settled, and unconfirmed document edits. */
export function unsentWork(
  outbox: OutboxStore,
  db: ReadableDb,
): {
  readonly commands: {
    idempotencyKey: string;
    name: string;
    targetId: string | null;
    state: string;
  }[];
  readonly unsentDocumentEdits: number;
} {
  const commands = outbox
    .inStates(['queued', 'sending', 'processing', 'rejected', 'failed'])
    .map((e) => ({
      idempotencyKey: e.idempotencyKey,
      name: e.name,
      targetId: e.overlay?.id ?? null,
      state: e.state,
    }));
  const { n } = db.prepare('SELECT count(*) AS n FROM yjs_local WHERE local = 1').get() as {
    n: number;
  };
  return { commands, unsentDocumentEdits: n };
}

const REPORT_RETRY_MS = 5_000;

/**
 * A revoked desk's last duty: tell the server what it still had (so nothing
 * vanishes silently), and only once that is recorded hand over to `wipe`.
 * Offline or refused, it keeps the data and tries again every few seconds.
 */
export async function reportLossThenWipe(deps: {
  readonly notice: RevocationNotice;
  readonly server: ServerClient;
  readonly signInToken: string;
  readonly deskId: string;
  readonly work: ReturnType<typeof unsentWork>;
  readonly stillRunning: () => boolean;
  readonly wipe: (notice: DeskRevokedNotice) => Promise<void>;
  readonly now: () => number;
}): Promise<void> {
  for (;;) {
    const reply = await deps.server
      .withToken(deps.signInToken)
      .request('POST', '/api/access/loss-report', {
        deskId: deps.deskId,
        ...deps.work,
      });
    if (reply.status === 200) break;
    if (!deps.stillRunning()) return;
    await new Promise((r) => setTimeout(r, REPORT_RETRY_MS));
    if (!deps.stillRunning()) return;
  }
  await deps.wipe({
    reason: deps.notice.reason,
    revokedAt: deps.notice.revokedAt,
    reportedCommands: deps.work.commands.length,
    unsentDocumentEdits: deps.work.unsentDocumentEdits,
    removedAt: deps.now(),
  });
}
