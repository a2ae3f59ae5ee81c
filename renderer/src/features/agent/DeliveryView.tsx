import { useEffect } from 'react';
import type { DeliveryDetail } from '../../../../app/contract';
import { FORWARD_STAGES, type DeliveryStage } from '../../../../domain/shipping';
import { DeliveryActions } from './DeliveryActions';
import { NotesPanel } from '../../shared/NotesPanel';
import { PaymentPanel } from './PaymentPanel';
import { dateTime, pendingStage, STAGE_LABEL, stageText } from './agent-format';
import { useOperatorQuery } from './use-operator-query';

const watchIds = (d: DeliveryDetail): string[] => [
  d.delivery.id,
  ...(d.payment ? [d.payment.id] : []),
  ...(d.drone ? [d.drone.id] : []),
];

/** One delivery: where it is, when, by which drone, its payment, and the shared notes. */
export function DeliveryView({
  deliveryId,
  onCustomerKnown,
}: {
  deliveryId: string;
  onCustomerKnown: (customerId: string) => void;
}) {
  const q = useOperatorQuery('deliveries.get', { deliveryId }, watchIds, deliveryId);
  const customerId = q.data?.delivery.body.customerId;
  useEffect(() => {
    if (customerId) onCustomerKnown(customerId);
  }, [customerId, onCustomerKnown]);
  if (q.loading && !q.data)
    return (
      <section className="card" aria-label="Delivery" aria-busy="true">
        <p role="status">Loading delivery…</p>
      </section>
    );
  if (!q.data)
    return (
      <section className="card" aria-label="Delivery">
        <p role="alert" className="error">
          {q.error ?? 'That delivery could not be loaded.'}
        </p>
      </section>
    );
  const { delivery, payment, drone, collab } = q.data;
  const d = delivery.body;
  const cancelPending = delivery.pending.find((p) => p.name === 'shipping.cancelDelivery') ?? null;
  // A pending reschedule or drone assignment rewrites window, ETA and drone optimistically.
  const tentative = delivery.pending.some((p) => p.name !== 'shipping.cancelDelivery')
    ? 'pending-value'
    : undefined;
  return (
    <section className="delivery" aria-labelledby="delivery-title">
      <div className="card">
        <h2 id="delivery-title">Delivery {d.parcel.tag}</h2>
        <Timeline stage={d.stage} pending={pendingStage(delivery.pending)} />
        <dl className="facts" aria-label="Delivery details">
          <dt>Stage</dt>
          <dd className={delivery.pending.length > 0 ? 'pending-value' : undefined}>
            {stageText(d.stage, delivery.pending)}
          </dd>
          <dt>Window</dt>
          <dd className={tentative}>
            {dateTime(d.window.start)} – {dateTime(d.window.end)}
            {tentative && ' — requested, not yet confirmed'}
          </dd>
          <dt>ETA</dt>
          <dd className={tentative}>
            {d.eta ? dateTime(d.eta.arrivesAt) : 'Not yet estimated'}
            {tentative && ' — until the change is confirmed'}
          </dd>
          <dt>Drone</dt>
          <dd className={tentative}>
            {drone
              ? `${drone.id} (${drone.body.model.name}, battery ${String(drone.body.batteryPct)}%)`
              : (d.droneId ?? 'Not assigned')}
            {tentative && ' — until the change is confirmed'}
          </dd>
          <dt>Reference</dt>
          <dd>{d.id}</dd>
        </dl>
      </div>
      <PaymentPanel
        key={payment?.id ?? 'none'}
        payment={payment}
        orderCancelled={d.stage === 'cancelled' && cancelPending === null}
        cancelPending={cancelPending !== null}
      />
      <DeliveryActions key={delivery.id} delivery={delivery} />
      <NotesPanel deliveryId={delivery.id} notes={collab?.notes ?? null} onAdded={q.reload} />
    </section>
  );
}

/** While a command of this desk waits, the timeline shows the pending step, never its result. */
function Timeline({ stage, pending }: { stage: DeliveryStage; pending: string | null }) {
  const offPath = pending === null && (stage === 'cancelled' || stage === 'failed');
  const reached = FORWARD_STAGES.indexOf(stage);
  return (
    <ol className="timeline" aria-label="Delivery progress">
      {FORWARD_STAGES.map((s, i) => (
        <li
          key={s}
          className={!offPath && pending === null && i <= reached ? 'reached' : undefined}
          aria-current={s === stage && pending === null ? 'step' : undefined}
        >
          {STAGE_LABEL[s]}
          {!offPath && pending === null && i < reached && <span className="sr-only"> (done)</span>}
        </li>
      ))}
      {offPath && (
        <li className="off-path" aria-current="step">
          {STAGE_LABEL[stage]}
        </li>
      )}
      {pending !== null && (
        <li className="pending-value" aria-current="step">
          {pending}
        </li>
      )}
    </ol>
  );
}
