import { useState } from 'react';
import { useOperator } from '../../shared/operator-context';
import { useAppDispatch } from '../../app/store';
import { signedOut } from './session-slice';

/**
 * Sign out, choosing what happens to this computer's copy: keep it for
 * offline use (the next sign-in starts where this one stopped), or remove it
 * (the replica and its key are deleted; refused while changes are unsent).
 */
export function SignOutMenu() {
  const client = useOperator();
  const dispatch = useAppDispatch();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOut(removeData: boolean): Promise<void> {
    setBusy(true);
    setError(null);
    const r = await client.call('session.logout', removeData ? { removeData } : {});
    setBusy(false);
    if (r.ok) dispatch(signedOut());
    else setError(r.error.message);
  }

  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Sign out
      </button>
    );
  return (
    <div role="dialog" aria-label="Sign out" className="sign-out">
      <button type="button" disabled={busy} onClick={() => void signOut(false)}>
        Keep data for offline use
      </button>
      <button type="button" disabled={busy} onClick={() => void signOut(true)}>
        Remove data from this computer
      </button>
      <button type="button" disabled={busy} onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
