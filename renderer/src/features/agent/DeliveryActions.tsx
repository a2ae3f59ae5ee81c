import { useState } from 'react';
import type { ApiResult, EffectiveRecord, OutboxEntryView } from '../../../../app/contract';
import { isBeforePickup, type DeliverySnapshot } from '../../../../domain/shipping';
import { useOperator } from '../../shared/operator-context';
import { CommandProgress } from '../../shared/CommandProgress';
import { STAGE_LABEL } from './agent-format';

const REASONS = [
  ['customer-request', 'Customer request'],
  ['payment-failed', 'Payment failed'],
  ['no-drone-available', 'No drone available'],
  ['other', 'Other'],
] as const;
type Reason = (typeof REASONS)[number][0];
const TWO_HOURS = 2 * 3_600_000;

/** "2026-11-22T14:30" in local time, for a datetime-local input. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Cancel and reschedule: only while the parcel has not been picked up (the reason stays visible). */
export function DeliveryActions({ delivery }: { delivery: EffectiveRecord<DeliverySnapshot> }) {
  const client = useOperator();
  const [reason, setReason] = useState<Reason>('customer-request');
  const [start, setStart] = useState(() =>
    toLocalInput(Math.max(delivery.body.window.start, Date.now() + 3_600_000)),
  );
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ entry: OutboxEntryView; label: string } | null>(null);
  // Cancelling cannot be undone: the first click asks, the second one cancels.
  const [confirming, setConfirming] = useState(false);
  const stage = delivery.body.stage;
  const allowed = isBeforePickup(stage);
  const locked = delivery.pending.length > 0;
  const disabled = !allowed || locked;

  async function run(
    label: string,
    call: () => Promise<ApiResult<OutboxEntryView>>,
  ): Promise<void> {
    setError(null);
    const r = await call();
    if (r.ok) setIssued({ entry: r.value, label });
    else setError(r.error.message);
  }

  const cancel = (): Promise<void> => {
    setConfirming(false);
    return run('Cancel delivery', () =>
      client.call('shipping.cancelDelivery', { deliveryId: delivery.id, reason }),
    );
  };
  const reschedule = (): Promise<void> => {
    const s = new Date(start).getTime();
    if (Number.isNaN(s)) {
      setError('Enter a valid date and time for the new window.');
      return Promise.resolve();
    }
    return run('Reschedule delivery', () =>
      client.call('shipping.rescheduleDelivery', {
        deliveryId: delivery.id,
        window: { start: s, end: s + TWO_HOURS },
      }),
    );
  };

  return (
    <section className="card" aria-labelledby="actions-title">
      <h3 id="actions-title">Cancel or reschedule</h3>
      {disabled && (
        <p id="actions-locked" className="muted">
          {locked
            ? 'A change to this delivery is waiting for the server.'
            : stage === 'cancelled' || stage === 'completed' || stage === 'failed'
              ? `This delivery is ${STAGE_LABEL[stage].toLowerCase()}; it can no longer be cancelled or rescheduled.`
              : 'The parcel has already been picked up, so the delivery can no longer be cancelled or rescheduled.'}
        </p>
      )}
      <div className="action-row">
        <label htmlFor="cancel-reason">Cancel reason</label>
        <select
          id="cancel-reason"
          value={reason}
          disabled={disabled}
          onChange={(e) => setReason(e.target.value as Reason)}
        >
          {REASONS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        {!confirming && (
          <button
            type="button"
            disabled={disabled}
            aria-describedby={disabled ? 'actions-locked' : undefined}
            onClick={() => setConfirming(true)}
          >
            Cancel delivery
          </button>
        )}
      </div>
      {confirming && !disabled && (
        <div role="group" aria-labelledby="cancel-confirm-text" className="action-row confirm">
          <p id="cancel-confirm-text">
            Cancel this delivery? This cannot be undone: the drone is released and the payment hold
            is voided, so nothing is charged.
          </p>
          <button type="button" onClick={() => void cancel()}>
            Yes, cancel the delivery
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep the delivery
          </button>
        </div>
      )}
      <div className="action-row">
        <label htmlFor="new-window-start">New window start</label>
        <input
          id="new-window-start"
          type="datetime-local"
          value={start}
          disabled={disabled}
          onChange={(e) => setStart(e.target.value)}
          aria-describedby="window-hint"
        />
        <span id="window-hint" className="muted">
          The window lasts two hours.
        </span>
        <button
          type="button"
          disabled={disabled}
          aria-describedby={disabled ? 'actions-locked' : undefined}
          onClick={() => void reschedule()}
        >
          Reschedule delivery
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {issued && <CommandProgress entry={issued.entry} label={issued.label} />}
    </section>
  );
}
