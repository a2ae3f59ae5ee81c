import { useState, type SyntheticEvent } from 'react';
import type { EffectiveRecord, OutboxEntryView, PaymentBody } from '../../../../app/contract';
import { instant, isExpiredAt } from '../../../../domain/shared';
import { useOperator } from '../../shared/operator-context';
import { locale, shortMethod, formatMoney } from './agent-format';
import { useOperatorQuery } from './use-operator-query';

/**
 * Pick another method already on file (never a card number) and see, before
 * submitting, exactly what will happen to the hold on the customer's card.
 */
export function ChangePaymentForm({
  payment,
  onIssued,
  onClose,
}: {
  payment: EffectiveRecord<PaymentBody>;
  onIssued: (entry: OutboxEntryView) => void;
  onClose: () => void;
}) {
  const client = useOperator();
  const customer = useOperatorQuery(
    'customers.get',
    { customerId: payment.body.customerId },
    (d) => [d.account.id],
  );
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const now = instant(Date.now());
  const current = payment.body.method;
  const methods = (customer.data?.account.body.paymentMethods ?? []).filter(
    (m) => m.token !== current.token,
  );
  const chosen = methods.find((m) => m.token === token) ?? null;
  const amount = formatMoney(payment.body.amount, locale());

  async function submit(e: SyntheticEvent): Promise<void> {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    setError(null);
    const r = await client.call('payments.changeMethod', {
      paymentId: payment.id,
      newMethodToken: chosen.token,
    });
    setBusy(false);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    const entry = r.value;
    onIssued(entry);
  }

  return (
    <form
      className="change-payment"
      aria-label="Change payment method"
      onSubmit={(e) => void submit(e)}
    >
      <div role="radiogroup" aria-labelledby="new-method-label" className="radios">
        <p id="new-method-label" className="legend">
          New payment method
        </p>
        {customer.loading && !customer.data && <p role="status">Loading methods on file…</p>}
        {customer.data && methods.length === 0 && <p>No other payment method on file.</p>}
        {methods.map((m) => {
          const expired = isExpiredAt(m, now);
          return (
            <label key={m.token} className={expired ? 'muted' : undefined}>
              <input
                type="radio"
                name="new-method"
                value={m.token}
                checked={token === m.token}
                disabled={expired}
                onChange={() => setToken(m.token)}
              />
              {shortMethod(m)}, expires {String(m.expiry.month).padStart(2, '0')}/{m.expiry.year}
              {expired && ' (expired)'}
            </label>
          );
        })}
      </div>
      <p className="summary" aria-live="polite">
        {chosen
          ? `The current hold on ${shortMethod(current)} is released and ${shortMethod(chosen)} is authorized for ${amount}.`
          : 'Choose the method the customer wants to pay with.'}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="submit" disabled={!chosen || busy}>
          {busy ? 'Submitting…' : 'Submit payment method change'}
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}
