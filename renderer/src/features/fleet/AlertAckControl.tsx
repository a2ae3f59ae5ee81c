import { useState, type SyntheticEvent } from 'react';
import { useOperator } from '../../shared/operator-context';
import type { AlertItem } from './use-alert-acks';

/**
 * "Acknowledge" for one alert. A critical alert first asks for a short reason (the board keeps
 * it with who and when); an ordinary one is taken at once.
 */
export function AlertAckControl({ alert }: { alert: AlertItem }) {
  const client = useOperator();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const send = async (): Promise<void> => {
    const r = await client.call('alerts.acknowledge', {
      alertKey: alert.key,
      cause: alert.cause,
      critical: alert.critical,
      ...(alert.critical ? { reason: reason.trim() } : {}),
    });
    if (r.ok) {
      setError(null);
      setAsking(false);
    } else setError(r.error.message);
  };
  const submit = (e: SyntheticEvent): void => {
    e.preventDefault();
    void send();
  };
  const inputId = `ack-reason-${alert.key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <>
      {!asking && (
        <button
          type="button"
          className="ack"
          aria-label={`Acknowledge ${alert.text}`}
          onClick={() => (alert.critical ? setAsking(true) : void send())}
        >
          Acknowledge
        </button>
      )}
      {asking && (
        <form aria-label={`Acknowledge ${alert.text}`} onSubmit={submit} className="ack-form">
          <label htmlFor={inputId}>Reason (required for a critical alert)</label>{' '}
          <input
            id={inputId}
            value={reason}
            maxLength={200}
            autoFocus
            onChange={(e) => setReason(e.target.value)}
          />{' '}
          <button type="submit">Acknowledge</button>{' '}
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </>
  );
}
