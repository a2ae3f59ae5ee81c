import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  DeliveryBoardView,
  DispatchCandidatesView,
  DispatchQueueView,
} from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';

/** Deliveries waiting for a drone, or scheduled ones (drone assigned, not yet left) to reassign. */
export type QueueShow = 'waiting' | 'scheduled';

/** Coalesces bursts of change events (the simulator moves many deliveries at once). */
const RELOAD_DELAY_MS = 300;

/**
 * The dispatch queue, kept current by the core's pushes: records (deliveries, drones), this
 * desk's outbox, and board changes from any desk. No polling.
 */
export function useDispatchQueue(show: QueueShow): {
  queue: DispatchQueueView | null;
  error: string | null;
} {
  const client = useOperator();
  // Tagged with its list, so switching lists never shows the other list's rows for a moment.
  const [queue, setQueue] = useState<(DispatchQueueView & { show: QueueShow }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = (): void => {
      void client.call('dispatch.queue', { show }).then((r) => {
        if (!live) return;
        if (r.ok) {
          setQueue({ ...r.value, show });
          setError(null);
        } else setError(r.error.message);
      });
    };
    const soon = (): void => {
      timer ??= setTimeout(() => {
        timer = null;
        load();
      }, RELOAD_DELAY_MS);
    };
    load();
    const offs = [
      client.on('records.changed', (e) => {
        if (e.kinds.includes('delivery') || e.kinds.includes('zone')) soon();
      }),
      client.on('outbox.changed', soon),
      client.on('collab.changed', soon),
    ];
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
      offs.forEach((off) => off());
    };
  }, [client, show]);
  return { queue: queue?.show === show ? queue : null, error };
}

/** One delivery's board state, live (collab.changed from any desk). */
export function useDeliveryBoard(deliveryId: string): {
  board: DeliveryBoardView | null;
  setBoard: (b: DeliveryBoardView) => void;
} {
  const client = useOperator();
  const [board, setBoard] = useState<DeliveryBoardView | null>(null);
  useEffect(() => {
    let live = true;
    const load = (): void => {
      void client.call('collab.get', { deliveryId }).then((r) => {
        if (live && r.ok) setBoard(r.value);
      });
    };
    load();
    const off = client.on('collab.changed', (e) => {
      if (e.deliveryId === deliveryId) load();
    });
    return () => {
      live = false;
      off();
    };
  }, [client, deliveryId]);
  return { board: board?.deliveryId === deliveryId ? board : null, setBoard };
}

/** The scheduler's ranking for one delivery, recomputed when drones or the delivery change. */
export function useCandidates(deliveryId: string): DispatchCandidatesView | null {
  const client = useOperator();
  const [view, setView] = useState<DispatchCandidatesView | null>(null);
  const seq = useRef(0);
  const load = useCallback(() => {
    const mine = ++seq.current;
    void client.call('dispatch.candidates', { deliveryId }).then((r) => {
      if (mine === seq.current && r.ok) setView(r.value);
    });
  }, [client, deliveryId]);
  useEffect(() => {
    load();
    const offs = [
      client.on('records.changed', (e) => {
        if (
          e.kinds.includes('drone') ||
          e.ids.includes(deliveryId) ||
          (e.truncated && e.kinds.includes('delivery'))
        )
          load();
      }),
      client.on('outbox.changed', load),
    ];
    return () => offs.forEach((off) => off());
  }, [client, deliveryId, load]);
  return view?.deliveryId === deliveryId ? view : null;
}
