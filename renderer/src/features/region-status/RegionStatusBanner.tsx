import { useEffect, useState } from 'react';
import { useAppSelector } from '../../app/store';
import type { Role } from '../../../../domain/protocol';
import { timeOnly } from '../../shared/format';
import { ageText, fleetLine, paymentsMessage } from './region-status-text';

/** Re-renders every `ms` while `active`, for ages that grow while nothing else changes. */
function useNow(active: boolean, ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return now;
}

/**
 * The region's service status under the top bar: card payments when they are not working
 * (agents, supervisors), the fleet summary (fleet managers, supervisors), and how old it is
 * when this desk is not connected to it. Only the payments sentence is a live region: the
 * fleet counts and the age change too often to be read out each time.
 */
export function RegionStatusBanner({ role }: { role: Role | null }) {
  const status = useAppSelector((s) => s.regionStatus.status);
  const now = useNow(status !== null && !status.live, 30_000);
  const payments =
    role !== null && role !== 'fleet-manager' && status?.payments ? status.payments : null;
  const message = payments ? paymentsMessage(payments.level) : null;
  const fleet = role !== null && role !== 'agent' ? (status?.fleet ?? null) : null;
  const stale = status !== null && !status.live && (message !== null || fleet !== null);
  return (
    <div className={`region-status${payments ? ` payments-${payments.level}` : ''}`}>
      <p role="status" aria-live="polite" aria-label="Service status" className="region-payments">
        {message !== null && payments !== null && (
          <>
            {message} <span className="region-since">Since {timeOnly(payments.since)}.</span>
          </>
        )}
      </p>
      {fleet !== null && <p className="region-fleet">{fleetLine(fleet)}</p>}
      {stale && (
        <p className="region-age">Not connected: service status {ageText(status.asOf, now)}.</p>
      )}
    </div>
  );
}
