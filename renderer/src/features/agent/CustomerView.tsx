import type { CustomerDetail } from '../../../../app/contract';
import type { AccountSnapshot } from '../../../../domain/accounts';
import { describeMethod, instant, isExpiredAt } from '../../../../domain/shared';
import { dateTime, locale, PAYMENT_STATUS_LABEL, stageText, formatMoney } from './agent-format';
import { useOperatorQuery } from './use-operator-query';

const watchIds = (d: CustomerDetail): string[] => [
  d.account.id,
  ...d.deliveries.flatMap((x) => [x.delivery.id, ...(x.payment ? [x.payment.id] : [])]),
];

/** One customer: profile, payment methods on file (tokens only), and their deliveries. */
export function CustomerView({
  customerId,
  openDelivery,
  selectedDelivery,
}: {
  customerId: string;
  openDelivery: (deliveryId: string) => void;
  selectedDelivery: string | null;
}) {
  const q = useOperatorQuery('customers.get', { customerId }, watchIds);
  if (q.loading && !q.data)
    return (
      <section className="card" aria-label="Customer" aria-busy="true">
        <p role="status">Loading customer…</p>
      </section>
    );
  if (!q.data)
    return (
      <section className="card" aria-label="Customer">
        <p role="alert" className="error">
          {q.error ?? 'That customer could not be loaded.'}
        </p>
      </section>
    );
  const { account, deliveries } = q.data;
  return (
    <section className="card" aria-labelledby="customer-title">
      <h2 id="customer-title">{account.body.name}</h2>
      <Profile account={account.body} />
      <h3 id="methods-title">Payment methods on file</h3>
      <MethodsOnFile account={account.body} />
      <h3 id="deliveries-title">Deliveries</h3>
      {deliveries.length === 0 ? (
        <p>No deliveries.</p>
      ) : (
        <table className="deliveries" aria-labelledby="deliveries-title">
          <thead>
            <tr>
              <th scope="col">Delivery</th>
              <th scope="col">Window</th>
              <th scope="col">Stage</th>
              <th scope="col">Payment</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map(({ delivery, payment }) => (
              <tr key={delivery.id} aria-current={selectedDelivery === delivery.id || undefined}>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => openDelivery(delivery.id)}
                    aria-label={`Open delivery ${delivery.body.parcel.tag}`}
                  >
                    {delivery.body.parcel.tag}
                  </button>
                </td>
                <td>{dateTime(delivery.body.window.start)}</td>
                <td className={delivery.pending.length > 0 ? 'pending-value' : undefined}>
                  {stageText(delivery.body.stage, delivery.pending)}
                </td>
                <td>
                  {payment
                    ? `${formatMoney(payment.body.amount, locale())} · ${PAYMENT_STATUS_LABEL[payment.body.status] ?? payment.body.status}`
                    : '—'}
                  {payment && payment.pending.length > 0 && (
                    <span className="badge state-processing"> change pending</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Profile({ account }: { account: AccountSnapshot }) {
  const a = account.address;
  return (
    <dl className="facts" aria-label="Profile">
      <dt>Phone</dt>
      <dd>{account.phone}</dd>
      <dt>Email</dt>
      <dd>{account.email}</dd>
      <dt>Address</dt>
      <dd>
        {a.line1}, {a.postcode} {a.city}, {a.country}
      </dd>
    </dl>
  );
}

function MethodsOnFile({ account }: { account: AccountSnapshot }) {
  const now = instant(Date.now());
  if (account.paymentMethods.length === 0) return <p>No payment methods on file.</p>;
  return (
    <ul className="methods" aria-labelledby="methods-title">
      {account.paymentMethods.map((m) => (
        <li key={m.token}>
          {describeMethod(m)}
          {isExpiredAt(m, now) && <span className="badge state-failed"> Expired</span>}
        </li>
      ))}
    </ul>
  );
}
