import { afterEach, describe, expect, it } from 'vitest';
import {
  BOARD,
  defaultPrincipals,
  DISPATCH,
  HubHarness,
  STATUS,
  synced,
  waitFor,
} from '../test-support/hub-harness';

describe('yjs hub: who may connect, read and write', () => {
  const harnesses: HubHarness[] = [];
  const start = async (...args: Parameters<typeof HubHarness.start>): Promise<HubHarness> => {
    const harness = await HubHarness.start(...args);
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('refuses before the upgrade: 401 without or with a bad token, 404 for unknown docs', async () => {
    const h = await start();
    expect(await h.refusal(`/yjs/${BOARD}`)).toBe(401);
    expect(await h.refusal(`/yjs/${BOARD}?token=forged`)).toBe(401);
    expect(await h.refusal('/yjs/board/north/2024-02-30?token=agent-token')).toBe(404);
    expect(await h.refusal('/yjs/chat/north?token=agent-token')).toBe(404);
    expect(await h.refusal(`/elsewhere/${BOARD}?token=agent-token`)).toBe(404);
    expect(await h.refusal(`/yjs/${BOARD}?token=agent-token`)).toBe(0);
    expect(await h.metric('fleetdesk_yjs_refused_upgrades_total', { status: '401' })).toBe(2);
    expect(h.hub.stats().docs).toBeLessThanOrEqual(1); // refused requests loaded nothing
  });

  it('refuses a foreign Origin with 403, allows the listed one and none', async () => {
    const h = await start();
    const path = `/yjs/${BOARD}?token=agent-token`;
    expect(await h.refusal(path, { Origin: 'https://evil.example' })).toBe(403);
    expect(await h.refusal(path, { Origin: 'https://desk.fleetdesk.example' })).toBe(0);
    expect(await h.refusal(path)).toBe(0);
  });

  it('refuses with 403 when docAccess says none, or the authenticator says 403', async () => {
    const h = await start({
      docAccess: (principal, docName) =>
        docName.startsWith('board/secret/')
          ? 'none'
          : principal.role === 'agent'
            ? 'read'
            : 'write',
      authenticate: (token) =>
        token === 'suspended'
          ? { ok: false, status: 403, reason: 'account suspended' }
          : { ok: true, principal: defaultPrincipals()['agent-token'] ?? fail() },
    });
    expect(await h.refusal('/yjs/board/secret/2024-05-31?token=agent-token')).toBe(403);
    expect(await h.refusal(`/yjs/${BOARD}?token=suspended`)).toBe(403);
    expect(await h.refusal(`/yjs/${BOARD}?token=agent-token`)).toBe(0);
  });

  it('an agent on a dispatch doc is read-only: receives everything, its edits reach no one', async () => {
    const h = await start();
    const fm = h.provider(DISPATCH, 'fm-token');
    const agent = h.provider(DISPATCH, 'agent-token');
    await Promise.all([synced(fm.provider), synced(agent.provider)]);
    fm.doc.getMap('routes').set('d-1', 'via depot');
    await waitFor('agent reads', () => agent.doc.getMap('routes').get('d-1') === 'via depot');

    agent.doc.getMap('routes').set('d-1', 'hijacked');
    agent.doc.getText('notes').insert(0, 'agent was here');
    await h.waitForMetric('fleetdesk_yjs_rejected_frames_total', { reason: 'read-only' }, 2);
    // A later write from the fleet manager still arrives: the agent's frames were handled.
    fm.doc.getMap('routes').set('d-2', 'direct');
    await waitFor('agent still syncing', () => agent.doc.getMap('routes').get('d-2') === 'direct');
    expect(await h.metric('fleetdesk_yjs_rejected_frames_total', { reason: 'read-only' })).toBe(2);
    // Presence is not document state: a reader's awareness is relayed.
    agent.provider.awareness.setLocalStateField('user', { name: 'agent-1' });
    await waitFor('reader presence', () =>
      fm.provider.awareness.getStates().has(agent.doc.clientID),
    );
    expect(fm.doc.getMap('routes').get('d-1')).toBe('via depot');
    expect(fm.doc.getText('notes').length).toBe(0);
    const stored = await h.stored(DISPATCH);
    expect(stored.getMap('routes').get('d-1')).toBe('via depot');
    expect(stored.getText('notes').length).toBe(0);
  });

  it('status docs are read-only for every role; only the server writes them', async () => {
    const h = await start();
    const sup = h.provider(STATUS, 'sup-token');
    const fm = h.provider(STATUS, 'fm-token');
    await Promise.all([synced(sup.provider), synced(fm.provider)]);
    sup.doc.getMap('drones').set('d-1', 'forged');
    await h.hub.serverTransact(STATUS, (doc) => doc.getMap('drones').set('d-9', 'in-flight'));
    await waitFor('server write arrives', () => fm.doc.getMap('drones').get('d-9') === 'in-flight');
    await h.waitForMetric('fleetdesk_yjs_rejected_frames_total', { reason: 'read-only' }, 1);
    expect(fm.doc.getMap('drones').has('d-1')).toBe(false);
    expect((await h.stored(STATUS)).getMap('drones').has('d-1')).toBe(false);
  });

  it('closes an open socket with 4001 when the token expires, and refuses it afterwards', async () => {
    const principals = defaultPrincipals();
    principals['short-token'] = { userId: 'agent-2', role: 'agent', expiresAt: Date.now() + 300 };
    const h = await start({ principals });
    const raw = await h.raw(BOARD, 'short-token');
    const other = h.provider(BOARD, 'fm-token');
    await synced(other.provider);
    expect((await raw.closed).code).toBe(4001);
    expect(await h.refusal(`/yjs/${BOARD}?token=short-token`)).toBe(401);
    expect(other.provider.wsconnected).toBe(true);
  });
});

function fail(): never {
  throw new Error('fixture principal missing');
}
