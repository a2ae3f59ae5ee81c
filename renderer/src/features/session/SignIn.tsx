import { useState, type SyntheticEvent } from 'react';
import { useOperator } from '../../shared/operator-context';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { DeskNotice } from './DeskNotice';
import { sessionLoaded, signInFailed } from './session-slice';

/** Sign in with the access token issued to the operator (see README: sync-server token). */
export function SignIn() {
  const client = useOperator();
  const dispatch = useAppDispatch();
  const error = useAppSelector((s) => s.session.error);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: SyntheticEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    const result = await client.call('session.login', { token: token.trim() });
    setBusy(false);
    if (result.ok) dispatch(sessionLoaded(result.value));
    else dispatch(signInFailed(result.error.message));
  }

  return (
    <main className="sign-in">
      <h1>Fleetdesk</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label htmlFor="token">Access token</label>
        <textarea
          id="token"
          aria-describedby="token-hint"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          rows={3}
          autoComplete="off"
          spellCheck={false}
          required
        />
        <p id="token-hint" className="muted">
          Your supervisor or IT issues your access token. Trying the demo? <code>npm start</code>{' '}
          prints three demo tokens (agent, fleet manager, supervisor); a token for any user comes
          from <code>npm run sync-server -- token --user &lt;name&gt; --role agent</code>.
        </p>
        <button type="submit" disabled={busy || token.trim().length < 10}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <DeskNotice />
    </main>
  );
}
