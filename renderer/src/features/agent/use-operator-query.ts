import { useCallback, useEffect, useRef, useState } from 'react';
import { useOperator } from '../../shared/operator-context';
import type { OperatorInput, OperatorMethod, OperatorOutput } from '../../../../app/contract';

export interface QueryState<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
}

/**
 * Loads one operator API query and reloads it whenever the core says something
 * it shows has changed: records (by id), the outbox (by target) or notes.
 * `watchIds(data)` names the record ids on screen.
 */
export function useOperatorQuery<M extends OperatorMethod>(
  method: M,
  payload: OperatorInput<M>,
  watchIds: (data: OperatorOutput<M>) => readonly string[],
  deliveryForNotes?: string,
): QueryState<OperatorOutput<M>> & { reload: () => void } {
  const client = useOperator();
  const [state, setState] = useState<QueryState<OperatorOutput<M>>>({
    data: null,
    error: null,
    loading: true,
  });
  // The payload by value: a new object literal each render must not reload the query.
  const key = JSON.stringify(payload);
  const latest = useRef(payload);
  latest.current = payload;
  const seq = useRef(0);
  const ids = useRef<ReadonlySet<string>>(new Set());
  const watch = useRef(watchIds);
  watch.current = watchIds;

  const load = useCallback(() => {
    const mine = ++seq.current;
    void client.call(method, latest.current).then((r) => {
      if (mine !== seq.current) return;
      if (r.ok) {
        const data = r.value;
        ids.current = new Set(watch.current(data));
        setState({ data, error: null, loading: false });
      } else setState((s) => ({ data: s.data, error: r.error.message, loading: false }));
    });
  }, [client, method, key]);

  useEffect(() => {
    setState({ data: null, error: null, loading: true });
    load();
  }, [load]);

  useEffect(() => {
    const offs = [
      client.on('records.changed', (e) => {
        if (e.truncated || e.ids.some((id) => ids.current.has(id))) load();
      }),
      client.on('outbox.changed', (e) => {
        if (e.target && ids.current.has(e.target.id)) load();
      }),
      client.on('collab.changed', (e) => {
        if (deliveryForNotes !== undefined && e.deliveryId === deliveryForNotes) load();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client, load, deliveryForNotes]);

  return { ...state, reload: load };
}
