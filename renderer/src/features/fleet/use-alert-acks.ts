import { useEffect, useState } from 'react';
import type { AlertAckView, RegionStatusView } from '../../../../app/contract';
import { alertCause } from './alert-cause';
import { useOperator } from '../../shared/operator-context';
import { formatClock } from './fleet-model';

/** An alert row: a drone's (fleet-slice) or the region's (card payments). */
export interface AlertItem {
  readonly key: string;
  readonly droneId: string | null;
  readonly kind: string;
  readonly text: string;
  readonly cause: string;
  readonly critical: boolean;
}

/**
 * Acknowledgements from the region's dispatch document, by alert key; reloaded when any desk
 * changes one (the core pushes `alerts.acksChanged`).
 */
export function useAlertAcks(): ReadonlyMap<string, AlertAckView> {
  const client = useOperator();
  const [acks, setAcks] = useState<ReadonlyMap<string, AlertAckView>>(new Map());
  useEffect(() => {
    let live = true;
    const load = (): void => {
      void client.call('alerts.acks', {}).then((r) => {
        if (live && r.ok) setAcks(new Map(r.value.map((a) => [a.alertKey, a])));
      });
    };
    load();
    const off = client.on('alerts.acksChanged', load);
    return () => {
      live = false;
      off();
    };
  }, [client]);
  return acks;
}

/** Card payments in trouble, as the region's status says (the server's word, shared). */
export function gatewayAlert(status: RegionStatusView | null): AlertItem | null {
  const payments = status?.payments ?? null;
  if (payments === null || payments.level === 'ok') return null;
  const level = payments.level;
  return {
    key: 'region:payments',
    droneId: null,
    kind: 'gateway',
    text: `Card payments ${level === 'down' ? 'down' : 'degraded'} since ${formatClock(payments.since)}`,
    cause: alertCause(level, payments.since),
    critical: level === 'down',
  };
}

/** An acknowledgement still covers an alert only while its cause is the same. */
export const covers = (ack: AlertAckView | undefined, alert: AlertItem): boolean =>
  ack !== undefined && ack.cause === alert.cause;
