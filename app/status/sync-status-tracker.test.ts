import { describe, expect, it } from 'vitest';
import { SyncStatusTracker } from './sync-status-tracker';

describe('SyncStatusTracker', () => {
  it('is online when the feed is, with an empty outbox and synced documents', () => {
    const t = new SyncStatusTracker();
    t.feed({ state: 'online', lastConfirmedAt: 1 });
    t.document('board/berlin/2026-11-22', { state: 'online' });
    expect(t.snapshot()).toMatchObject({
      overall: 'online',
      outbox: { state: 'online', pending: 0 },
    });
  });

  it('is degraded while commands wait on a failing send or need attention', () => {
    const t = new SyncStatusTracker();
    t.feed({ state: 'online' });
    t.outbox({ pending: 2, state: 'offline' });
    expect(t.snapshot()).toMatchObject({ overall: 'degraded', outbox: { state: 'offline' } });
    t.outbox({ pending: 0, needsAttention: 1 });
    expect(t.snapshot().overall).toBe('degraded');
  });

  it('is offline when neither the feed nor the outbox reaches the server, and reports every change', () => {
    const seen: string[] = [];
    const t = new SyncStatusTracker((s) => seen.push(s.overall));
    t.feed({ state: 'offline' });
    t.outbox({ pending: 1, state: 'offline' });
    expect(t.snapshot().overall).toBe('offline');
    expect(seen).toEqual(['offline', 'offline']);
  });
});
