import type { Money, PaymentMethodRef } from '../../../../domain/shared';
import { formatMoney as formatMoneyIn } from '../../../format';
import type { DeliveryStage } from '../../../../domain/shipping';

export const locale = (): string => navigator.language || 'en-GB';

/** "€12.30" in the agent's locale, from integer minor units. */
export const formatMoney = (amount: Money, at = locale()): string => formatMoneyIn(amount, at);

/** "Visa ending 4242" — what an agent reads out (never more than the last four digits). */
export function shortMethod(m: PaymentMethodRef): string {
  return `${m.brand.charAt(0).toUpperCase()}${m.brand.slice(1)} ending ${m.last4}`;
}

export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeOnly(ms: number): string {
  return new Date(ms).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
}

export const STAGE_LABEL: Record<DeliveryStage, string> = {
  created: 'Created',
  scheduled: 'Scheduled',
  'en-route-to-pickup': 'En route to pickup',
  'picked-up': 'Picked up',
  'headed-to-dropoff': 'Headed to drop-off',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export const PAYMENT_STATUS_LABEL: Record<string, string> = {
  authorized: 'Authorized (amount on hold)',
  unauthorized: 'No active hold',
  settled: 'Charged',
  released: 'Released — order cancelled, nothing will be charged',
};

export const COMMAND_STATE_LABEL: Record<string, string> = {
  queued: 'Queued — will send when online',
  sending: 'Sending…',
  processing: 'Processing',
  done: 'Done',
  rejected: 'Rejected',
  failed: 'Failed',
  discarded: 'Discarded',
};
