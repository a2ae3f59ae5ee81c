import { useState } from 'react';
import { useOperator } from '../../shared/operator-context';
import { useAppDispatch, useAppSelector } from '../../app/store';
import type { OpenDelivery } from '../../shared/subject';
import { EntrySubject } from './EntrySubject';
import { COMMAND_STATE_LABEL } from '../../shared/command-state';
import { allEntries, outboxListed, outboxSelectors } from '../../shared/outbox-slice';

/** "Pending" and "Needs attention": every command this desk issued that is not settled yet. */
export function PendingPanel({ openDelivery = null }: { openDelivery?: OpenDelivery | null }) {
  const client = useOperator();
  const dispatch = useAppDispatch();
  const entries = useAppSelector((s) => outboxSelectors.selectAll(s.outbox));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const pending = entries.filter(
    (e) => e.state === 'queued' || e.state === 'sending' || e.state === 'processing',
  );
  const attention = entries.filter((e) => e.state === 'rejected' || e.state === 'failed');

  /** Retry or discard, then reload the list so the panel shows the core's word, not a guess. */
  async function act(kind: 'outbox.retry' | 'outbox.discard', key: string): Promise<void> {
    setBusy(key);
    setError(null);
    const r = await client.call(kind, { idempotencyKey: key });
    if (!r.ok) setError(r.error.message);
    const list = await client.call('outbox.list', {});
    setBusy(null);
    if (list.ok) dispatch(outboxListed(allEntries(list.value)));
  }

  return (
    <section className="panel" aria-labelledby="pending-title">
      <h2 id="pending-title">Pending</h2>
      {pending.length === 0 ? (
        <p>Nothing waiting.</p>
      ) : (
        <ul aria-label="Pending commands">
          {pending.map((e) => (
            <li key={e.idempotencyKey}>
              <span>{e.summary}</span>
              <EntrySubject target={e.target} open={openDelivery} />{' '}
              <span className={`badge state-${e.state}`}>{COMMAND_STATE_LABEL[e.state]}</span>
            </li>
          ))}
        </ul>
      )}
      <h2 id="attention-title">Needs attention</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {attention.length === 0 ? (
        <p>Nothing needs attention.</p>
      ) : (
        <ul aria-labelledby="attention-title">
          {attention.map((e) => (
            <li key={e.idempotencyKey}>
              <span>{e.summary}</span>
              <EntrySubject target={e.target} open={openDelivery} />{' '}
              <span className={`badge state-${e.state}`}>{COMMAND_STATE_LABEL[e.state]}</span>
              <p className="reason">{e.error?.reason}</p>
              <button
                type="button"
                disabled={busy === e.idempotencyKey}
                onClick={() => void act('outbox.retry', e.idempotencyKey)}
              >
                Retry {e.summary}
              </button>{' '}
              <button
                type="button"
                disabled={busy === e.idempotencyKey}
                onClick={() => void act('outbox.discard', e.idempotencyKey)}
              >
                Discard {e.summary}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
