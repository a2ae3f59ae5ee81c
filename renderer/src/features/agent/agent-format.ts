import type { Money, PaymentMethodRef } from '../../../../domain/shared';
import { locale } from '../../shared/format';
import { formatMoney as formatMoneyIn } from '../../shared/money-format';
import { STAGE_NAME, type DeliveryStage } from '../../../../domain/shipping';

export { dateTime, locale, timeOnly } from '../../shared/format';

/** "€12.30" in the agent's locale, from integer minor units. */
export const formatMoney = (amount: Money, at = locale()): string => formatMoneyIn(amount, at);

/** "Visa ending 4242" — what an agent reads out (never more than the last four digits). */
export function shortMethod(m: PaymentMethodRef): string {
  return `${m.brand.charAt(0).toUpperCase()}${m.brand.slice(1)} ending ${m.last4}`;
}

export const STAGE_LABEL: Readonly<Record<DeliveryStage, string>> = STAGE_NAME;

/**
 * What a delivery's stage reads while this desk's own command on it waits for the server:
 * the optimistic value is never shown as if it were the server's (an agent reading it out
 * would promise what the server may refuse).
 */
const PENDING_STAGE_LABEL: Record<string, string> = {
  'shipping.cancelDelivery': 'Cancel pending — not yet confirmed',
  'shipping.rescheduleDelivery': 'Reschedule pending — not yet confirmed',
  'shipping.assignDrone': 'Drone assignment pending — not yet confirmed',
};

/** The pending sentence for a delivery, or null when no command of this desk waits on it. */
export function pendingStage(pending: readonly { name: string }[]): string | null {
  for (const p of pending) {
    const label = PENDING_STAGE_LABEL[p.name];
    if (label) return label;
  }
  return null;
}

/** The stage as the agent should read it: the server's word, or what is still pending. */
export function stageText(stage: DeliveryStage, pending: readonly { name: string }[]): string {
  return pendingStage(pending) ?? STAGE_LABEL[stage];
}

export const PAYMENT_STATUS_LABEL: Record<string, string> = {
  authorized: 'Authorized (amount on hold)',
  unauthorized: 'No active hold',
  settled: 'Charged',
  released: 'Released — order cancelled, nothing will be charged',
};
