import { useEffect, useState } from 'react';
import type { DeskStatusView } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';

const when = (ms: number | null): string =>
  ms === null ? '' : ` on ${new Date(ms).toLocaleString()}`;

/**
 * On the sign-in page: why this desk is signed out or empty (revoked by an
 * administrator), and how it protects its data at rest — in the desk's own
 * words, never more than it gives.
 */
export function DeskNotice() {
  const client = useOperator();
  const [status, setStatus] = useState<DeskStatusView | null>(null);
  useEffect(() => {
    let live = true;
    void client.call('desk.status', {}).then((r) => {
      if (live && r.ok) setStatus(r.value);
    });
    const off = client.on('desk.changed', (s) => setStatus(s));
    return () => {
      live = false;
      off();
    };
  }, [client]);
  if (!status) return null;
  const revoked = status.revoked;
  return (
    <>
      {revoked && (
        <p role="alert" className="error">
          This desk was revoked by an administrator{when(revoked.revokedAt)}
          {revoked.reason ? ` (${revoked.reason})` : ''}. Its data was removed from this computer;{' '}
          {revoked.reportedCommands} unsent change(s) and {revoked.unsentDocumentEdits} note edit(s)
          were reported to the server as not done. Nobody can sign in on this desk again; ask your
          administrator to set it up anew.
        </p>
      )}
      {!revoked && status.signedOutReason && (
        <p role="alert" className="error">
          {status.signedOutReason}
        </p>
      )}
      <p className="data-protection">Data on this computer: {status.dataProtection}.</p>
    </>
  );
}
