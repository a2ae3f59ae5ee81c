import { useEffect, useState, type RefObject } from 'react';
import type { TrailView } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import type { FleetMapHandle } from './fleet-map';

/** The trail is re-read every this many ticks (1 Hz): the core writes it every ~5 s. */
const REFRESH_TICKS = 5;

/**
 * The selected drone's last minutes of fixes, read from the replica through the core (so it
 * shows offline too) and drawn on the map under its route.
 */
export function useDroneTrail(
  droneId: string | null,
  tick: number,
  handle: RefObject<FleetMapHandle | null>,
): TrailView | null {
  const client = useOperator();
  const [trail, setTrail] = useState<TrailView | null>(null);
  const slot = Math.floor(tick / REFRESH_TICKS);
  useEffect(() => {
    if (droneId === null) {
      handle.current?.setTrail([]);
      return;
    }
    let live = true;
    void client.call('fleet.trail', { droneId }).then((r) => {
      if (!live || !r.ok) return;
      setTrail(r.value);
      handle.current?.setTrail(r.value.points);
    });
    return () => {
      live = false;
    };
  }, [client, droneId, handle, slot]);
  useEffect(() => () => handle.current?.setTrail([]), [handle]);
  return trail?.droneId === droneId ? trail : null;
}
