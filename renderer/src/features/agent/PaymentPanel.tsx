import { useState } from 'react';
import type { OutboxEntryView } from '../../../../app/contract';
import { describeMethod } from '../../../../domain/shared';
import { ChangePaymentForm } from './ChangePaymentForm';
import { CommandProgress } from './CommandProgress';
import { locale, PAYMENT_STATUS_LABEL, shortMethod, formatMoney } from './agent-format';
import type { PaymentBody, Rec } from './agent-types';

const STEP_LABEL: Record<string, string> = {
  requested: 'Requested',
  'old-voided': 'Original hold released',
  'new-authorized': 'New card authorized',
  completed: 'Completed',
  'restoring-old': 'Restoring the original hold',
  'failed-declined': 'Declined — original method kept',
  'failed-void-refused': 'Original hold could not be released',
  'failed-restore': 'Failed to restore the original hold',
};

/** The delivery's payment as it stands now (refreshed on every change the core reports). */
export function PaymentPanel({ payment }: { payment: Rec<PaymentBody> | null }) {
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
          disabled={p.status === 'settled' || inProgress}
          aria-describedby={p.status === 'settled' || inProgress ? 'payment-locked' : undefined}
          onClick={() => {
            setIssued(null);
            setOpen(true);
          }}
        >
          Change payment method
        </button>
      )}
      {(p.status === 'settled' || inProgress) && !open && (
        <p id="payment-locked" className="muted">
          {p.status === 'settled'
            ? 'This order has already been charged; its payment method can no longer change.'
            : 'A payment method change is in progress.'}
        </p>
      )}
    </section>
  );
}
