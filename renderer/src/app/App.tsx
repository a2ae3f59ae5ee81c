import { useState } from 'react';
import { AgentWorkspace } from '../features/agent/AgentWorkspace';
import { DispatchView } from '../features/dispatch/DispatchView';
import { FleetMapView } from '../features/fleet/FleetMapView';
import { PendingPanel } from '../features/outbox/PendingPanel';
import { RegionStatusBanner } from '../features/region-status/RegionStatusBanner';
import { SignIn } from '../features/session/SignIn';
import { SignOutMenu } from '../features/session/SignOutMenu';
import type { Role } from '../features/session/session-slice';
import { AuditTrailView } from '../features/supervisor/AuditTrailView';
import { DrillView } from '../features/supervisor/DrillView';
import { EscalationsView } from '../features/supervisor/EscalationsView';
import type { OpenDelivery } from '../shared/subject';
import { StatusBar } from '../features/sync/StatusBar';
import { SendProgress } from '../features/outbox/SendProgress';
import { useAppSelector } from './store';

type View = 'agent' | 'fleet' | 'dispatch' | 'pending' | 'escalations' | 'audit' | 'drill';

const VIEWS_BY_ROLE: Record<Role, readonly View[]> = {
  agent: ['agent', 'pending'],
  'fleet-manager': ['fleet', 'dispatch', 'pending'],
  supervisor: ['agent', 'fleet', 'dispatch', 'pending', 'escalations', 'audit', 'drill'],
};
const VIEW_LABEL: Record<View, string> = {
  agent: 'Customers & deliveries',
  fleet: 'Fleet map',
  dispatch: 'Dispatch',
  pending: 'Pending & attention',
  escalations: 'Escalations',
  audit: 'Audit trail',
  drill: 'Gateway drill',
};

export function App() {
  const session = useAppSelector((s) => s.session);
  const views = session.role ? VIEWS_BY_ROLE[session.role] : [];
  const [chosen, setView] = useState<View | null>(null);
  const view = chosen && views.includes(chosen) ? chosen : views[0];
  // A delivery opened from another view (escalations, audit trail): shown in the agent view.
  const [opened, setOpened] = useState<{ deliveryId: string; customerId: string | null } | null>(
    null,
  );
  const openDelivery: OpenDelivery = (target) => {
    setOpened(target);
    setView('agent');
  };

  if (session.status === 'unknown') return <p className="boot">Starting Fleetdesk…</p>;
  if (session.status === 'signed-out') return <SignIn />;
  return (
    <div className="shell">
      <header className="top-bar">
        <span className="brand">Fleetdesk</span>
        <nav aria-label="Main">
          {views.map((v) => (
            <button
              key={v}
              type="button"
              aria-current={v === view ? 'page' : undefined}
              onClick={() => setView(v)}
            >
              {VIEW_LABEL[v]}
              {v === 'pending' && <PendingCount />}
            </button>
          ))}
        </nav>
        <span className="who">
          Signed in as {session.userId} ({session.role})
        </span>
        <SignOutMenu />
      </header>
      <RegionStatusBanner role={session.role} />
      <div className="content">
        {view === 'agent' && (
          <AgentWorkspace key={opened?.deliveryId ?? 'search'} initial={opened} />
        )}
        {view === 'fleet' && <FleetMapView />}
        {view === 'dispatch' && <DispatchView />}
        {view === 'pending' && (
          <PendingPanel openDelivery={views.includes('agent') ? openDelivery : null} />
        )}
        {view === 'escalations' && <EscalationsView openDelivery={openDelivery} />}
        {view === 'audit' && <AuditTrailView openDelivery={openDelivery} />}
        {view === 'drill' && <DrillView />}
      </div>
      <StatusBar sendProgress={(pending) => <SendProgress pending={pending} />} />
    </div>
  );
}

/** "(2 pending, 1 needs attention)" on the nav link, so queued work is visible from anywhere. */
function PendingCount() {
  const outbox = useAppSelector((s) => s.sync.status?.outbox ?? null);
  if (!outbox || (outbox.pending === 0 && outbox.needsAttention === 0)) return null;
  const parts = [
    ...(outbox.pending > 0 ? [`${String(outbox.pending)} pending`] : []),
    ...(outbox.needsAttention > 0
      ? [`${String(outbox.needsAttention)} need${outbox.needsAttention === 1 ? 's' : ''} attention`]
      : []),
  ];
  return <span className="nav-count"> ({parts.join(', ')})</span>;
}
