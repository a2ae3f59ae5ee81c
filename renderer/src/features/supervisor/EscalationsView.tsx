import { useCallback, useEffect, useState } from 'react';
import type { EscalationView } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import { localTime, SubjectLink, type OpenDelivery } from '../../shared/subject';

const KIND_LABEL: Record<EscalationView['kind'], string> = {
  'release-void-refused': 'Hold not released',
  'change-void-refused': 'Original hold not released',
  'restore-failed': 'No payment hold',
  'stuck-processing': 'Payment change stuck',
  'agent-command-failed': 'Agent command failed',
};

/**
 * What a supervisor must look at: refused voids, failed restores, payment changes stuck in
 * processing and agents' failed commands — from this desk's replica, so it works offline; the
 * actions go through the outbox like every command.
 */
export function EscalationsView({ openDelivery }: { openDelivery: OpenDelivery }) {
  const client = useOperator();
  const [items, setItems] = useState<readonly EscalationView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [resolving, setResolving] = useState<string | null>(null);
  const [reason, setReason] = useState('');

  const load = useCallback(() => {
    void client.call('escalations.list', {}).then((r) => {
      if (r.ok) setItems(r.value.escalations);
      else setError(r.error.message);
    });
  }, [client]);

  useEffect(() => {
    load();
    const offs = [
      client.on('records.changed', (e) => {
        if (e.kinds.some((k) => k === 'payment' || k === 'audit')) load();
      }),
      client.on('outbox.changed', () => load()),
    ];
    return () => offs.forEach((off) => off());
  }, [client, load]);

  async function retry(e: EscalationView): Promise<void> {
    if (!e.paymentId) return;
    setError(null);
    const r = await client.call('payments.retryVoid', { paymentId: e.paymentId });
    if (r.ok) setNotice(`Void retry queued: ${r.value.summary}.`);
    else setError(r.error.message);
    load();
  }

  async function resolve(e: EscalationView): Promise<void> {
    if (!e.paymentId) return;
    setError(null);
    const r = await client.call('payments.resolveEscalation', {
      paymentId: e.paymentId,
      reason,
    });
    if (r.ok) {
      setNotice(`Resolution queued: ${r.value.summary}.`);
      setResolving(null);
      setReason('');
    } else setError(r.error.message);
    load();
  }

  return (
    <main className="panel supervisor" aria-labelledby="escalations-title">
      <h1 id="escalations-title">Escalations</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="muted">
        {notice ?? ''}
      </p>
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No escalations: nothing needs a supervisor.</p>
      ) : (
        <ul className="escalations" aria-label="Open escalations">
          {items.map((e) => (
            <li key={e.id} className="card">
              <h2>
                <span className="badge state-failed">{KIND_LABEL[e.kind]}</span>{' '}
                <SubjectLink s={e} open={openDelivery} />
              </h2>
              <p>{e.summary}</p>
              <p className="muted">Since {localTime(e.since)}</p>
              {e.pendingAction && <p className="badge">Action sent — waiting for the server</p>}
              {!e.pendingAction && e.actions.includes('retry-void') && (
                <button type="button" onClick={() => void retry(e)}>
                  Retry the void
                </button>
              )}
              {!e.pendingAction &&
                e.actions.includes('resolve') &&
                (resolving === e.id ? (
                  <form
                    onSubmit={(ev) => {
                      ev.preventDefault();
                      void resolve(e);
                    }}
                  >
                    <label htmlFor={`reason-${e.id}`}>What was done (5–500 characters)</label>
                    <textarea
                      id={`reason-${e.id}`}
                      value={reason}
                      maxLength={500}
                      onChange={(ev) => {
                        setReason(ev.target.value);
                        setError(null);
                      }}
                    />
                    <button type="submit">Resolve</button>{' '}
                    <button type="button" onClick={() => setResolving(null)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <button type="button" onClick={() => setResolving(e.id)}>
                    Resolve with a reason…
                  </button>
                ))}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
