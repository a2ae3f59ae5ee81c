import { useState } from 'react';
import type { EffectiveRecord, OutboxEntryView, PaymentBody } from '../../../../app/contract';
import { describeMethod } from '../../../../domain/shared';
import { ChangePaymentForm } from './ChangePaymentForm';
import { CommandProgress } from '../../shared/CommandProgress';
import { locale, PAYMENT_STATUS_LABEL, shortMethod, formatMoney } from './agent-format';

const STEP_LABEL: Record<string, string> = {
  requested: 'Requested',
  'old-voided': 'Original hold released',
  'new-authorized': 'New card authorized',
  // One word per state: a finished change reads "Done", as its command does.
  completed: 'Done',
  'restoring-old': 'Restoring the original hold',
  'failed-declined': 'Declined — original method kept',
  'failed-void-refused': 'Original hold could not be released',
  'failed-restore': 'Failed to restore the original hold',
};

const RELEASE_LABEL: Record<string, string> = {
  requested: 'Releasing the hold (order cancelled); waiting for the card company',
  released: 'Hold released',
  'void-refused':
    "The card company would not release the hold; it is on the supervisors' escalation list",
};

/** Why the change button is off, as a sentence the agent can read out; null when it is on. */
function lockedReason(
  p: PaymentBody,
  inProgress: boolean,
  orderCancelled: boolean,
  cancelPending: boolean,
): string | null {
  if (p.status === 'settled')
    return 'This order has already been charged; its payment method can no longer change.';
  if (cancelPending && !p.release && p.status !== 'released')
    return 'A cancel of this order is pending — not yet confirmed. The payment hold stays until the server confirms the cancel.';
  if (p.release || p.status === 'released' || orderCancelled)
    return 'This order is cancelled, so its payment hold is released and nothing will be charged.';
  if (inProgress) return 'A payment method change is in progress.';
  return null;
}

/** The delivery's payment as it stands now (refreshed on every change the core reports). */
export function PaymentPanel({
  payment,
  orderCancelled = false,
  cancelPending = false,
}: {
  payment: EffectiveRecord<PaymentBody> | null;
  /** The delivery is cancelled (perhaps only by this desk's queued command): no changes. */
  orderCancelled?: boolean;
  /** This desk's cancel of the order waits for the server: nothing is released yet. */
  cancelPending?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [issued, setIssued] = useState<OutboxEntryView | null>(null);
  if (!payment)
    return (
      <section className="card" aria-labelledby="payment-title">
        <h3 id="payment-title">Payment</h3>
        <p>No payment for this delivery.</p>
      </section>
    );
  const p = payment.body;
  const change = p.change;
  const inProgress =
    p.requestedMethod !== undefined ||
    (change !== null &&
      !['completed', 'failed-declined', 'failed-void-refused', 'failed-restore'].includes(
        change.step,
      ));
  const locked = lockedReason(p, inProgress, orderCancelled, cancelPending);
  return (
    <section className="card" aria-labelledby="payment-title">
      <h3 id="payment-title">Payment</h3>
      <dl className="facts" aria-label="Payment details">
        <dt>Amount</dt>
        <dd>{formatMoney(p.amount, locale())}</dd>
        <dt>Current method</dt>
        <dd data-testid="current-method">{describeMethod(p.method)}</dd>
        <dt>Status</dt>
        <dd>{PAYMENT_STATUS_LABEL[p.status] ?? p.status}</dd>
        {inProgress && (
          <>
            <dt>Change in progress</dt>
            <dd>
              {p.requestedMethod
                ? `Switching to ${shortMethod(p.requestedMethod)} (waiting for the server)`
                : change
                  ? `Switching to ${shortMethod(change.newMethod)}: ${STEP_LABEL[change.step] ?? change.step}`
                  : ''}
            </dd>
          </>
        )}
        {p.release && (
          <>
            <dt>Hold</dt>
            <dd>{RELEASE_LABEL[p.release.step] ?? p.release.step}</dd>
          </>
        )}
        {!inProgress && change && (
          <>
            <dt>Last change</dt>
            <dd>
              {shortMethod(change.previousMethod)} → {shortMethod(change.newMethod)}:{' '}
              {STEP_LABEL[change.step] ?? change.step}
            </dd>
          </>
        )}
      </dl>
      {issued && <CommandProgress entry={issued} label="Payment method change" />}
      {open ? (
        <ChangePaymentForm
          payment={payment}
          onIssued={(e) => {
            setIssued(e);
            setOpen(false);
          }}
          onClose={() => setOpen(false)}
        />
      ) : (
        <button
          type="button"
          disabled={locked !== null}
          aria-describedby={locked !== null ? 'payment-locked' : undefined}
          onClick={() => {
            setIssued(null);
            setOpen(true);
          }}
        >
          Change payment method
        </button>
      )}
      {locked !== null && !open && (
        <p id="payment-locked" className="muted">
          {locked}
        </p>
      )}
    </section>
  );
}
