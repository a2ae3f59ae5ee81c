import { describe, expect, it } from 'vitest';
import { Payment, paymentIdForDelivery, type PaymentSnapshot } from '../../domain/payments';
import {
  asId,
  expectOk,
  instant,
  paymentMethodRef,
  type PaymentMethodRef,
} from '../../domain/shared';
import { MemoryRecordStore } from '../records';
import { capturePaymentOnCompletion } from './capture-on-completion';

const NOW = instant(1_795_341_600_000);
const later = instant(NOW + 60_000);
const card = (token: string, last4: string): PaymentMethodRef =>
  expectOk(paymentMethodRef({ token, brand: 'visa', last4, expMonth: 9, expYear: 2030 }));

/** An authorized payment of 24.90 EUR for delivery dlv-1. */
const newPayment = (): Payment =>
  expectOk(
    Payment.create(
      {
        id: asId('Payment', paymentIdForDelivery('dlv-1')),
        deliveryId: asId('Delivery', 'dlv-1'),
        customerId: asId('Customer', 'cus-1'),
        amount: { minor: 2490, currency: 'EUR' },
        method: card('pm_visa4242abc', '4242'),
        authorizationId: asId('Authorization', 'auth-1'),
      },
      NOW,
    ),
  );

async function storeWith(payment: PaymentSnapshot | null): Promise<MemoryRecordStore> {
  const store = new MemoryRecordStore();
  if (payment)
    await store.transact((tx) => tx.put('payment', payment.id, payment.version, payment));
  return store;
}

const read = (store: MemoryRecordStore, id: string) =>
  store.transact((tx) => tx.get<PaymentSnapshot>('payment', id));

describe('capturePaymentOnCompletion', () => {
  it('settles the delivery’s authorized payment in the completion’s transaction', async () => {
    const payment = newPayment().toSnapshot();
    const store = await storeWith(payment);
    await store.transact((tx) =>
      capturePaymentOnCompletion(tx, { deliveryId: payment.deliveryId, now: later }),
    );
    const stored = await read(store, payment.id);
    expect(stored?.body).toMatchObject({ status: 'settled', version: payment.version + 1 });
    expect(stored?.version).toBe(payment.version + 1);
  });

  it('leaves a payment whose method change is still running authorized', async () => {
    const p = newPayment();
    expect(
      p.requestMethodChange({
        commandId: asId('Command', 'cmd-1'),
        newMethod: card('pm_visa1111xyz', '1111'),
        expectedVersion: 1,
        at: NOW,
      }).ok,
    ).toBe(true);
    const payment = p.toSnapshot();
    const store = await storeWith(payment);
    await store.transact((tx) =>
      capturePaymentOnCompletion(tx, { deliveryId: payment.deliveryId, now: later }),
    );
    expect((await read(store, payment.id))?.body).toEqual(payment);
  });

  it('does nothing for a delivery without a payment', async () => {
    const store = await storeWith(null);
    await store.transact((tx) =>
      capturePaymentOnCompletion(tx, { deliveryId: 'dlv-x', now: later }),
    );
    expect(
      await store.transact((tx) => tx.get('payment', paymentIdForDelivery('dlv-x'))),
    ).toBeUndefined();
  });
});
