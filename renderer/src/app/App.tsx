import { useState } from 'react';
import { AgentWorkspace } from '../features/agent/AgentWorkspace';
import { DispatchView } from '../features/dispatch/DispatchView';
import { FleetMapView } from '../features/fleet/FleetMapView';
import { PendingPanel } from '../features/outbox/PendingPanel';
import { RegionStatusBanner } from '../features/region-status/RegionStatusBanner';
import { SignIn } from '../features/session/SignIn';
import { SignOutMenu } from '../features/session/SignOutMenu';
import type { Role } from '../features/session/session-slice';
import { StatusBar } from '../features/sync/StatusBar';
import { useAppSelector } from './store';

type View = 'agent' | 'fleet' | 'dispatch' | 'pending';

const VIEWS_BY_ROLE: Record<Role, readonly View[]> = {
  agent: ['agent', 'pending'],
  'fleet-manager': ['fleet', 'dispatch', 'pending'],
  supervisor: ['agent', 'fleet', 'dispatch', 'pending'],
};
const VIEW_LABEL: Record<View, string> = {
  agent: 'Customers & deliveries',
  fleet: 'Fleet map',
  dispatch: 'Dispatch',
  pending: 'Pending & attention',
};

export function App() {
  const session = useAppSelector((s) => s.session);
  const views = session.role ? VIEWS_BY_ROLE[session.role] : [];
  const [chosen, setView] = useState<View | null>(null);
  const view = chosen && views.includes(chosen) ? chosen : views[0];

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
        {view === 'agent' && <AgentWorkspace />}
        {view === 'fleet' && <FleetMapView />}
        {view === 'dispatch' && <DispatchView />}
        {view === 'pending' && <PendingPanel />}
      </div>
      <StatusBar />
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
