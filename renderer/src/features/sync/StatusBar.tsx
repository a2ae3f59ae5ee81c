import type { ReactNode } from 'react';
import type { SyncStatus } from '../../../../app/contract';
import { useAppSelector } from '../../app/store';

const time = (ms: number | null): string =>
  ms === null
    ? 'never'
    : new Date(ms).toLocaleTimeString([], {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });

/**
 * Why the shared documents (notes, board, dispatch) keep the desk from "Online", when the feed
 * and the outbox do not: a degraded bar must always say why.
 */
function documentsReason(status: SyncStatus): string | null {
  const docs = Object.values(status.documents);
  if (docs.some((d) => d.state === 'degraded')) return 'Shared notes are read-only for you';
  const offline = docs.filter((d) => d.state === 'offline').length;
  if (offline > 0)
    return offline === 1
      ? 'A shared document is not synced'
      : `${offline} shared documents are not synced`;
  return null;
}

/** Why the desk is not online, in a few words (the core derives the detail from its loops). */
export function reason(status: SyncStatus | null): string | null {
  if (!status || status.overall === 'online') return null;
  const { feed, outbox } = status;
  if (outbox.detail === 'stalled') return 'Sending has stalled';
  if (feed.state === 'online' && outbox.state === 'online') return documentsReason(status);
  switch (feed.detail) {
    case 'connecting':
      return 'Connecting…';
    case 'stalled':
      return 'The server has stopped answering';
    case 'unauthorized':
      return 'Sign in again to sync';
    case 'stopped unexpectedly':
      return 'Sync stopped unexpectedly';
    case 'offline':
      return 'Server not reachable';
    case undefined:
    default:
      return null;
  }
}

/** Always visible: is my work saved and synced? Online / offline / degraded, pending, last confirmed. */
export function StatusBar({
  sendProgress,
}: {
  /** The outbox's progress for `pending` commands (composed by the app: features do not import each other). */
  sendProgress: (pending: number) => ReactNode;
}) {
  const status = useAppSelector((s) => s.sync.status);
  const coreConnected = useAppSelector((s) => s.sync.coreConnected);
  const snapshot = useAppSelector((s) => s.sync.snapshot);
  const why = reason(status);
  const overall = !coreConnected ? 'offline' : (status?.overall ?? 'offline');
  const pending = status?.outbox.pending ?? 0;
  const attention = status?.outbox.needsAttention ?? 0;
  const confirmed =
    Math.max(status?.feed.lastConfirmedAt ?? 0, status?.outbox.lastConfirmedAt ?? 0) || null;
  return (
    <footer
      className={`status-bar status-${overall}`}
      role="status"
      aria-live="polite"
      aria-label="Sync status"
    >
      <span className="status-pill">
        {overall === 'online' ? 'Online' : overall === 'degraded' ? 'Degraded' : 'Offline'}
      </span>
      {!coreConnected ? <span>Desktop core not reachable</span> : why && <span>{why}</span>}
      {snapshot?.phase === 'snapshot' && (
        <span>Initial sync: {snapshot.received.toLocaleString()} records…</span>
      )}
      <span>{pending === 0 ? 'All changes sent' : `${pending} pending`}</span>
      {sendProgress(pending)}
      {attention > 0 && <span className="attention">{attention} need attention</span>}
      <span>Last confirmed {time(confirmed)}</span>
    </footer>
  );
}
