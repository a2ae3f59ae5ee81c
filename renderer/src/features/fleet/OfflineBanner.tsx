import { useAppSelector } from '../../app/store';
import { formatClock } from './fleet-model';

/** "Telemetry offline. Last known positions as of 14:02." while this desk hears no drones. */
export function OfflineBanner() {
  const telemetry = useAppSelector((s) => s.sync.status?.telemetry ?? null);
  const lastFixAt = useAppSelector((s) => s.fleet.lastFixAt);
  if (!telemetry || telemetry.state === 'online') return null;
  const asOf = lastFixAt ?? telemetry.lastConfirmedAt;
  return (
    <p role="status" className="fleet-offline">
      Telemetry {telemetry.state}. Last known positions as of{' '}
      {asOf === null ? 'unknown' : formatClock(asOf)}.
    </p>
  );
}
