import type { OperatorClient } from '../api/operator-client';
import { allEntries, outboxEntryChanged, outboxListed } from '../shared/outbox-slice';
import { regionStatusReceived } from '../features/region-status/region-status-slice';
import { sessionLoaded, signedOut } from '../features/session/session-slice';
import {
  coreConnectionChanged,
  feedProgressed,
  syncStatusChanged,
} from '../features/sync/sync-slice';
import type { AppStore } from './store';

/** Loads the initial state from the core and keeps the store in step with its push events. */
export function wireCoreEvents(client: OperatorClient, store: AppStore): void {
  client.on('sync.statusChanged', (s) => store.dispatch(syncStatusChanged(s)));
  client.on('feed.progress', (p) => store.dispatch(feedProgressed(p)));
  client.on('outbox.changed', (e) => store.dispatch(outboxEntryChanged(e)));
  client.on('region.statusChanged', (s) => store.dispatch(regionStatusReceived(s)));
  // A sign-in or sign-out in another tab or window of this desk: follow it, and reload what
  // the previous operator's session showed (their outbox, the status) for the new one.
  client.on('session.changed', (s) => {
    if (s === null) store.dispatch(signedOut());
    else store.dispatch(sessionLoaded({ userId: s.userId, role: s.role, expiresAt: s.expiresAt }));
    void refresh(client, store);
  });
  // The server signed this operator out (access revoked) or revoked the desk: back to sign-in, which says why.
  client.on('desk.changed', (s) => {
    if (s.revoked || s.signedOutReason) store.dispatch(signedOut());
  });
  client.onConnection((state) => {
    store.dispatch(coreConnectionChanged(state === 'open'));
    if (state === 'open') void refresh(client, store);
  });
  void refresh(client, store);
}

export async function refresh(client: OperatorClient, store: AppStore): Promise<void> {
  const session = await client.call('session.get', {});
  if (session.ok) store.dispatch(sessionLoaded(session.value));
  const status = await client.call('sync.status', {});
  if (status.ok) store.dispatch(syncStatusChanged(status.value));
  const region = await client.call('region.status', {});
  if (region.ok) store.dispatch(regionStatusReceived(region.value));
  const outbox = await client.call('outbox.list', {});
  if (outbox.ok) store.dispatch(outboxListed(allEntries(outbox.value)));
}
