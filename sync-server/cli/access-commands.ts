import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DESK_ID } from '../auth';
import { RevocationStore } from '../access';
import { openServerDatabase } from '../storage';

/**
 * `revoke --data <dir> (--user <id> | --desk <id>) [--reason text]` and
 * `access --data <dir>` (revocations, desks seen, loss reports). They write
 * the server's SQLite file directly, also while the server runs (WAL): the
 * next request of that user or desk is refused.
 */
export function runAccessCommand(
  command: 'revoke' | 'access',
  dataDir: string,
  flag: (name: 'user' | 'desk' | 'reason') => string | undefined,
  print: (line: string) => void,
): number {
  const file = join(dataDir, 'fleetdesk.sqlite');
  if (!existsSync(file)) throw new Error(`no server database in ${dataDir}`);
  const db = openServerDatabase(file);
  try {
    const store = new RevocationStore(db);
    if (command === 'access') {
      for (const r of store.revocations())
        print(
          `revoked ${r.kind} ${r.subject} at ${new Date(r.revokedAt).toISOString()}: ${r.reason}`,
        );
      for (const d of store.desks()) {
        const lost = store.lossReports(d.deskId);
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
    store.revoke(
      user !== undefined ? 'user' : 'desk',
      subject,
      flag('reason') ?? 'revoked by an administrator',
      Date.now(),
    );
    print(`revoked ${user !== undefined ? 'user' : 'desk'} ${subject}`);
    return 0;
  } finally {
    db.close();
  }
}
