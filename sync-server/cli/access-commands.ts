import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DESK_ID } from '../auth';
import { RevocationStore, type AccessStore } from '../access';
import { openServerDatabase } from '../storage';

/**
 * `revoke (--user <id> | --desk <id>) [--reason text]` and `access` (revocations, desks
 * seen, loss reports), on whichever store the deployment uses: the server's SQLite file
 * (`--data`, also while the server runs: WAL) or scale-out PostgreSQL (`--storage`). The next
 * request of that user or desk is refused, and the server closes their sockets.
 */
export async function runAccessCommand(
  command: 'revoke' | 'access',
  store: AccessStore,
  flag: (name: 'user' | 'desk' | 'reason') => string | undefined,
  print: (line: string) => void,
): Promise<number> {
  if (command === 'access') {
    for (const r of await store.revocations())
      print(
        `revoked ${r.kind} ${r.subject} at ${new Date(r.revokedAt).toISOString()}: ${r.reason}`,
      );
    for (const d of await store.desks()) {
      const lost = await store.lossReports(d.deskId);
      print(
        `desk ${d.deskId} (user ${d.userId}) last seen ${new Date(d.lastSeen).toISOString()}` +
          (lost.length
            ? `; reported lost: ${lost.map((l) => l.report.commands.length).join('+')} command(s)`
            : ''),
      );
    }
    return 0;
  }
  const user = flag('user');
  const desk = flag('desk');
  if ((user === undefined) === (desk === undefined))
    throw new Error('revoke needs --user <id> or --desk <id>');
  const subject = user ?? desk ?? '';
  if (!DESK_ID.test(subject)) throw new Error('ids are letters, digits and _.:-');
  const reason = flag('reason') ?? 'revoked by an administrator';
  if (reason.length > 300) throw new Error('--reason is at most 300 characters');
  await store.revoke(user !== undefined ? 'user' : 'desk', subject, reason, Date.now());
  print(`revoked ${user !== undefined ? 'user' : 'desk'} ${subject}`);
  return 0;
}

/** The embedded server's access tables in `<dataDir>/fleetdesk.sqlite`, for one command. */
export async function withEmbeddedAccess<T>(
  dataDir: string,
  fn: (store: AccessStore) => Promise<T>,
): Promise<T> {
  const file = join(dataDir, 'fleetdesk.sqlite');
  if (!existsSync(file)) throw new Error(`no server database in ${dataDir}`);
  const db = openServerDatabase(file);
  try {
    return await fn(new RevocationStore(db));
  } finally {
    db.close();
  }
}
